"""Cost guards: `AWS::Budgets::Budget`, `AWS::CE::AnomalyMonitor`, `AWS::CE::AnomalySubscription`.

Built when the spec has `budget`. The budget covers this pipeline in this environment only: it
filters on the `pipegen:stack` cost-allocation tag every taggable resource carries (the tag must
be activated once per account under Billing -> Cost allocation tags, or the budget sees $0).
It alerts at each `notify_at_pct`, on actual and on forecasted spend, through the alert topic
and to the spec's emails. The anomaly monitor watches the same tag and reports anomalies of at
least `anomaly_usd` to the topic as they are found.
"""

from __future__ import annotations

import json

from troposphere import Ref, budgets, ce

from ..logical_ids import BUDGET, COST_MONITOR, COST_SUBSCRIPTION, TOPIC, TOPIC_POLICY
from ..naming import STACK_TAG
from .common import Stack


def build(stack: Stack) -> None:
    budget = stack.plan.budget
    if budget is None:
        return
    naming = stack.plan.naming
    subscribers = [budgets.Subscriber(SubscriptionType="SNS", Address=Ref(TOPIC))]
    subscribers += [
        budgets.Subscriber(SubscriptionType="EMAIL", Address=a) for a in stack.plan.alerts.email
    ]
    # Both publish to the topic: they must not exist before the topic policy that lets them.
    stack.add(
        budgets.Budget(
            BUDGET,
            DependsOn=[TOPIC_POLICY],
            Budget=budgets.BudgetData(
                BudgetName=f"{naming.prefix}-monthly",
                BudgetType="COST",
                TimeUnit="MONTHLY",
                BudgetLimit=budgets.Spend(Amount=budget.monthly_usd, Unit="USD"),
                CostFilters={"TagKeyValue": [f"user:{STACK_TAG}${naming.prefix}"]},
            ),
            ResourceTags=[budgets.ResourceTag(Key=k, Value=v) for k, v in stack.tag_pairs()],
            NotificationsWithSubscribers=[
                budgets.NotificationWithSubscribers(
                    Notification=budgets.Notification(
                        NotificationType=kind,
                        ComparisonOperator="GREATER_THAN",
                        Threshold=pct,
                        ThresholdType="PERCENTAGE",
                    ),
                    Subscribers=subscribers,
                )
                for pct in sorted(set(budget.notify_at_pct))
                for kind in ("ACTUAL", "FORECASTED")
            ],
        )
    )
    stack.add(
        ce.AnomalyMonitor(
            COST_MONITOR,
            MonitorName=f"{naming.prefix}-cost",
            MonitorType="CUSTOM",
            MonitorSpecification=json.dumps(
                {"Tags": {"Key": STACK_TAG, "Values": [naming.prefix], "MatchOptions": ["EQUALS"]}},
                sort_keys=True,
            ),
            ResourceTags=_ce_tags(stack),
        )
    )
    stack.add(
        ce.AnomalySubscription(
            COST_SUBSCRIPTION,
            DependsOn=[TOPIC_POLICY],
            SubscriptionName=f"{naming.prefix}-cost-anomalies",
            # SNS subscribers take every anomaly as it is found.
            Frequency="IMMEDIATE",
            MonitorArnList=[Ref(COST_MONITOR)],
            Subscribers=[ce.Subscriber(Type="SNS", Address=Ref(TOPIC))],
            ThresholdExpression=json.dumps(
                {
                    "Dimensions": {
                        "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                        "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
                        "Values": [f"{budget.anomaly_usd:g}"],
                    }
                },
                sort_keys=True,
            ),
            ResourceTags=_ce_tags(stack),
        )
    )


def _ce_tags(stack: Stack) -> list[ce.ResourceTag]:
    return [ce.ResourceTag(Key=k, Value=v) for k, v in stack.tag_pairs()]
