"""PG303: sources and transforms share one namespace (tables in one catalog database)."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..plan import PipelinePlan


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    sources = {s.name for s in plan.sources}
    for t in plan.transforms:
        if t.name in sources:
            yield Diagnostic(
                t.span,
                "PG303",
                f"transform '{t.name}': the name is already used "
                "by a source. Sources and transforms become tables of one catalog "
                "database, so their names must differ",
            )
