"""PG304: columns named in steps, partitions and rules, and read by their SQL expressions,
exist wherever the schema is known.

Known columns flow from declared source schemas (plus the ingestion metadata columns) through
each step. A source without a schema, a SQL step or a computed expression without an alias
makes the columns unknown from there on, and nothing is checked downstream of that point.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic, did_you_mean
from ..plan import PipelinePlan, TransformPlan
from ..spec import transforms as st
from .expressions import columns_read, located, rule_texts, step_texts

Columns = tuple[str, ...] | None
_ALIAS = re.compile(r"\s+AS\s+([a-z_][a-z0-9_]*)\s*$", re.IGNORECASE)
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    known: dict[str, Columns] = {s.name: s.columns for s in plan.sources}
    problems: list[Diagnostic] = []
    for t in plan.transforms:
        known[t.name] = _transform_columns(plan, t, known, problems)
    for s in plan.sources:
        if s.spec.partition_by and s.columns is not None:
            _require(
                plan,
                problems,
                ("sources", s.name, "partition_by", "column"),
                [s.spec.partition_by.column],
                s.columns,
                f"source '{s.name}'",
            )
    yield from problems
    yield from _rule_columns(plan, known)


def output_columns(plan: PipelinePlan) -> dict[str, Columns]:
    """Columns of every dataset where known."""
    known: dict[str, Columns] = {s.name: s.columns for s in plan.sources}
    for t in plan.transforms:
        known[t.name] = _transform_columns(plan, t, known, [])
    return known


def dataset_columns(plan: PipelinePlan) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Every dataset whose columns are known: its columns in order, each with its type where
    the spec tells it (a declared schema, a cast; None: computed). Resolved once, after the
    checks, into the plan (`PipelinePlan.dataset_columns`) for diff and the renderers."""
    types: dict[str, dict[str, str]] = {s.name: dict(s.spec.schema_ or {}) for s in plan.sources}
    for transform in plan.transforms:
        current = dict(types.get(transform.spec.from_, {}))
        for step in transform.spec.steps:
            if isinstance(step, st.CastStep):
                current.update(step.cast)
            elif isinstance(step, st.RenameStep):
                current = {step.rename.get(c, c): t for c, t in current.items()}
        types[transform.name] = current
    return {
        name: tuple((c, types.get(name, {}).get(c)) for c in cols)
        for name, cols in output_columns(plan).items()
        if cols is not None
    }


def _transform_columns(
    plan: PipelinePlan, t: TransformPlan, known: dict[str, Columns], problems: list[Diagnostic]
) -> Columns:
    cols = known.get(t.spec.from_)
    for i, step in enumerate(t.spec.steps):
        where = ("transforms", t.name, "steps", i)
        cols = _apply(plan, step, cols, known, where, problems, f"transform '{t.name}'")
    if t.spec.partition_by and cols is not None:
        _require(
            plan,
            problems,
            ("transforms", t.name, "partition_by", "column"),
            [t.spec.partition_by.column],
            cols,
            f"transform '{t.name}'",
        )
    return cols


def _apply(
    plan: PipelinePlan,
    step: Any,
    cols: Columns,
    known: dict[str, Columns],
    where: tuple,
    problems: list[Diagnostic],
    entity: str,
) -> Columns:
    def need(names: list[str], *path: Any) -> None:
        if cols is not None:
            _require(plan, problems, (*where, *path), names, cols, entity)

    for text in step_texts(step):
        need(sorted(columns_read(text)), *located(plan, (*where, *text.path))[len(where) :])
    if isinstance(step, st.DedupeStep):
        need(step.dedupe.keys, "dedupe", "keys")
    elif isinstance(step, st.DeriveStep):
        return None if cols is None else _add(cols, list(step.derive))
    elif isinstance(step, st.JoinStep):
        return _join(plan, step.join, cols, known, where, problems, entity)
    elif isinstance(step, st.AggregateStep):
        names = [_output_name(e) for e in step.aggregate.by]
        return None if None in names else _add(tuple(names), list(step.aggregate.metrics))
    elif isinstance(step, st.SelectStep):
        names = [_output_name(e) for e in step.select.columns]
        return None if None in names else tuple(names)
    elif isinstance(step, st.RenameStep):
        need(list(step.rename), "rename")
        return None if cols is None else tuple(step.rename.get(c, c) for c in cols)
    elif isinstance(step, st.CastStep):
        need(list(step.cast), "cast")
    elif isinstance(step, st.SqlStep):
        return None
    return cols


