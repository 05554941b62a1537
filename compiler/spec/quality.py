"""Spec models for `quality`: the rule vocabulary (docs/RULES.md is generated from these).

Every rule is a one-key mapping (`- not_null: [a, b]`). Row-level rules pass when at least
`min_pct` of the rows (after `where`) pass; `warn_pct` adds a separate, higher warning line.
Each rule has a `severity`, a `weight` and a dimension (fixed by its kind, in the runtime's
catalogue) for the score.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pipegen_runtime.rules import DIMENSIONS, FORMATS

from .base import ColumnName, ColumnType, Expression, Identifier, Model, list_shorthand
from .base import single_key_union as _single_key_union

# Rules per table: each is a Spark expression of the quality job's one pass over the table.
MAX_RULES = 200
# Failed rows a run keeps per rule: collected on the job's driver before they are written.
MAX_FAILED_ROWS = 10_000
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
    format: Literal[tuple(FORMATS)]  # type: ignore[valid-type]  (the runtime's named patterns)


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


def _rule(key: str, args: object) -> type[Model]:
    from pydantic import create_model

    return create_model(f"Rule_{key}", __base__=Model, **{key: (args, ...)})


_COLUMNS = Annotated[ColumnsRule, list_shorthand(ColumnsRule, "columns")]
_KEYS = Annotated[KeysRule, list_shorthand(KeysRule, "columns")]

# The arguments of each rule kind. The kinds and their dimensions are the runtime's catalogue
# (pipegen_runtime.rules.DIMENSIONS), which evaluates them: a kind missing on either side fails
# at import, so the spec can never accept a rule the jobs cannot run.
_ARGS: dict[str, object] = {
    "not_null": _COLUMNS,
    "completeness": CompletenessArgs,
    "unique": _KEYS,
    "primary_key": _KEYS,
    "duplicate_pct": DuplicatePctArgs,
    "distinct_count": DistinctCountArgs,
    "in_set": InSetArgs,
    "not_in_set": InSetArgs,
    "regex": RegexArgs,
    "format": FormatArgs,
    "range": RangeArgs,
    "length": LengthArgs,
    "data_type": DataTypeArgs,
    "compare": CompareArgs,
    "references": ReferencesArgs,
    "row_count_match": RowCountMatchArgs,
    "column_exists": _KEYS,
    "column_count": ColumnCountArgs,
    "schema_change": SchemaChangeArgs,
    "statistic": StatisticArgs,
    "sql_metric": SqlMetricArgs,
    "expression": ExpressionArgs,
    "freshness": FreshnessArgs,
    "row_count": RowCountArgs,
    "row_count_change": RowCountChangeArgs,
    "anomaly": AnomalyArgs,
}
if set(_ARGS) != set(DIMENSIONS):
    raise ImportError(f"rule kinds not in both catalogues: {sorted(set(_ARGS) ^ set(DIMENSIONS))}")
RULE_TYPES: dict[str, type[Model]] = {kind: _rule(kind, _ARGS[kind]) for kind in DIMENSIONS}

Rule = _single_key_union("rule", RULE_TYPES)


class Score(Model):
    """The weighted 0-100 score: below `fail_below` the run fails, below `warn_below` it warns."""

    fail_below: Pct = 80.0
    warn_below: Pct = 95.0


class Quality(Model):
    tables: dict[Identifier, Annotated[list[Rule], Field(min_length=1, max_length=MAX_RULES)]] = {}
    score: Score = Score()
    on_failure: Literal["alert", "block"] = "alert"
    history_runs: Annotated[int, Field(ge=3, le=1000)] = 30
    failed_rows_per_rule: Annotated[int, Field(ge=0, le=MAX_FAILED_ROWS)] = 100
