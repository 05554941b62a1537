"""The pipeline's dashboard: `AWS::CloudWatch::Dashboard`.

Job outcomes and run times, rows read, written and quarantined per source and the quarantine
rate, quality score per table, each job's worker utilisation, the landing function's
invocations, errors, throttles and rejections, its failure queue, freshness (the missed-run
alarm), and cost: the account's month-to-date charges against the budget and `pipegen cost`'s
estimate of this stack, with the way to the budget's actual and forecast spend. Every metric
comes from `metrics.py`, the module the alarms use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from troposphere import Sub, cloudwatch

from ..logical_ids import DASHBOARD
from ..naming import JOBS
from .alarms import UTILIZATION_PCT
from .common import Stack
from .events import failed_rule
from .metrics import (
    Metric,
    custom,
    estimated_charges,
    failure_queue_depth,
    function,
    glue_job,
    rule_triggered,
    worker_utilization,
)

WIDTH, HEIGHT = 12, 6


def build(stack: Stack) -> None:
    body, variables = _render(widgets(stack), _alarm_widgets(stack))
    stack.add(
        cloudwatch.Dashboard(
            DASHBOARD,
            DashboardName=stack.plan.naming.dashboard,
            DashboardBody=Sub(body, variables),
            Tags=stack.tags(),
        )
    )


def add_cost_panel(stack: Stack) -> None:
    """Once every other resource is built: the cost panel, whose figure is `pipegen cost`'s
    estimate of this very stack (a dashboard costs the same whatever its widgets show, so
    adding the panel does not change the figure it shows)."""
    from ..cost_estimate import estimate, usage_for

    result = estimate(usage_for(stack.plan, stack.template.to_dict()))
    body, variables = _render(widgets(stack), _alarm_widgets(stack), _cost_widgets(stack, result))
    stack.template.resources[DASHBOARD].DashboardBody = Sub(body, variables)


@dataclass(frozen=True)
class Expression:
    """A line computed from the widget's hidden metric lines (each named by its `ident`)."""

    expression: str
    label: str


Line = tuple[Metric, str] | tuple[Metric, str, str] | Expression


def widgets(stack: Stack) -> list[tuple[str, str, int, list[Line]]]:
    """(title, statistic, period, lines) per metric widget, in display order. A line is
    (metric, label), (metric, label, ident) for a hidden input of an expression, or an
    Expression."""
    plan = stack.plan
    sources = [s.name for s in plan.sources]
    outcomes = [(rule_triggered("run-succeeded"), "runs succeeded")]
    outcomes += [(rule_triggered(failed_rule(k)), f"{k} failed") for k in JOBS]
    rows = [
        (custom(stack, name, source), f"{source}: {label}")
        for source in sources
        for name, label in (
            ("RowsRead", "read"),
            ("RowsWritten", "written"),
            ("RowsQuarantined", "quarantined"),
        )
    ]
    landing = [(function(n), n.lower()) for n in ("Invocations", "Errors", "Throttles")]
    landing += [(custom(stack, "FilesRejected", s), f"{s}: files rejected") for s in sources]
    return [
        ("Job outcomes", "Sum", 3600, outcomes),
        ("Job run time (ms)", "Maximum", 300, [(glue_job(k), k) for k in JOBS]),
        ("Rows per source", "Sum", 3600, rows),
        ("Quarantine rate (% of rows read)", "Sum", 3600, _quarantine_rate(stack, sources)),
        (
            "Quality score",
            "Minimum",
            3600,
            [(custom(stack, "QualityScore", t), t) for t in sorted(plan.quality.tables)],
        ),
        ("Worker utilisation (% of workers in use)", "Average", 60, _utilisation()),
        ("Landing function", "Sum", 300, landing),
        ("Failure queue depth", "Maximum", 300, [(failure_queue_depth(), "events waiting")]),
    ]


def _quarantine_rate(stack: Stack, sources: list[str]) -> list[Line]:
    lines: list[Line] = []
    for index, source in enumerate(sources):
        read, quarantined = f"read{index}", f"quarantined{index}"
        lines.append((custom(stack, "RowsRead", source), f"{source}: read", read))
        lines.append(
            (custom(stack, "RowsQuarantined", source), f"{source}: quarantined", quarantined)
        )
        lines.append(Expression(f"IF({read} > 0, 100 * {quarantined} / {read}, 0)", f"{source}: %"))
    return lines


def _utilisation() -> list[Line]:
    """The alarms' own reading of the metric (see alarms.UTILIZATION_PCT) per job."""
    lines: list[Line] = []
    for kind in JOBS:
        lines.append((worker_utilization(kind), kind, f"used{kind}"))
        lines.append(Expression(UTILIZATION_PCT.replace("used", f"used{kind}"), kind))
    return lines


