"""PG402-PG417, PG421-PG423: settings that are each valid alone but make no sense together, or
that AWS, Spark or the landing check would refuse later."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..naming import own_tags
from ..plan import PipelinePlan
from ..regex_safety import catastrophic_part
from ..spec.document import FLEX_WORKER_TYPES
from ..spec.network import CALLED_SERVICES
from ..spec.sources import CSV_FORMATS, CSV_ONLY_OPTIONS, TEXT_ONLY_OPTIONS

_TEXT_FORMATS = ("csv", "json", "jsonl", "auto")
# Regions whose CloudFormation has no AWS::Budgets::Budget or AWS::CE::Anomaly* (cfn-lint's
# region schemas, 2026-11): a budget there cannot be part of the stack.
NO_BUDGET_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-northeast-3",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
    }
)
RESERVED_TAG_PREFIXES = ("aws:", "pipegen:")
# AWS allows 50 tags per resource, pipegen's own included.
MAX_TAGS = 50
PIPEGEN_TAGS = len(own_tags("p", "e", "f"))


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    yield from _read_options(plan)
    yield from _name_patterns(plan)
    yield from _overlapping_landings(plan)
    yield from _hidden_landings(plan)
    yield from _tags(plan)
    yield from _thresholds(plan)
    yield from _budget(plan)
    yield from _network(plan)
    yield from _flex_workers(plan)
    yield from _storage_transitions(plan)


def _read_options(plan: PipelinePlan) -> Iterator[Diagnostic]:
    for s in plan.sources:
        fmt = s.spec.format
        for option, value in s.spec.read:
            if value is None:
                continue
            wrong = (option in CSV_ONLY_OPTIONS and fmt not in CSV_FORMATS) or (
                option in TEXT_ONLY_OPTIONS and fmt not in _TEXT_FORMATS
            )
            if wrong:
                path = ("sources", s.name, "read", option)
                yield Diagnostic(
                    plan.source_map.key_at(path),
                    "PG402",
                    f"source '{s.name}': read option '{option}' does not apply to format '{fmt}'",
                )


def _name_patterns(plan: PipelinePlan) -> Iterator[Diagnostic]:
    for s in plan.sources:
        pattern = s.spec.accept.name_pattern
        if pattern is None:
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            path = ("sources", s.name, "accept", "name_pattern")
            yield Diagnostic(
                plan.source_map.at(path),
                "PG403",
                f"source '{s.name}': name_pattern is not a valid regular expression: {exc}",
            )
            continue
        part = catastrophic_part(pattern)
        if part is not None:
            yield Diagnostic(
                plan.source_map.at(("sources", s.name, "accept", "name_pattern")),
                "PG417",
                f"source '{s.name}': name_pattern repeats '{part}', which itself repeats, so "
                "matching one file name can take minutes (the landing function has seconds); "
                "repeat a group once, e.g. '([a-z_]+)' for '([a-z]+_?)+'",
            )


def _overlapping_landings(plan: PipelinePlan) -> Iterator[Diagnostic]:
    seen: list[tuple[str, str]] = []
    for s in plan.sources:
        for other, prefix in seen:
            if s.spec.landing.startswith(prefix) or prefix.startswith(s.spec.landing):
                yield Diagnostic(
                    plan.source_map.at(("sources", s.name, "landing")),
                    "PG404",
                    f"source '{s.name}': landing '{s.spec.landing}' overlaps source "
                    f"'{other}' ('{prefix}'); an arriving file must belong to one "
                    "source",
                )
        seen.append((s.name, s.spec.landing))


def _hidden_landings(plan: PipelinePlan) -> Iterator[Diagnostic]:
    """Spark skips paths whose segment starts with `_` or `.`; `_rejected/` is the landing
    check's own, so a source landing there would reject its own moves in a loop."""
    for s in plan.sources:
        hidden = [seg for seg in s.spec.landing.split("/") if seg.startswith(("_", "."))]
        if hidden:
            yield Diagnostic(
                plan.source_map.at(("sources", s.name, "landing")),
                "PG415",
                f"source '{s.name}': landing segment '{hidden[0]}/' starts with '_' or '.': "
                "Spark treats such folders as hidden and the landing check moves rejected "
                "files to '_rejected/'; use a name starting with a letter or digit",
            )


def _tags(plan: PipelinePlan) -> Iterator[Diagnostic]:
    seen: dict[str, str] = {}
    for key, _ in plan.tags:
        if key.lower().startswith(RESERVED_TAG_PREFIXES):
            yield Diagnostic(
                plan.source_map.key_at(("tags", key)),
                "PG406",
                f"tags: key '{key}' uses a reserved prefix ({', '.join(RESERVED_TAG_PREFIXES)})",
            )
        first = seen.setdefault(key.lower(), key)
        if first != key:
            yield Diagnostic(
                plan.source_map.key_at(("tags", key)),
                "PG416",
                f"tags: keys '{first}' and '{key}' differ only in case; IAM refuses that on "
                "the stack's roles, which carry every tag",
            )
    if len(plan.tags) + PIPEGEN_TAGS > MAX_TAGS:
        yield Diagnostic(
            plan.source_map.key_at(("tags",)),
            "PG416",
            f"tags: {len(plan.tags)} tags plus pipegen's {PIPEGEN_TAGS} make "
            f"{len(plan.tags) + PIPEGEN_TAGS} per resource; AWS allows {MAX_TAGS}, so at most "
            f"{MAX_TAGS - PIPEGEN_TAGS} here",
        )


