"""`pipegen cost`: what a pipeline's stack costs a month, by service and line item, before deploy.

Two steps. `usage_for` reads a month's consumption off the plan and the compiled template
(counts of alarms, dashboards, keys, crawlers, metrics; runs from the schedule and the expected
arrivals). `estimate` prices a `Usage` with the versioned table in `compiler/prices/`. Every
figure that is assumed rather than read is listed with the estimate, so a reader can tell a
measured count from a guess.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pipegen_runtime.metrics import PUBLISHED

from .cron import runs_per_month
from .naming import JOBS
from .plan import PipelinePlan
from .run_evidence import Measured
from .spec.budget import DEFAULT_JOB_MINUTES
from .storage_classes import CLASS_NAMES, DAYS_PER_MONTH, Moved, Stored, moved, stored

PRICE_TABLE = "aws-us-east-1.json"
# Usage figures no spec states; named in every estimate that uses them.
LOG_GB_PER_JOB_MINUTE = 0.002  # a job's log grows with its run time
PARQUET_SHARE_OF_RAW = 0.25  # Snappy Parquet against the raw text it came from
S3_PUTS_PER_RUN = 300
S3_GETS_PER_RUN = 1500
STATE_WRITES_PER_RUN = 50
STATE_READS_PER_RUN = 200
LANDING_SECONDS = 1.0
STORAGE_MONTHS_WITHOUT_EXPIRY = 12


@dataclass(frozen=True)
class JobUsage:
    name: str
    worker_type: str
    workers: int
    minutes: float
    runs: float
    execution_class: str = "standard"


@dataclass(frozen=True)
class Usage:
    """One month of a pipeline's consumption."""

    region: str
    jobs: tuple[JobUsage, ...] = ()
    crawls: float = 0.0
    catalog_objects: int = 0
    nat_gateways: int = 0
    availability_zones: int = 0
    # The AWS service of each interface endpoint (each billed per zone and hour).
    interface_endpoints: tuple[str, ...] = ()
    nat_gb: float = 0.0
    kms_keys: int = 0
    alarm_metrics: float = 0.0
    dashboards: int = 0
    custom_metrics: int = 0
    # Hours in the month in which each custom metric receives data (CloudWatch prorates).
    custom_metric_hours: float = 730.0
    metric_puts: float = 0.0
    log_gb: float = 0.0
    log_retention_days: int = 30
    lambda_invocations: float = 0.0
    lambda_memory_mb: int = 256
    notifications: float = 0.0
    email_subscribers: int = 0
    queue_requests: float = 0.0
    state_writes: float = 0.0
    state_reads: float = 0.0
    s3_stored: tuple[Stored, ...] = ()
    s3_moved: tuple[Moved, ...] = ()
    s3_puts: float = 0.0
    s3_gets: float = 0.0
    custom_events: float = 0.0
    # Opt-in notices: one event a run per kind, one email per kind's address.
    notice_events: float = 0.0
    notice_emails: float = 0.0
    gb_processed: float = 0.0
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineItem:
    service: str
    item: str
    quantity: float
    unit: str
    unit_usd: float
    detail: str = ""

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_usd


@dataclass(frozen=True)
class Estimate:
    items: tuple[LineItem, ...]
    prices: dict[str, Any]
    assumptions: tuple[str, ...]
    gb_processed: float
    region: str

    @property
    def total(self) -> float:
        return sum(i.monthly_usd for i in self.items)

    @property
    def per_gb(self) -> float | None:
        return self.total / self.gb_processed if self.gb_processed else None

    def by_service(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for item in self.items:
            totals[item.service] = totals.get(item.service, 0.0) + item.monthly_usd
        return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))

    def biggest(self, count: int = 3) -> list[LineItem]:
        return sorted(self.items, key=lambda i: (-i.monthly_usd, i.service, i.item))[:count]


def load_prices() -> dict[str, Any]:
    text = resources.files("pipegen_compiler").joinpath("prices", PRICE_TABLE).read_text()
    return json.loads(text)