def _alarm_widgets(stack: Stack) -> list[dict[str, Any]]:
    """Freshness: the missed-run alarm (no successful run within the expected interval)."""
    if stack.plan.missed_run_hours is None:
        return []
    return [
        {
            "title": f"Freshness: a successful run within {stack.plan.missed_run_hours} hours",
            # The ARN from the alarm's name (CloudFormation's emulator in the tests has no
            # GetAtt Arn for alarms; the two are the same ARN on AWS).
            "alarms": [
                "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
                + stack.plan.naming.alarm("missed-run")
            ],
        }
    ]


def _cost_widgets(stack: Stack, result: Any) -> list[dict[str, Any]]:
    """The account's month-to-date charges (AWS publishes them in us-east-1 only, for the whole
    account, once billing alerts are on) with lines at the budget and the estimate, and what
    the estimate is made of."""
    plan = stack.plan
    total = round(result.total, 2)
    lines = [{"label": f"pipegen estimate ${total:,.2f}", "value": total}]
    budget = plan.budget
    if budget is not None:
        limit = budget.monthly_usd
        lines.append({"label": f"budget ${limit:,.2f}", "value": limit})
    charges = estimated_charges()
    chart = {
        "title": "Charges this month, whole account (USD)",
        "region": "us-east-1",
        "stat": "Maximum",
        "period": 21600,
        "view": "timeSeries",
        "metrics": [[charges.namespace, charges.name, *charges.dimensions[0], {"label": "USD"}]],
        "annotations": {"horizontal": lines},
    }
    biggest = ", ".join(f"{i.service} {i.item} ${i.monthly_usd:,.2f}" for i in result.biggest())
    text = [
        f"### Cost of {plan.naming.prefix}",
        f"**Estimate** (`pipegen cost`, from the spec's figures): "
        f"**${total:,.2f} a month**; biggest: {biggest}.",
    ]
    if budget is not None:
        text.append(
            f"**Budget** {plan.naming.prefix}-monthly: ${budget.monthly_usd:,.2f} a month, "
            "counting only this stack's tagged resources; its actual and forecast spend are in "
            "[AWS Budgets](https://console.aws.amazon.com/billing/home#/budgets) (Budgets "
            "publishes no CloudWatch metric)."
        )
    text.append(
        "The chart is the whole account's bill to date (AWS/Billing, us-east-1); it has data "
        "once *Receive Billing Alerts* is on in the account's billing preferences."
    )
    return [
        {"type": "metric", "properties": chart},
        {"type": "text", "properties": {"markdown": "\n\n".join(text)}},
    ]


def _render(
    items: list, alarms: list[dict[str, Any]], extra: list[dict[str, Any]] = ()
) -> tuple[str, dict[str, Any]]:
    """The body as JSON text; Refs and GetAtts become `${Vn}` variables of the Sub."""
    variables: dict[str, Any] = {}

    def value(v: Any) -> str:
        if isinstance(v, str):
            return v
        name = f"V{len(variables)}"
        variables[name] = v
        return f"${{{name}}}"

    body = []
    for index, (title, stat, period, metrics) in enumerate(items):
        lines = []
        for line in metrics:
            if isinstance(line, Expression):
                lines.append([{"expression": line.expression, "label": line.label}])
                continue
            metric, label, *ident = line
            dims = [part for k, v in metric.dimensions for part in (k, value(v))]
            options = {"label": label, **({"id": ident[0], "visible": False} if ident else {})}
            lines.append([metric.namespace, metric.name, *dims, options])
        properties = {"title": title, "region": "${AWS::Region}", "stat": stat}
        properties.update(period=period, view="timeSeries", metrics=lines)
        body.append(_placed(index, "metric", properties))
    for index, widget in enumerate(alarms, start=len(items)):
        properties = {"title": widget["title"], "alarms": [value(a) for a in widget["alarms"]]}
        body.append(_placed(index, "alarm", properties))
    for index, widget in enumerate(extra, start=len(items) + len(alarms)):
        body.append(_placed(index, widget["type"], widget["properties"]))
    return json.dumps({"widgets": body}, sort_keys=True), variables


def _placed(index: int, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A widget in the two-column grid, in display order."""
    x, y = (index % 2) * WIDTH, (index // 2) * HEIGHT
    return {
        "type": kind,
        "x": x,
        "y": y,
        "width": WIDTH,
        "height": HEIGHT,
        "properties": properties,
    }
