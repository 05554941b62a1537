"""What the stack watches: every metric an alarm or a dashboard widget reads, in one place.

Dimensions come from the same symbols as the resources they name (a Ref to the job, function
or rule; GetAtt for the queue name), and custom metrics take the runtime's own names and the
dimensions the runtime publishes (`pipegen_runtime.metrics.PUBLISHED`), so nothing here can
watch a job or metric that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from troposphere import GetAtt, Ref

from pipegen_runtime.metrics import NAMESPACE, PUBLISHED

from ..logical_ids import FAILURE_QUEUE, LANDING_FUNCTION, job_id, rule_id
from .common import Stack

GLUE_ELAPSED = "glue.driver.aggregate.elapsedTime"
GLUE_WORKER_UTILIZATION = "glue.driver.workerUtilization"


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, Any], ...]

    def cloudwatch_dimensions(self) -> list[dict]:
        return [{"Name": k, "Value": v} for k, v in self.dimensions]


def glue_job(kind: str, name: str = GLUE_ELAPSED) -> Metric:
    """A Glue job metric across all runs: Glue publishes these with JobRunId=ALL."""
    return Metric(
        "Glue", name, (("JobName", Ref(job_id(kind))), ("JobRunId", "ALL"), ("Type", "count"))
    )


def worker_utilization(kind: str) -> Metric:
    """Share of a job's allocated workers in use (a Glue observability metric: the job runs
    with `--enable-observability-metrics`)."""
    return Metric(
        "Glue",
        GLUE_WORKER_UTILIZATION,
        (
            ("JobName", Ref(job_id(kind))),
            ("JobRunId", "ALL"),
            ("Type", "gauge"),
            ("ObservabilityGroup", "resource_utilization"),
        ),
    )


def rule_triggered(rule: str) -> Metric:
    return Metric("AWS/Events", "TriggeredRules", (("RuleName", Ref(rule_id(rule))),))


def function(name: str) -> Metric:
    return Metric("AWS/Lambda", name, (("FunctionName", Ref(LANDING_FUNCTION)),))


def failure_queue_depth() -> Metric:
    return Metric(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        (("QueueName", GetAtt(FAILURE_QUEUE, "QueueName")),),
    )


def custom(stack: Stack, name: str, dataset: str | None = None) -> Metric:
    """A metric the runtime publishes, with exactly the dimensions it publishes it with."""
    job, dataset_dimension = PUBLISHED[name]
    dimensions = [
        ("Pipeline", stack.plan.name),
        ("Environment", stack.plan.env),
        ("Job", job),
    ]
    if dataset_dimension:
        dimensions.append((dataset_dimension, dataset))
    return Metric(NAMESPACE, name, tuple(dimensions))


def estimated_charges() -> Metric:
    """The account's month-to-date bill: AWS publishes it in us-east-1 only, once billing
    alerts are on."""
    return Metric("AWS/Billing", "EstimatedCharges", (("Currency", "USD"),))