def estimate(usage: Usage, prices: dict[str, Any] | None = None) -> Estimate:
    prices = prices or load_prices()
    items = [
        *_glue(usage, prices),
        *_network(usage, prices),
        *_storage(usage, prices),
        *_monitoring(usage, prices),
        *_messaging(usage, prices),
    ]
    assumptions = list(usage.assumptions)
    if usage.crawls:
        dpus = prices["glue"]["crawler_dpus_assumed"]
        assumptions.append(f"each crawl bills Glue's 10-minute minimum at {dpus} DPUs")
    if usage.region != prices["region"]:
        assumptions.append(
            f"prices are {prices['region']}'s (the table has no {usage.region}); "
            "most regions cost the same or a little more"
        )
    return Estimate(
        tuple(i for i in items if i.quantity > 0),
        prices,
        tuple(assumptions),
        usage.gb_processed,
        usage.region,
    )


def _glue(usage: Usage, prices: dict) -> list[LineItem]:
    glue = prices["glue"]
    items = []
    for job in usage.jobs:
        billed = max(job.minutes, glue["job_minimum_minutes"]) / 60
        dpus = glue["worker_dpus"][job.worker_type] * job.workers
        items.append(
            LineItem(
                "Glue",
                f"{job.name} job",
                dpus * billed * job.runs,
                "DPU-hours",
                _dpu_rate(job, glue),
                f"{job.workers} x {job.worker_type} {job.execution_class}, "
                f"{job.minutes:.3g} min a run, {job.runs:.1f} runs",
            )
        )
    crawl_hours = max(glue["crawler_minimum_minutes"], 0) / 60 * glue["crawler_dpus_assumed"]
    items.append(
        LineItem("Glue", "crawler runs", usage.crawls * crawl_hours, "DPU-hours", glue["dpu_hour"])
    )
    billable_objects = max(0, usage.catalog_objects - glue["catalog_free_objects"])
    items.append(
        LineItem(
            "Glue",
            "Data Catalog objects over 1 million",
            billable_objects / 100_000,
            "100k objects",
            glue["catalog_per_100k_objects"],
        )
    )
    return items


def _dpu_rate(job: JobUsage, glue: dict) -> float:
    if job.worker_type.startswith("R"):
        return glue["memory_optimized_dpu_hour"]
    return glue["flex_dpu_hour"] if job.execution_class == "flex" else glue["dpu_hour"]


def _network(usage: Usage, prices: dict) -> list[LineItem]:
    vpc, hours = prices["vpc"], prices["hours_per_month"]
    endpoints = [
        LineItem(
            "VPC",
            f"interface endpoint {service}",
            usage.availability_zones * hours,
            "endpoint-AZ-hours",
            vpc["interface_endpoint_hour_per_az"],
            f"{usage.availability_zones} AZs",
        )
        for service in usage.interface_endpoints
    ]
    return [
        *endpoints,
        LineItem(
            "VPC",
            "NAT gateways",
            usage.nat_gateways * hours,
            "gateway-hours",
            vpc["nat_gateway_hour"],
        ),
        LineItem(
            "VPC",
            "NAT gateway data",
            usage.nat_gb if usage.nat_gateways else 0,
            "GB",
            vpc["nat_gateway_gb"],
        ),
    ]


def _lifecycle(moves: tuple[Moved, ...], s3: dict) -> list[LineItem]:
    items = []
    for move in moves:
        items.append(
            LineItem(
                "S3",
                f"{move.zone} moves to {CLASS_NAMES[move.storage_class]}",
                move.objects / 1000,
                "1k objects",
                s3["transition_per_1000"][move.storage_class],
            )
        )
        if move.storage_class == "INTELLIGENT_TIERING":
            items.append(
                LineItem(
                    "S3",
                    f"{move.zone} Intelligent-Tiering monitoring",
                    move.objects_held / 1000,
                    "1k objects",
                    s3["intelligent_tiering_monitoring_per_1000"],
                )
            )
    return items