def _thresholds(plan: PipelinePlan) -> Iterator[Diagnostic]:
    smap = plan.source_map
    score = plan.quality.score
    if score.warn_below < score.fail_below:
        yield Diagnostic(
            smap.at(("quality", "score")),
            "PG407",
            "quality.score: warn_below "
            f"({score.warn_below:g}) is below fail_below ({score.fail_below:g}); a "
            "warning must come before a failure",
        )
    for table, rules in sorted(plan.quality.tables.items()):
        for i, rule in enumerate(rules):
            kind, args = next(iter(rule.__dict__.items()))
            path = ("quality", "tables", table, i, kind)
            low, high = getattr(args, "min", None), getattr(args, "max", None)
            if low is not None and high is not None and low > high:
                yield Diagnostic(
                    smap.at(path),
                    "PG408",
                    f"quality rule {kind} on '{table}': min "
                    f"({low:g}) is greater than max ({high:g})",
                )
            warn, floor = getattr(args, "warn_pct", None), getattr(args, "min_pct", None)
            if warn is not None and floor is not None and warn < floor:
                yield Diagnostic(
                    smap.at(path),
                    "PG409",
                    f"quality rule {kind} on '{table}': "
                    f"warn_pct ({warn:g}) is below min_pct ({floor:g})",
                )


def _budget(plan: PipelinePlan) -> Iterator[Diagnostic]:
    if plan.budget is None:
        return
    smap = plan.source_map
    if plan.region in NO_BUDGET_REGIONS:
        yield Diagnostic(
            smap.at(("budget",)),
            "PG410",
            f"budget in environment '{plan.env}': CloudFormation in {plan.region} cannot create "
            "AWS Budgets or cost anomaly monitors. Leave `budget` out for this environment "
            "(an environment override of `budget: null`) and create the budget elsewhere",
        )
    expected = plan.budget.expected
    for job in plan.jobs:
        minutes = expected.minutes_for(job.kind)
        if minutes > job.settings.timeout_minutes:
            path = ("budget", "expected", "job_minutes")
            if not isinstance(expected.job_minutes, float | int):
                path += (job.kind,)
            yield Diagnostic(
                smap.at(path),
                "PG411",
                f"budget.expected.job_minutes ({minutes:g}) is over the {job.kind} job's "
                f"timeout ({job.settings.timeout_minutes} minutes); no run can take that long",
            )


def _network(plan: PipelinePlan) -> Iterator[Diagnostic]:
    import ipaddress

    network, smap = plan.network, plan.source_map
    if network.nat_gateways and not network.vpc:
        yield Diagnostic(
            smap.at(("network", "nat_gateways")),
            "PG412",
            "network.nat_gateways needs `vpc: true`; without a VPC there is nothing to route",
        )
    if network.nat_gateways > network.availability_zones:
        yield Diagnostic(
            smap.at(("network", "nat_gateways")),
            "PG413",
            f"network.nat_gateways ({network.nat_gateways}) is more than the availability "
            f"zones ({network.availability_zones}); one NAT gateway per zone is the most useful",
        )
    missing = [s for s in CALLED_SERVICES if s not in network.endpoints]
    if network.vpc and missing and not network.nat_gateways:
        yield Diagnostic(
            smap.at(("network", "endpoints")),
            "PG422",
            f"network.endpoints leaves out {', '.join(missing)}, which the jobs or the landing "
            "function call; with no NAT gateway the calls would fail. Keep them, or add "
            "`nat_gateways`",
        )
    try:
        ipaddress.ip_network(network.cidr)
    except ValueError:
        yield Diagnostic(
            smap.at(("network", "cidr")),
            "PG414",
            f"network.cidr {network.cidr} has host bits set; use the network address "
            f"({ipaddress.ip_network(network.cidr, strict=False)})",
        )


def _storage_transitions(plan: PipelinePlan) -> Iterator[Diagnostic]:
    """S3 refuses a lifecycle whose objects would expire on or before the day they move."""
    retention = plan.retention
    for zone, move_key, expire_key in (
        ("raw", "raw_archive_days", "raw_days"),
        ("processed", "tiering_days", "processed_days"),
        ("curated", "tiering_days", "curated_days"),
    ):
        move, expire = getattr(retention, move_key), getattr(retention, expire_key)
        if move is not None and expire is not None and move >= expire:
            yield Diagnostic(
                plan.source_map.at(("retention", move_key)),
                "PG423",
                f"retention.{move_key} ({move}) is not before retention.{expire_key} ({expire}): "
                f"S3 refuses a lifecycle that moves {zone} objects on or after the day they "
                f"expire. Lower {move_key}, or set it to null to keep them in S3 Standard",
            )


def _flex_workers(plan: PipelinePlan) -> Iterator[Diagnostic]:
    """Glue refuses a flex job on any worker type but G.1X and G.2X."""
    for job in plan.jobs:
        settings = job.settings
        if settings.execution_class == "flex" and settings.worker_type not in FLEX_WORKER_TYPES:
            yield Diagnostic(
                job.span,
                "PG421",
                f"environment '{plan.env}': the {job.kind} job runs on {settings.worker_type} "
                f"workers, and Glue's flex class offers only {' and '.join(FLEX_WORKER_TYPES)}. "
                "Set `execution_class: standard` for it, or a G.1X or G.2X worker type",
            )
