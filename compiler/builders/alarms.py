"""CloudWatch alarms: `AWS::CloudWatch::Alarm`, every one with actions to the alert topic.

Per job: failed runs (the job's failure rule fired), run time above the spec's warn and
alarm shares of its timeout (Glue's elapsed-time metric, reported every 30 s while the job
runs, so the alarm fires before the timeout does), and worker utilisation sustained above or
below the spec's lines (Glue's observability metric). Per source: quarantined rows as a share of
rows read, and rows read outside the expected band. Per quality table: score below the warn
and fail thresholds. Then: no successful run within the expected interval (when known), the
landing function's errors and throttles, and anything in its failure queue.

Missing data is decided per alarm: "no data" means "nothing ran" (not breaching) everywhere
except the missed-run alarm, where it is exactly the problem (breaching).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troposphere import Ref, cloudwatch

from ..logical_ids import TOPIC, alarm_id
from ..naming import JOBS
from .common import Stack
from .events import failed_rule
from .metrics import (
    Metric,
    custom,
    failure_queue_depth,
    function,
    glue_job,
    rule_triggered,
    worker_utilization,
)

FIVE_MINUTES = 300
HOUR = 3600
# Glue documents the metric's unit as Percentage without saying whether 1.0 or 100 means all
# workers; published examples show both. The expression reads either as a percentage (a value
# of at most 1 is a share): it misreads only a genuine 0-1% in the 0-100 form.
UTILIZATION_PCT = "IF(used > 1, used, 100 * used)"


@dataclass(frozen=True)
class Check:
    """One alarm before it becomes a resource."""

    name: str
    description: str
    metric: Metric | None
    statistic: str
    comparison: str
    threshold: float
    missing: str = "notBreaching"
    period: int = FIVE_MINUTES
    periods: int = 1
    math: list[dict[str, Any]] = field(default_factory=list)
    threshold_metric: str | None = None
    # The spec path that asked for this alarm.
    origin: tuple[str, ...] = ("alerts",)


def build(stack: Stack) -> None:
    for check in checks(stack):
        with stack.made_by(*check.origin):
            stack.add(_alarm(stack, check))


def checks(stack: Stack) -> list[Check]:
    return [
        *_job_checks(stack),
        *_utilization_checks(stack),
        *_source_checks(stack),
        *_quality_checks(stack),
        *_run_checks(stack),
        *_landing_checks(),
    ]


def _job_checks(stack: Stack) -> list[Check]:
    duration = stack.plan.alerts.job_duration
    found: list[Check] = []
    for kind in JOBS:
        found.append(
            Check(
                f"{kind}-failed",
                f"A run of the {kind} job ended failed, timed out or stopped",
                rule_triggered(failed_rule(kind)),
                "Sum",
                "GreaterThanOrEqualToThreshold",
                1,
            )
        )
        timeout_ms = stack.plan.job(kind).settings.timeout_minutes * 60 * 1000
        for level, pct in (("warn", duration.warn_pct), ("alarm", duration.alarm_pct)):
            found.append(
                Check(
                    f"{kind}-duration-{level}",
                    f"The {kind} job has run for {pct:g}% of its timeout",
                    glue_job(kind),
                    "Maximum",
                    "GreaterThanThreshold",
                    round(timeout_ms * pct / 100),
                    period=60,
                    origin=("alerts", "job_duration"),
                )
            )
    return found


def _utilization_checks(stack: Stack) -> list[Check]:
    """Per job: workers busy (under-provisioned) or idle (wasted) for `minutes` in a row. One
    alarm per job watches both lines (an alarm bills per metric it reads; the dashboard's
    utilisation widget shows which line was crossed)."""
    lines = stack.plan.alerts.worker_utilization
    high, low = f"{lines.high_pct:g}", f"{lines.low_pct:g}"
    return [
        Check(
            f"{kind}-utilization",
            f"The {kind} job kept at least {high}% of its workers busy (under-provisioned) "
            f"or at most {low}% (paying for idle workers) for {lines.minutes} minutes",
            None,
            "",
            "GreaterThanOrEqualToThreshold",
            1,
            period=60,
            periods=lines.minutes,
            math=[
                _query("used", worker_utilization(kind), "Average", 60),
                {"Id": "pct", "Expression": UTILIZATION_PCT, "ReturnData": False},
                {
                    "Id": "outside",
                    "Expression": f"IF(pct >= {high} OR pct <= {low}, 1, 0)",
                    "Label": f"{kind}: utilisation outside {low}-{high}%",
                    "ReturnData": True,
                },
            ],
            origin=("alerts", "worker_utilization"),
        )
        for kind in JOBS
    ]


def _source_checks(stack: Stack) -> list[Check]:
    alerts = stack.plan.alerts
    found: list[Check] = []
    for source in stack.plan.sources:
        name = source.name
        found.append(
            Check(
                f"{name}-error-rate",
                f"More than {alerts.error_rate_pct:g}% of the rows of source {name} were "
                "quarantined",
                None,
                "",
                "GreaterThanThreshold",
                alerts.error_rate_pct,
                math=[
                    _query("quarantined", custom(stack, "RowsQuarantined", name), "Sum"),
                    _query("read", custom(stack, "RowsRead", name), "Sum"),
                    {
                        "Id": "rate",
                        "Expression": "IF(read > 0, 100 * quarantined / read, 0)",
                        "Label": f"{name}: % of rows quarantined",
                        "ReturnData": True,
                    },
                ],
                origin=("sources", name),
            )
        )
        if source.config.kind == "append":
            found.append(
                Check(
                    f"{name}-rows-anomaly",
                    f"Rows read from source {name} are outside the expected band",
                    None,
                    "",
                    "LessThanLowerOrGreaterThanUpperThreshold",
                    0,
                    period=HOUR,
                    math=[
                        _query("rows", custom(stack, "RowsRead", name), "Sum", HOUR, True),
                        {
                            "Id": "band",
                            "Expression": f"ANOMALY_DETECTION_BAND(rows, "
                            f"{alerts.rows_anomaly_band:g})",
                            "Label": f"{name}: expected rows read",
                            "ReturnData": True,
                        },
                    ],
                    threshold_metric="band",
                    origin=("sources", name),
                )
            )
    return found


def _quality_checks(stack: Stack) -> list[Check]:
    score = stack.plan.quality.score
    found: list[Check] = []
    for table in sorted(stack.plan.quality.tables):
        for level, below in (("warn", score.warn_below), ("fail", score.fail_below)):
            found.append(
                Check(
                    f"{table}-quality-{level}",
                    f"The quality score of table {table} is below {below:g}",
                    custom(stack, "QualityScore", table),
                    "Minimum",
                    "LessThanThreshold",
                    below,
                    origin=("quality", "tables", table),
                )
            )
    return found


def _run_checks(stack: Stack) -> list[Check]:
    hours = stack.plan.missed_run_hours
    if hours is None:
        return []
    return [
        Check(
            "missed-run",
            f"No workflow run has succeeded in the last {hours} hours",
            rule_triggered("run-succeeded"),
            "Sum",
            "LessThanThreshold",
            1,
            missing="breaching",
            period=HOUR,
            periods=hours,
            origin=("schedule",),
        )
    ]


def _landing_checks() -> list[Check]:
    return [
        Check(
            "landing-errors",
            "The landing function failed",
            function("Errors"),
            "Sum",
            "GreaterThanOrEqualToThreshold",
            1,
        ),
        Check(
            "landing-throttles",
            "The landing function was throttled",
            function("Throttles"),
            "Sum",
            "GreaterThanOrEqualToThreshold",
            1,
        ),
        Check(
            "landing-failure-queue",
            "Events the landing function could not handle are waiting in its failure queue",
            failure_queue_depth(),
            "Maximum",
            "GreaterThanOrEqualToThreshold",
            1,
        ),
    ]


def _query(
    ident: str, metric: Metric, stat: str, period: int = FIVE_MINUTES, returned: bool = False
) -> dict[str, Any]:
    return {
        "Id": ident,
        "MetricStat": {
            "Metric": {
                "Namespace": metric.namespace,
                "MetricName": metric.name,
                "Dimensions": metric.cloudwatch_dimensions(),
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": returned,
    }


def _alarm(stack: Stack, check: Check) -> cloudwatch.Alarm:
    alarm = cloudwatch.Alarm(
        alarm_id(check.name),
        AlarmName=stack.plan.naming.alarm(check.name),
        AlarmDescription=f"pipegen {stack.plan.naming.prefix}: {check.description}",
        ComparisonOperator=check.comparison,
        EvaluationPeriods=check.periods,
        DatapointsToAlarm=check.periods,
        TreatMissingData=check.missing,
        AlarmActions=[Ref(TOPIC)],
        OKActions=[Ref(TOPIC)],
        Tags=stack.tags(),
    )
    if check.math:
        alarm.Metrics = [_data_query(q) for q in check.math]
    else:
        alarm.Namespace = check.metric.namespace
        alarm.MetricName = check.metric.name
        alarm.Dimensions = _dimensions(check.metric.cloudwatch_dimensions())
        alarm.Statistic = check.statistic
        alarm.Period = check.period
    if check.threshold_metric:
        alarm.ThresholdMetricId = check.threshold_metric
    else:
        alarm.Threshold = check.threshold
    return alarm


def _dimensions(dimensions: list[dict]) -> list[cloudwatch.MetricDimension]:
    return [cloudwatch.MetricDimension(**d) for d in dimensions]


def _data_query(query: dict[str, Any]) -> cloudwatch.MetricDataQuery:
    stat = query.get("MetricStat")
    if stat is None:
        return cloudwatch.MetricDataQuery(**query)
    metric = stat["Metric"]
    return cloudwatch.MetricDataQuery(
        Id=query["Id"],
        ReturnData=query["ReturnData"],
        MetricStat=cloudwatch.MetricStat(
            Metric=cloudwatch.Metric(
                Namespace=metric["Namespace"],
                MetricName=metric["MetricName"],
                Dimensions=_dimensions(metric["Dimensions"]),
            ),
            Period=stat["Period"],
            Stat=stat["Stat"],
        ),
    )