def _storage(usage: Usage, prices: dict) -> list[LineItem]:
    s3, ddb, kms = prices["s3"], prices["dynamodb"], prices["kms"]
    items = [
        LineItem(
            "S3",
            f"{s.zone} storage, {CLASS_NAMES[s.storage_class]}",
            s.gb_months,
            "GB-months",
            s3["gb_month"][s.storage_class],
        )
        for s in usage.s3_stored
    ]
    items += _lifecycle(usage.s3_moved, s3)
    items += [
        LineItem(
            "S3", "PUT/COPY/LIST requests", usage.s3_puts / 1000, "1k requests", s3["put_per_1000"]
        ),
        LineItem("S3", "GET requests", usage.s3_gets / 1000, "1k requests", s3["get_per_1000"]),
        LineItem(
            "DynamoDB",
            "state writes (on demand)",
            usage.state_writes / 1e6,
            "million writes",
            ddb["write_per_million"],
        ),
        LineItem(
            "DynamoDB",
            "state reads (on demand)",
            usage.state_reads / 1e6,
            "million reads",
            ddb["read_per_million"],
        ),
        LineItem("KMS", "customer managed keys", usage.kms_keys, "keys", kms["key_month"]),
    ]
    return items


def _monitoring(usage: Usage, prices: dict) -> list[LineItem]:
    cw, hours = prices["cloudwatch"], prices["hours_per_month"]
    share = min(usage.custom_metric_hours, hours) / hours
    return [
        LineItem(
            "CloudWatch",
            "alarm metrics",
            usage.alarm_metrics,
            "alarm-metrics",
            cw["alarm_metric_month"],
        ),
        LineItem("CloudWatch", "dashboards", usage.dashboards, "dashboards", cw["dashboard_month"]),
        LineItem(
            "CloudWatch",
            "custom metrics",
            usage.custom_metrics * share,
            "metric-months",
            cw["custom_metric_month"],
        ),
        LineItem(
            "CloudWatch",
            "PutMetricData requests",
            usage.metric_puts / 1000,
            "1k requests",
            cw["put_metric_data_per_1000"],
        ),
        LineItem("CloudWatch", "logs ingested", usage.log_gb, "GB", cw["logs_ingest_gb"]),
        LineItem(
            "CloudWatch",
            "logs stored",
            usage.log_gb * usage.log_retention_days / 30,
            "GB-months",
            cw["logs_storage_gb_month"],
            f"{usage.log_retention_days} days retention",
        ),
    ]


def _messaging(usage: Usage, prices: dict) -> list[LineItem]:
    lam = prices["lambda"]
    gb_seconds = usage.lambda_invocations * usage.lambda_memory_mb / 1024 * LANDING_SECONDS
    return [
        LineItem(
            "Lambda",
            "landing function requests",
            usage.lambda_invocations / 1e6,
            "million requests",
            lam["request_per_million"],
        ),
        LineItem("Lambda", "landing function compute", gb_seconds, "GB-seconds", lam["gb_second"]),
        LineItem(
            "SNS",
            "alert publishes",
            usage.notifications / 1e6,
            "million publishes",
            prices["sns"]["publish_per_million"],
        ),
        LineItem(
            "SNS",
            "alert emails",
            usage.notifications * usage.email_subscribers / 100_000,
            "100k emails",
            prices["sns"]["email_per_100k"],
        ),
        LineItem(
            "SNS",
            "notice publishes",
            usage.notice_events / 1e6,
            "million publishes",
            prices["sns"]["publish_per_million"],
        ),
        LineItem(
            "SNS",
            "notice emails",
            usage.notice_emails / 100_000,
            "100k emails",
            prices["sns"]["email_per_100k"],
        ),
        LineItem(
            "SQS",
            "failure queue requests",
            usage.queue_requests / 1e6,
            "million requests",
            prices["sqs"]["request_per_million"],
        ),
        LineItem(
            "EventBridge",
            "quality result events",
            usage.custom_events / 1e6,
            "million events",
            prices["eventbridge"]["custom_event_per_million"],
        ),
        LineItem(
            "EventBridge",
            "notice events",
            usage.notice_events / 1e6,
            "million events",
            prices["eventbridge"]["custom_event_per_million"],
        ),
    ]


