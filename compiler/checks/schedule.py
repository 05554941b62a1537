"""PG418-PG420: the schedule is a cron() EventBridge and Glue accept, that fires, and that
gets its missed-run alarm (or says plainly why not).

Field values are checked by aws-cron-expression-validator (AWS's rules: ranges, names, `?` in
exactly one day field, L/W/#, years 1970-2199); whether the schedule ever fires is pipegen's
own evaluation (cron.py), which also derives the missed-run alarm's window.
"""

from __future__ import annotations

from collections.abc import Iterator

from aws_cron_expression_validator.validator import AWSCronExpressionValidator

from ..cron import never_fires
from ..diagnostics import Diagnostic
from ..plan import PipelinePlan


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    cron = plan.schedule
    if not cron:
        return
    span = plan.source_map.at(("schedule",))
    fields = cron.removeprefix("cron(").removesuffix(")")
    try:
        AWSCronExpressionValidator.validate(fields)
    except ValueError as exc:
        yield Diagnostic(span, "PG418", f"schedule {cron}: {_sentence(exc)}")
        return
    if never_fires(cron):
        yield Diagnostic(
            span, "PG419", f"schedule {cron}: the day and month fields never meet, so it never runs"
        )
    elif plan.missed_run_hours is None:
        yield Diagnostic(
            span,
            "PG420",
            f"schedule {cron}: no missed-run alarm, since the longest gap between runs cannot "
            "be derived (L, W or #) or is over the 7 days CloudWatch looks back; set "
            "alerts.missed_run_hours to have one",
            severity="warning",
        )


def _sentence(exc: ValueError) -> str:
    # The library runs two sentences together: "...'*'.One must be ...".
    text = str(exc).replace(".One", ". One")
    return text[:1].lower() + text[1:]
