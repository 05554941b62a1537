"""PG302: transforms must not depend on themselves, directly or through others."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..plan import PipelinePlan
from ..resolve import find_cycle


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    edges = {
        t.name: [i for i in t.inputs if i in {x.name for x in plan.transforms}]
        for t in plan.transforms
    }
    cycle = find_cycle(edges)
    if cycle:
        span = plan.source_map.key_at(("transforms", cycle[0]))
        yield Diagnostic(
            span,
            "PG302",
            f"transform '{cycle[0]}': dependency cycle "
            f"{' -> '.join(cycle)}. Transforms must form a graph without cycles",
        )