def usage_for(
    plan: PipelinePlan,
    template: dict[str, Any],
    hours_per_month: int = 730,
    measured: dict[str, Measured] | None = None,
) -> Usage:
    """A month of this pipeline: counts from its template, the rest from its spec, and each
    job's run time from `measured` runs (run_evidence.py) where they compare."""
    expected = plan.budget.expected if plan.budget else None
    assumptions: list[str] = []
    runs = _runs(plan, expected, assumptions)
    gb_per_run = expected.gb_per_run if expected else 1.0
    if expected is None:
        assumptions.append("no `budget.expected`: 10 minutes a job run and 1 GB a run assumed")
    resources_by_type = _by_type(template)
    jobs = tuple(
        _job_usage(plan, kind, runs, gb_per_run, (measured or {}).get(kind), assumptions)
        for kind in JOBS
    )
    minutes = sum(j.minutes for j in jobs) / len(jobs)
    custom = len(plan.sources) * sum(
        1 for j, _ in PUBLISHED.values() if j in ("ingestion", "landing")
    )
    custom += len(plan.quality.tables) * sum(1 for j, _ in PUBLISHED.values() if j == "quality")
    custom += len(JOBS)  # DurationSeconds per job
    run_hours = math.ceil(3 * minutes / 60)
    if resources_by_type.get("AWS::EC2::NatGateway"):
        assumptions.append(
            "NAT gateway data is not estimated: S3 and DynamoDB traffic takes the gateway "
            "endpoints, AWS APIs the interface endpoints"
        )
    assumptions += [
        f"{LOG_GB_PER_JOB_MINUTE * 1000:g} MB of logs a job minute; Parquet zones hold "
        f"{PARQUET_SHARE_OF_RAW:.0%} of the raw volume; {S3_PUTS_PER_RUN} S3 writes and "
        f"{S3_GETS_PER_RUN} reads a run",
    ]
    return Usage(
        region=plan.region,
        jobs=jobs,
        crawls=runs * resources_by_type.get("AWS::Glue::Crawler", 0),
        # A source is two tables (processed, and its raw files as landed); a transform one.
        catalog_objects=2 * len(plan.sources) + len(plan.transforms),
        nat_gateways=resources_by_type.get("AWS::EC2::NatGateway", 0),
        availability_zones=plan.network.availability_zones if plan.network.vpc else 0,
        interface_endpoints=_interface_endpoints(template),
        kms_keys=resources_by_type.get("AWS::KMS::Key", 0),
        alarm_metrics=_alarm_metrics(template),
        dashboards=resources_by_type.get("AWS::CloudWatch::Dashboard", 0),
        custom_metrics=custom,
        custom_metric_hours=min(hours_per_month, runs * max(1, run_hours)),
        metric_puts=runs * len(JOBS) + runs,
        log_gb=runs * sum(j.minutes for j in jobs) * LOG_GB_PER_JOB_MINUTE,
        log_retention_days=plan.retention.logs_days,
        lambda_invocations=runs * 2,
        notifications=runs * 0.1 + _alarm_count(template) * 2,
        email_subscribers=len(plan.alerts.email),
        queue_requests=0.0,
        state_writes=runs * STATE_WRITES_PER_RUN,
        state_reads=runs * STATE_READS_PER_RUN,
        s3_stored=_stored(plan, runs * gb_per_run, assumptions),
        s3_moved=_moved(plan, runs, assumptions),
        # Each run's batches also write a raw-table manifest per source (runtime/raw_catalog.py).
        s3_puts=runs * (S3_PUTS_PER_RUN + len(plan.sources)),
        s3_gets=runs * S3_GETS_PER_RUN,
        custom_events=runs,
        notice_events=runs * len(plan.alerts.notices),
        notice_emails=runs * sum(len(a) for a in plan.alerts.notices.values()),
        gb_processed=runs * gb_per_run,
        assumptions=tuple(assumptions),
    )


