"""Spec models for `quality`: the rule vocabulary of ../shared/design/QUALITY-RULES.md.

Every rule is a one-key mapping (`- not_null: [a, b]`). Row-level rules pass when at least
`min_pct` of the rows (after `where`) pass; `warn_pct` adds a separate, higher warning line.
Each rule has a `severity`, a `weight` and a dimension (fixed by its type) for the score.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import ColumnName, ColumnType, Expression, Identifier, Model, list_shorthand
from .base import single_key_union as _single_key_union

Pct = Annotated[float, Field(ge=0, le=100)]
Columns = Annotated[list[ColumnName], Field(min_length=1)]
RuleName = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$", max_length=128)]


class RuleBase(Model):
    """Options every rule takes."""

    name: RuleName | None = None
    where: Expression | None = None
    severity: Literal["warn", "error"] = "error"
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0


class RowRule(RuleBase):
    """A rule checked row by row: thresholds as a share of rows or a count of failures."""

    min_pct: Pct = 100.0
    warn_pct: Pct | None = None
    max_failures: Annotated[int, Field(ge=0)] | None = None


class ColumnsRule(RowRule):
    columns: Columns


class CompletenessArgs(RowRule):
    column: ColumnName
    missing_values: list[Annotated[str, Field(max_length=64)]] = []


class KeysRule(RuleBase):
    columns: Columns


class DuplicatePctArgs(RuleBase):
    columns: Columns
    max_pct: Pct


class DistinctCountArgs(RuleBase):
    column: ColumnName
    min: Annotated[int, Field(ge=0)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None


class InSetArgs(RowRule):
    column: ColumnName
    values: Annotated[list[str | int | float], Field(min_length=1, max_length=10_000)]


class RegexArgs(RowRule):
    column: ColumnName
    pattern: Annotated[str, Field(min_length=1, max_length=1000)]


class FormatArgs(RowRule):
    column: ColumnName
    format: Literal["email", "uuid", "iso_date", "iso_timestamp", "url", "ipv4"]


class RangeArgs(RowRule):
    column: ColumnName
    min: float | None = None
    max: float | None = None


class LengthArgs(RowRule):
    column: ColumnName
    min: Annotated[int, Field(ge=0)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None


class DataTypeArgs(RuleBase):
    column: ColumnName
    type: ColumnType


class CompareArgs(RowRule):
    left: ColumnName
    op: Literal["<", "<=", "=", "!=", ">=", ">"]
    right: ColumnName


class ReferencesArgs(RowRule):
    column: ColumnName
    table: Identifier
    key: ColumnName


class RowCountMatchArgs(RuleBase):
    table: Identifier
    tolerance_pct: Pct = 0.0


class StatisticArgs(RuleBase):
    column: ColumnName
    stat: Literal["mean", "sum", "stddev", "min", "max", "percentile"]
    percentile: Annotated[float, Field(gt=0, lt=1)] | None = None
    min: float | None = None
    max: float | None = None


class SqlMetricArgs(RuleBase):
    """A single-value Spark SQL query over the table (the view `this`)."""

    query: Expression
    min: float | None = None
    max: float | None = None


class ExpressionArgs(RowRule):
    check: Expression


class FreshnessArgs(RuleBase):
    column: ColumnName
    max_age_hours: Annotated[float, Field(gt=0)]


class RowCountArgs(RuleBase):
    min: Annotated[int, Field(ge=0)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None


class RowCountChangeArgs(RuleBase):
    max_pct: Annotated[float, Field(ge=0)]


class AnomalyArgs(RuleBase):
    metric: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_.]*$", max_length=128)]
    lookback: Annotated[int, Field(ge=3, le=365)] = 10
    max_z: Annotated[float, Field(gt=0)] = 3.0


class ColumnCountArgs(RuleBase):
    min: Annotated[int, Field(ge=0)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None


class SchemaChangeArgs(RuleBase):
    pass


def _rule(key: str, args: object, dimension: str) -> type[Model]:
    from pydantic import create_model

    cls = create_model(f"Rule_{key}", __base__=Model, **{key: (args, ...)})
    cls.dimension = dimension  # type: ignore[attr-defined]
    return cls


_COLUMNS = Annotated[ColumnsRule, list_shorthand("columns")]
_KEYS = Annotated[KeysRule, list_shorthand("columns")]

RULE_TYPES: dict[str, type[Model]] = {
    "not_null": _rule("not_null", _COLUMNS, "completeness"),
    "completeness": _rule("completeness", CompletenessArgs, "completeness"),
    "unique": _rule("unique", _KEYS, "uniqueness"),
    "primary_key": _rule("primary_key", _KEYS, "uniqueness"),
    "duplicate_pct": _rule("duplicate_pct", DuplicatePctArgs, "uniqueness"),
    "distinct_count": _rule("distinct_count", DistinctCountArgs, "uniqueness"),
    "in_set": _rule("in_set", InSetArgs, "validity"),
    "not_in_set": _rule("not_in_set", InSetArgs, "validity"),
    "regex": _rule("regex", RegexArgs, "validity"),
    "format": _rule("format", FormatArgs, "validity"),
    "range": _rule("range", RangeArgs, "validity"),
    "length": _rule("length", LengthArgs, "validity"),
    "data_type": _rule("data_type", DataTypeArgs, "validity"),
    "compare": _rule("compare", CompareArgs, "consistency"),
    "references": _rule("references", ReferencesArgs, "consistency"),
    "row_count_match": _rule("row_count_match", RowCountMatchArgs, "consistency"),
    "column_exists": _rule("column_exists", _KEYS, "schema"),
    "column_count": _rule("column_count", ColumnCountArgs, "schema"),
    "schema_change": _rule("schema_change", SchemaChangeArgs, "schema"),
    "statistic": _rule("statistic", StatisticArgs, "accuracy"),
    "sql_metric": _rule("sql_metric", SqlMetricArgs, "accuracy"),
    "expression": _rule("expression", ExpressionArgs, "accuracy"),
    "freshness": _rule("freshness", FreshnessArgs, "timeliness"),
    "row_count": _rule("row_count", RowCountArgs, "volume"),
    "row_count_change": _rule("row_count_change", RowCountChangeArgs, "volume"),
    "anomaly": _rule("anomaly", AnomalyArgs, "volume"),
}

Rule = _single_key_union("rule", RULE_TYPES)


class Score(Model):
    """The weighted 0-100 score: below `fail_below` the run fails, below `warn_below` it warns."""

    fail_below: Pct = 80.0
    warn_below: Pct = 95.0


class Quality(Model):
    tables: dict[Identifier, Annotated[list[Rule], Field(min_length=1)]] = {}
    score: Score = Score()
    on_failure: Literal["alert", "block"] = "alert"
    history_runs: Annotated[int, Field(ge=3, le=1000)] = 30
