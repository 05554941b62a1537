"""PG306-PG307: every SQL text in the spec parses as Spark SQL and does only what it may.

The texts are found here (step_texts, rule_texts) for column_flow too, which checks the columns
they read (PG304) wherever the columns are known.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic
from ..plan import PipelinePlan
from ..spec import transforms as st
from ..sql_text import Kind, parse, referenced_columns, refusal


@dataclass(frozen=True)
class SpecText:
    path: tuple  # relative to the step or rule
    text: str
    kind: Kind


def step_texts(step: Any) -> list[SpecText]:
    """The SQL texts of one transform step, with their paths inside the step."""
    if isinstance(step, st.FilterStep):
        return [SpecText(("filter",), step.filter, "expression")]
    if isinstance(step, st.DeriveStep):
        return [SpecText(("derive", n), e, "expression") for n, e in step.derive.items()]
    if isinstance(step, st.AggregateStep):
        by = [
            SpecText(("aggregate", "by", i), e, "expression")
            for i, e in enumerate(step.aggregate.by)
        ]
        metrics = step.aggregate.metrics.items()
        return by + [SpecText(("aggregate", "metrics", n), e, "expression") for n, e in metrics]
    if isinstance(step, st.SelectStep):
        # `select: [a, b]` and `select: {columns: [a, b]}` put the list at different paths.
        return [SpecText(("select", i), e, "expression") for i, e in enumerate(step.select.columns)]
    if isinstance(step, st.DedupeStep):
        orders = enumerate(step.dedupe.order_by)
        return [SpecText(("dedupe", "order_by", i), e, "ordering") for i, e in orders]
    if isinstance(step, st.SqlStep):
        return [SpecText(("sql", "query"), step.sql.query, "query")]
    return []


def rule_texts(kind: str, args: Any) -> list[SpecText]:
    """The SQL texts of one quality rule, with their paths inside the rule."""
    texts = []
    if getattr(args, "where", None):
        texts.append(SpecText((kind, "where"), args.where, "expression"))
    if kind == "expression":
        texts.append(SpecText((kind, "check"), args.check, "expression"))
    if kind == "sql_metric":
        texts.append(SpecText((kind, "query"), args.query, "query"))
    return texts


def check(plan: PipelinePlan) -> Iterator[Diagnostic]:
    for t in plan.transforms:
        for i, step in enumerate(t.spec.steps):
            readable = frozenset({"this", *getattr(getattr(step, "sql", None), "inputs", [])})
            for text in step_texts(step):
                where = ("transforms", t.name, "steps", i, *text.path)
                yield from _check(plan, where, text, readable, f"transform '{t.name}'")
    for table, rules in sorted(plan.quality.tables.items()):
        for i, rule in enumerate(rules):
            kind, args = next(iter(rule.__dict__.items()))
            for text in rule_texts(kind, args):
                where = ("quality", "tables", table, i, *text.path)
                entity = f"quality rule {kind} on '{table}'"
                yield from _check(plan, where, text, frozenset({"this"}), entity)


def _check(
    plan: PipelinePlan, where: tuple, text: SpecText, readable: frozenset[str], entity: str
) -> Iterator[Diagnostic]:
    parsed = parse(text.text, text.kind)
    span = plan.source_map.at(located(plan, where))
    if parsed.syntax_error:
        yield Diagnostic(span, "PG306", f"{entity}: {parsed.syntax_error}")
        return
    refused = refusal(parsed.tree, text.kind, readable)
    if refused:
        yield Diagnostic(span, "PG307", f"{entity}: {refused}")


def located(plan: PipelinePlan, where: tuple) -> tuple:
    """The path as written: a `select` list is under `columns` in the long form only."""
    if "select" in where and tuple(where) not in plan.source_map.values:
        at = where.index("select") + 1
        return (*where[:at], "columns", *where[at:])
    return where


def columns_read(text: SpecText) -> set[str]:
    """Columns an expression reads; none for a query (its tables have their own columns) or
    for text that does not parse (PG306 says why)."""
    parsed = parse(text.text, text.kind)
    if text.kind == "query" or parsed.tree is None:
        return set()
    return referenced_columns(parsed.tree)