def _job_usage(
    plan: PipelinePlan,
    kind: str,
    runs: float,
    gb_per_run: float,
    measured: Measured | None,
    assumptions: list[str],
) -> JobUsage:
    settings = plan.job(kind).settings
    stated = plan.budget.expected.minutes_for(kind) if plan.budget else DEFAULT_JOB_MINUTES
    minutes, source = stated, "budget.expected.job_minutes"
    if measured is not None:
        scaled = measured.scaled_minutes(gb_per_run)
        if scaled is None:
            assumptions.append(
                f"{kind}: measured runs read {measured.gb:.4g} GB, too far from "
                f"{gb_per_run:g} GB a run to scale; {stated:g} min from budget.expected.job_minutes"
            )
        else:
            minutes, source = (
                scaled,
                f"measured ({measured.describe()}, scaled to {gb_per_run:g} GB)",
            )
    scaling = ", auto scaling (billed per worker held; estimated at the ceiling)"
    assumptions.append(
        f"{kind} job: {minutes:.3g} min a run from {source}"
        + (scaling if settings.auto_scaling else "")
    )
    return JobUsage(
        kind, settings.worker_type, settings.workers, minutes, runs, settings.execution_class
    )


def _runs(plan: PipelinePlan, expected: Any, assumptions: list[str]) -> float:
    scheduled = runs_per_month(plan.schedule) if plan.schedule else 0.0
    if scheduled is None:
        scheduled = 30.0
        assumptions.append(f"schedule {plan.schedule} counted as 30 runs a month")
    arrivals = expected.arrivals_per_month if expected else 0
    return scheduled + arrivals


def _keep_days(plan: PipelinePlan) -> dict[str, float]:
    """Days each data zone keeps an object (its expiry, or the sizing horizon without one)."""
    retention = plan.retention
    horizon = STORAGE_MONTHS_WITHOUT_EXPIRY * DAYS_PER_MONTH
    return {
        "raw": retention.raw_days or horizon,
        "processed": retention.processed_days or horizon,
        "curated": retention.curated_days or horizon,
    }


def _stored(plan: PipelinePlan, gb_per_month: float, assumptions: list[str]) -> tuple:
    retention = plan.retention
    found = []
    for zone, keep in _keep_days(plan).items():
        share = 1.0 if zone == "raw" else PARQUET_SHARE_OF_RAW
        found += stored(retention, zone, gb_per_month * share, keep)
    if not all((retention.raw_days, retention.processed_days, retention.curated_days)):
        assumptions.append(
            f"zones kept without expiry are sized after {STORAGE_MONTHS_WITHOUT_EXPIRY} months"
        )
    if retention.tiering_days is not None:
        assumptions.append(
            "Intelligent-Tiering: published files are not read again after their first days "
            "(they reach the infrequent tier 30 days after the move, the archive instant tier "
            "after 90)"
        )
    return tuple(found)


def _moved(plan: PipelinePlan, runs: float, assumptions: list[str]) -> tuple:
    """Lifecycle transitions a month: raw gets a file per source a run; processed and curated
    share the run's writes."""
    objects = {
        "raw": runs * len(plan.sources),
        "processed": runs * S3_PUTS_PER_RUN / 2,
        "curated": runs * S3_PUTS_PER_RUN / 2,
    }
    found = [
        m
        for zone, keep in _keep_days(plan).items()
        if (m := moved(plan.retention, zone, objects[zone], keep)) is not None
    ]
    if any(m.storage_class == "INTELLIGENT_TIERING" for m in found):
        assumptions.append(
            "Intelligent-Tiering monitoring is charged for every object held (at most: objects "
            "under 128 KB are not monitored)"
        )
    return tuple(found)


