"""PG501-PG502: every derived physical name fits its AWS limits and naming rules."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..plan import PipelinePlan

# (min length, max length) per kind of name; Glue counts bytes, names here are ASCII.
LIMITS = {
    "s3_bucket": (3, 63),
    "iam_role": (1, 64),
    "glue_job": (1, 255),
    "glue_crawler": (1, 255),
    "glue_workflow": (1, 255),
    "glue_trigger": (1, 255),
    "glue_name": (1, 255),
    "glue_database": (1, 255),
    "dynamodb_table": (3, 255),
    "kms_alias": (1, 256),
    "sns_topic": (1, 256),
    "lambda_function": (1, 64),
    "sqs_queue": (1, 80),
    "log_group": (1, 512),
    "dashboard": (1, 255),
    "event_rule": (1, 64),
}

_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_IP_FORM = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    span = plan.source_map.at(("pipeline",))
    names = plan.naming.all_physical(tuple(sorted(plan.alerts.notices)))
    if plan.network.vpc:
        names += plan.naming.network_physical(plan.network.availability_zones)
    for kind, name in names:
        low, high = LIMITS[kind]
        if not low <= len(name.encode()) <= high:
            yield Diagnostic(
                span,
                "PG501",
                f"pipeline '{plan.name}' in environment "
                f"'{plan.env}': {kind.replace('_', ' ')} name '{name}' is "
                f"{len(name)} characters; AWS allows {low}-{high}. Use a shorter "
                "pipeline or environment name",
            )
        if kind == "s3_bucket":
            for problem in bucket_name_problems(name):
                yield Diagnostic(
                    span, "PG502", f"pipeline '{plan.name}': bucket name '{name}' {problem}"
                )


def bucket_name_problems(name: str) -> list[str]:
    """The S3 naming rules beyond length, as readable reasons."""
    problems = []
    if not _BUCKET_CHARS.match(name):
        problems.append(
            "may contain only a-z, 0-9, '.' and '-' and must start and end with a letter or digit"
        )
    if ".." in name:
        problems.append("must not contain '..'")
    if _IP_FORM.match(name):
        problems.append("must not look like an IP address")
    problems += [
        f"must not start with '{p}'" for p in _BUCKET_RESERVED_PREFIXES if name.startswith(p)
    ]
    problems += [f"must not end with '{s}'" for s in _BUCKET_RESERVED_SUFFIXES if name.endswith(s)]
    return problems
