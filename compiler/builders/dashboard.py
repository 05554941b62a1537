"""The pipeline's dashboard: `AWS::CloudWatch::Dashboard`.

Job outcomes and run times, rows read, written and quarantined per source, quality score per
table, the landing function's invocations, errors, throttles and rejections, and its failure
queue. Every metric comes from `metrics.py`, the module the alarms use.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import Sub, cloudwatch

from ..logical_ids import DASHBOARD
from ..naming import JOBS
from .common import Stack
from .events import failed_rule
from .metrics import Metric, custom, failure_queue_depth, function, glue_job, rule_triggered

WIDTH, HEIGHT = 12, 6


def build(stack: Stack) -> None:
    body, variables = _render(widgets(stack))
    stack.add(
        cloudwatch.Dashboard(
            DASHBOARD,
            DashboardName=stack.plan.naming.dashboard,
            DashboardBody=Sub(body, variables),
            Tags=stack.tags(),
        )
    )


def widgets(stack: Stack) -> list[tuple[str, str, int, list[tuple[Metric, str]]]]:
    """(title, statistic, period, [(metric, label)]) per widget, in display order."""
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
        (
            "Quality score",
            "Minimum",
            3600,
            [(custom(stack, "QualityScore", t), t) for t in sorted(plan.quality.tables)],
        ),
        ("Landing function", "Sum", 300, landing),
        ("Failure queue depth", "Maximum", 300, [(failure_queue_depth(), "events waiting")]),
    ]


def _render(items: list) -> tuple[str, dict[str, Any]]:
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
        for metric, label in metrics:
            dims = [part for k, v in metric.dimensions for part in (k, value(v))]
            lines.append([metric.namespace, metric.name, *dims, {"label": label}])
        body.append(
            {
                "type": "metric",
                "x": (index % 2) * WIDTH,
                "y": (index // 2) * HEIGHT,
                "width": WIDTH,
                "height": HEIGHT,
                "properties": {
                    "title": title,
                    "region": "${AWS::Region}",
                    "stat": stat,
                    "period": period,
                    "view": "timeSeries",
                    "metrics": lines,
                },
            }
        )
    return json.dumps({"widgets": body}, sort_keys=True), variables