def _by_type(template: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in template["Resources"].values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    return counts


def _interface_endpoints(template: dict[str, Any]) -> tuple[str, ...]:
    """The service of each interface endpoint in the template (`com.amazonaws.<region>.glue`)."""
    return tuple(
        sorted(
            r["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::EC2::VPCEndpoint"
            and r["Properties"].get("VpcEndpointType") == "Interface"
        )
    )


def _alarm_count(template: dict[str, Any]) -> int:
    return _by_type(template).get("AWS::CloudWatch::Alarm", 0)


def _alarm_metrics(template: dict[str, Any]) -> float:
    """CloudWatch bills an alarm per metric it reads; an anomaly band counts as three."""
    total = 0
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        queries = resource["Properties"].get("Metrics")
        if not queries:
            total += 1
        elif any("ANOMALY_DETECTION_BAND" in q.get("Expression", "") for q in queries):
            total += 3
        else:
            total += sum(1 for q in queries if "MetricStat" in q)
    return total


def as_json(result: Estimate) -> dict[str, Any]:
    """The stable shape scripts read: keys never renamed, money rounded to cents."""
    return {
        "region": result.region,
        "currency": result.prices["currency"],
        "price_table": {
            "version": result.prices["version"],
            "region": result.prices["region"],
            "source": result.prices["source"],
        },
        "monthly_total_usd": round(result.total, 2),
        "per_gb_usd": None if result.per_gb is None else round(result.per_gb, 4),
        "gb_processed_per_month": round(result.gb_processed, 3),
        "by_service_usd": {k: round(v, 2) for k, v in result.by_service().items()},
        "items": [
            {
                "service": i.service,
                "item": i.item,
                "quantity": round(i.quantity, 4),
                "unit": i.unit,
                "unit_usd": i.unit_usd,
                "monthly_usd": round(i.monthly_usd, 2),
                "detail": i.detail,
            }
            for i in result.items
        ],
        "assumptions": list(result.assumptions),
    }


def as_text(result: Estimate, title: str) -> str:
    table = f"prices {result.prices['region']}, table {result.prices['version']}"
    lines = [f"{title}: ${result.total:,.2f} a month ({table})"]
    for service, total in result.by_service().items():
        lines.append(f"  {service:<12}{total:>12,.2f}")
        for item in (i for i in result.items if i.service == service):
            amount = f"{item.quantity:>14,.3f} {item.unit:<18}{item.monthly_usd:>10,.2f}"
            name = f"{item.item} ({item.detail})" if item.detail else item.item
            lines.append(f"      {name:<58}{amount}")
    if result.per_gb is not None:
        lines.append(
            f"  per GB processed: ${result.per_gb:,.2f} ({result.gb_processed:,.1f} GB a month)"
        )
    lines += [f"  assumed: {a}" for a in result.assumptions]
    return "\n".join(lines)


def as_comparison(results: dict[str, Estimate], pipeline: str) -> str:
    """Environments side by side: totals, services and line items, one column each."""
    names = list(results)
    first = results[names[0]]
    width = max(11, *(len(n) + 1 for n in names))
    header = "".join(f"{n:>{width}}" for n in names)
    lines = [
        f"{pipeline}: a month by environment (prices {first.prices['region']}, "
        f"table {first.prices['version']})",
        f"  {'':<56}{header}",
        f"  {'total':<56}" + "".join(f"{r.total:>{width},.2f}" for r in results.values()),
    ]
    services = sorted(
        {s for r in results.values() for s in r.by_service()},
        key=lambda s: (-max(r.by_service().get(s, 0.0) for r in results.values()), s),
    )
    for service in services:
        row = "".join(f"{r.by_service().get(service, 0.0):>{width},.2f}" for r in results.values())
        lines.append(f"  {service:<56}{row}")
        items = dict.fromkeys(
            i.item for r in results.values() for i in r.items if i.service == service
        )
        for item in items:
            amounts = [_item_usd(r, service, item) for r in results.values()]
            lines.append(f"      {item:<52}" + "".join(f"{a:>{width},.2f}" for a in amounts))
    return "\n".join(lines)


def _item_usd(result: Estimate, service: str, item: str) -> float:
    return sum(i.monthly_usd for i in result.items if (i.service, i.item) == (service, item))
