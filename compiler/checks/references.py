"""PG301: every reference names a dataset that exists (with a 'did you mean')."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, did_you_mean
from ..plan import PipelinePlan
from ..spec.transforms import JoinStep, SqlStep


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    smap = plan.source_map
    names = set(plan.tables)
    for t in plan.transforms:
        base = ("transforms", t.name)
        if t.spec.from_ not in names:
            yield _unknown(
                smap.at((*base, "from")), f"transform '{t.name}'", "input", t.spec.from_, names
            )
        for i, step in enumerate(t.spec.steps):
            if isinstance(step, JoinStep) and step.join.with_ not in names:
                yield _unknown(
                    smap.at((*base, "steps", i, "join", "with")),
                    f"transform '{t.name}'",
                    "join input",
                    step.join.with_,
                    names,
                )
            if isinstance(step, SqlStep):
                for j, name in enumerate(step.sql.inputs):
                    if name not in names:
                        yield _unknown(
                            smap.at((*base, "steps", i, "sql", "inputs", j)),
                            f"transform '{t.name}'",
                            "SQL input",
                            name,
                            names,
                        )
    yield from _quality_references(plan, names)


def _quality_references(plan: PipelinePlan, names: set[str]) -> Iterator[Diagnostic]:
    smap = plan.source_map
    curated = {t.name for t in plan.transforms}
    for table, rules in sorted(plan.quality.tables.items()):
        if table not in curated:
            extra = (
                " It is a source; rules apply to curated tables (transforms)."
                if table in names
                else ""
            )
            yield Diagnostic(
                smap.key_at(("quality", "tables", table)),
                "PG301",
                f"quality: table '{table}' is not a transform.{extra}"
                f"{did_you_mean(table, curated)}",
            )
        for i, rule in enumerate(rules):
            kind, args = next(iter(rule.__dict__.items()))
            other = getattr(args, "table", None)
            if other is not None and other not in names:
                yield _unknown(
                    smap.at(("quality", "tables", table, i, kind, "table")),
                    f"quality rule {kind} on '{table}'",
                    "table",
                    other,
                    names,
                )


def _unknown(span, entity: str, what: str, name: str, names: set[str]) -> Diagnostic:
    return Diagnostic(
        span,
        "PG301",
        f"{entity}: {what} '{name}' is not defined. Expected a "
        f"source or transform.{did_you_mean(name, names)}",
    )