def _join(
    plan: PipelinePlan,
    join: st.JoinArgs,
    cols: Columns,
    known: dict[str, Columns],
    where: tuple,
    problems: list[Diagnostic],
    entity: str,
) -> Columns:
    other = known.get(join.with_)
    pairs = _join_pairs(join.on)
    if cols is not None:
        _require(plan, problems, (*where, "join", "on"), [a for a, _ in pairs], cols, entity)
    if other is not None:
        _require(
            plan,
            problems,
            (*where, "join", "on"),
            [b for _, b in pairs],
            other,
            f"{entity} (join with '{join.with_}')",
        )
        if isinstance(join.columns, dict | list):
            _require(
                plan,
                problems,
                (*where, "join", "columns"),
                list(join.columns),
                other,
                f"{entity} (join with '{join.with_}')",
            )
    if cols is None or join.how in ("semi", "anti"):
        return cols
    if isinstance(join.columns, dict):
        return _add(cols, list(join.columns.values()))
    if isinstance(join.columns, list):
        return _add(cols, join.columns)
    if other is None:
        return None
    right_keys = {b for _, b in pairs}
    return _add(cols, [c for c in other if c not in right_keys and c not in cols])


def _join_pairs(on: Any) -> list[tuple[str, str]]:
    if isinstance(on, str):
        return [(on, on)]
    if isinstance(on, list):
        return [(c, c) for c in on]
    return list(on.items())


def _output_name(expression: str) -> str | None:
    if _PLAIN.match(expression):
        return expression
    match = _ALIAS.search(expression)
    return match.group(1).lower() if match else None


def _add(cols: tuple[str, ...], names: list[str]) -> tuple[str, ...]:
    return (*cols, *[n for n in names if n not in cols])


def _require(
    plan: PipelinePlan,
    problems: list[Diagnostic],
    path: tuple,
    names: list[str],
    cols: tuple[str, ...],
    entity: str,
) -> None:
    for name in names:
        if name not in cols:
            problems.append(
                Diagnostic(
                    plan.source_map.at(path),
                    "PG304",
                    f"{entity}: column '{name}' does not exist here.{did_you_mean(name, cols)}",
                )
            )


_RULE_COLUMN_FIELDS = ("column", "columns", "left", "right")


def _rule_columns(plan: PipelinePlan, known: dict[str, Columns]) -> Iterator[Diagnostic]:
    for table, rules in sorted(plan.quality.tables.items()):
        cols = known.get(table)
        for i, rule in enumerate(rules):
            kind, args = next(iter(rule.__dict__.items()))
            if kind == "column_exists":
                continue  # checking that columns exist is that rule's job at run time
            problems: list[Diagnostic] = []
            if cols is not None:
                for field in _RULE_COLUMN_FIELDS:
                    value = getattr(args, field, None)
                    names = value if isinstance(value, list) else [value] if value else []
                    _require(
                        plan,
                        problems,
                        ("quality", "tables", table, i, kind, field),
                        names,
                        cols,
                        f"quality rule {kind} on '{table}'",
                    )
                for text in rule_texts(kind, args):
                    _require(
                        plan,
                        problems,
                        ("quality", "tables", table, i, *text.path),
                        sorted(columns_read(text)),
                        cols,
                        f"quality rule {kind} on '{table}'",
                    )
            other = known.get(getattr(args, "table", None) or "")
            if kind == "references" and other is not None:
                _require(
                    plan,
                    problems,
                    ("quality", "tables", table, i, kind, "key"),
                    [args.key],
                    other,
                    f"quality rule references on '{table}'",
                )
            yield from problems
