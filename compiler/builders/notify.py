"""The alert topic: `AWS::SNS::Topic`, `::Subscription`, `::TopicPolicy`.

One topic per pipeline and environment, encrypted with the notify key, with an email
subscription per address in `alerts.email` (SNS asks each address to confirm). Only this
stack's EventBridge rules, CloudWatch alarms in this account and the pipeline's roles (through
their own policies) may publish, and only over TLS.

Opt-in notices (`alerts.notices`: run started, run succeeded) each get a topic of their own with
their own addresses, published to by their EventBridge rule only: who hears of runs that went
well is decided per kind, and never mixed into the alerts.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Sub, sns

from ..logical_ids import (
    NOTIFY_KEY,
    TOPIC,
    TOPIC_POLICY,
    email_subscription_id,
    notice_subscription_id,
    notice_topic_id,
    notice_topic_policy_id,
    rule_id,
)
from ..naming import notice_rule
from .common import Stack, policy
from .kms import COST_SERVICES


def build(stack: Stack) -> None:
    stack.add(
        sns.Topic(
            TOPIC,
            TopicName=stack.plan.naming.topic,
            DisplayName=f"pipegen {stack.plan.naming.prefix}"[:100],
            KmsMasterKeyId=GetAtt(NOTIFY_KEY, "Arn"),
            Tags=stack.tags(),
        )
    )
    for index, address in enumerate(stack.plan.alerts.email, start=1):
        stack.add(
            sns.SubscriptionResource(
                email_subscription_id(index),
                TopicArn=Ref(TOPIC),
                Protocol="email",
                Endpoint=address,
            )
        )
    stack.add(sns.TopicPolicy(TOPIC_POLICY, Topics=[Ref(TOPIC)], PolicyDocument=_policy(stack)))
    for kind, addresses in sorted(stack.plan.alerts.notices.items()):
        _notice_topic(stack, kind, addresses)


def _notice_topic(stack: Stack, kind: str, addresses: list[str]) -> None:
    topic = notice_topic_id(kind)
    stack.add(
        sns.Topic(
            topic,
            TopicName=stack.plan.naming.notice_topic(kind),
            DisplayName=f"pipegen {stack.plan.naming.prefix} {kind.replace('_', ' ')}"[:100],
            KmsMasterKeyId=GetAtt(NOTIFY_KEY, "Arn"),
            Tags=stack.tags(),
        )
    )
    for index, address in enumerate(addresses, start=1):
        stack.add(
            sns.SubscriptionResource(
                notice_subscription_id(kind, index),
                TopicArn=Ref(topic),
                Protocol="email",
                Endpoint=address,
            )
        )
    document = policy(
        {
            "Sid": "PublishByItsRule",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": Ref(topic),
            "Condition": {
                "ArnEquals": {"aws:SourceArn": GetAtt(rule_id(notice_rule(kind)), "Arn")}
            },
        },
        _deny_insecure(Ref(topic)),
    )
    stack.add(
        sns.TopicPolicy(notice_topic_policy_id(kind), Topics=[Ref(topic)], PolicyDocument=document)
    )


def _deny_insecure(topic: Ref) -> dict:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:Publish",
        "Resource": topic,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _policy(stack: Stack) -> dict:
    from .events import topic_rule_arns

    topic = Ref(TOPIC)
    return policy(
        {
            "Sid": "PublishByThisStacksRules",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_rule_arns(stack)}},
        },
        {
            "Sid": "PublishByThisAccountsAlarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic,
            "Condition": {"StringEquals": {"aws:SourceAccount": Sub("${AWS::AccountId}")}},
        },
        *_cost_publishers(stack),
        _deny_insecure(topic),
    )


def _cost_publishers(stack: Stack) -> list[dict]:
    """With a budget: AWS Budgets and Cost Anomaly Detection, for this account only."""
    if stack.plan.budget is None:
        return []
    return [
        {
            "Sid": "PublishByThisAccountsCostAlerts",
            "Effect": "Allow",
            "Principal": {"Service": list(COST_SERVICES)},
            "Action": "sns:Publish",
            "Resource": Ref(TOPIC),
            "Condition": {"StringEquals": {"aws:SourceAccount": Sub("${AWS::AccountId}")}},
        }
    ]
