"""Stage `check`: semantic checks on the Plan, one module per concern, each with its codes."""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..plan import PipelinePlan
from . import (
    aws_limits,
    column_flow,
    cycles,
    expressions,
    references,
    schedule,
    semantics,
    unique_names,
)

CHECKS = (
    references.check,  # PG301
    cycles.check,  # PG302
    unique_names.check,  # PG303
    column_flow.check,  # PG304
    expressions.check,  # PG306-PG307
    semantics.check,  # PG402-PG417, PG421-PG422
    schedule.check,  # PG418-PG420
    aws_limits.check,  # PG501-PG502
)


def check(plan: PipelinePlan) -> list[Diagnostic]:
    """Every finding of every check, sorted."""
    return sorted({d for run in CHECKS for d in run(plan)})
