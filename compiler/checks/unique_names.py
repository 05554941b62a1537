"""PG303, PG305: names that must stay apart in the catalog and in the stack's logical IDs."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen_runtime.raw_catalog import table_name

from ..diagnostics import Diagnostic
from ..logical_ids import logical_id
from ..plan import PipelinePlan


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    yield from _transforms_named_like_sources(plan)
    yield from _named_like_raw_tables(plan)
    yield from _same_logical_id(plan)


def _transforms_named_like_sources(plan: PipelinePlan) -> Iterator[Diagnostic]:
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


def _named_like_raw_tables(plan: PipelinePlan) -> Iterator[Diagnostic]:
    """Each source also has a table of its raw files, `raw_<source>`, in the same database."""
    raw_tables = {table_name(s.name): s.name for s in plan.sources}
    for item in [*plan.sources, *plan.transforms]:
        if item.name in raw_tables:
            yield Diagnostic(
                item.span,
                "PG303",
                f"'{item.name}': the name is taken: the catalog lists the raw files of "
                f"source '{raw_tables[item.name]}' as table '{item.name}', beside the "
                "sources and transforms; rename it",
            )


def _same_logical_id(plan: PipelinePlan) -> Iterator[Diagnostic]:
    """`_orders` and `orders` are two tables but would be one `Orders...` resource."""
    named = sorted([*plan.sources, *plan.transforms], key=lambda item: item.span)
    first_by_id: dict[str, str] = {}
    for item in named:
        key = logical_id(item.name)
        first = first_by_id.setdefault(key, item.name)
        if first != item.name:
            yield Diagnostic(
                item.span,
                "PG305",
                f"'{item.name}' and '{first}' differ only in underscores, so their stack "
                f"resources would share the logical ID prefix '{key}'; rename one",
            )
