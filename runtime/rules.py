"""Quality rules: evaluation on a DataFrame, and the score.

Row rules (not_null, completeness, in_set, not_in_set, regex, format, range, length, compare,
expression) and table aggregates (row_count, statistic, distinct_count, freshness) of one table
are evaluated in a single `agg` over the table. Rules that need a group-by, a join or another
table (unique, primary_key, duplicate_pct, references, row_count_match, sql_metric) add one pass
each; schema rules read the schema; history rules read past runs.

Semantics:
- Null values pass validity rules (in_set, regex, range, ...); completeness is not_null's job.
- On an empty table, or when `where` selects no rows, row rules pass with 100% (nothing
  violates them); use row_count to require rows.
- A rule that cannot be evaluated (missing column, bad expression) has status `error`: it
  counts as failed and fails the job. It is never skipped.
- Status: `pass`; `warn` (below warn_pct, or a failed rule whose severity is warn); `fail`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .stage_config import Score

FORMATS = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "iso_date": r"^\d{4}-\d{2}-\d{2}$",
    "iso_timestamp": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$",
    "url": r"^https?://[^\s/$.?#].[^\s]*$",
    "ipv4": r"^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$",
}
ROW_RULES = (
    "not_null",
    "completeness",
    "in_set",
    "not_in_set",
    "regex",
    "format",
    "range",
    "length",
    "compare",
    "expression",
)
AGGREGATE_RULES = ("row_count", "statistic", "distinct_count", "freshness")
# Rules whose failures are rows (the others judge one number about the whole table).
KEY_ROW_RULES = ("unique", "primary_key", "references")
ROW_LEVEL_RULES = (*ROW_RULES, *KEY_ROW_RULES)
DIMENSIONS = {
    "not_null": "completeness",
    "completeness": "completeness",
    "unique": "uniqueness",
    "primary_key": "uniqueness",
    "duplicate_pct": "uniqueness",
    "distinct_count": "uniqueness",
    "in_set": "validity",
    "not_in_set": "validity",
    "regex": "validity",
    "format": "validity",
    "range": "validity",
    "length": "validity",
    "data_type": "validity",
    "compare": "consistency",
    "references": "consistency",
    "row_count_match": "consistency",
    "column_exists": "schema",
    "column_count": "schema",
    "schema_change": "schema",
    "statistic": "accuracy",
    "sql_metric": "accuracy",
    "expression": "accuracy",
    "freshness": "timeliness",
    "row_count": "volume",
    "row_count_change": "volume",
    "anomaly": "volume",
}


@dataclass
class RuleResult:
    rule_id: str
    kind: str
    dimension: str
    severity: str
    weight: float
    status: str = "pass"
    passed: bool = True
    observed: float | None = None
    checked: int | None = None
    failed: int | None = None
    message: str = ""
    expected: str = ""
    observed_text: str = ""
    samples: list[dict[str, Any]] = field(default_factory=list)
    failed_rows: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rule_id(kind: str, args: dict[str, Any], index: int) -> str:
    if args.get("name"):
        return args["name"]
    target = args.get("column") or "_".join(args.get("columns", [])) or args.get("metric") or ""
    return f"{index:02d}_{kind}" + (f"_{target}" if target else "")


def new_result(kind: str, args: dict[str, Any], index: int) -> RuleResult:
    return RuleResult(
        rule_id(kind, args, index),
        kind,
        DIMENSIONS[kind],
        args["severity"],
        float(args["weight"]),
    )


def row_condition(kind: str, args: dict[str, Any]) -> str:
    """A SQL condition that is true for a row that passes (nulls pass validity rules)."""
    c = f"`{args['column']}`" if "column" in args else None
    if kind == "not_null":
        return " AND ".join(f"`{col}` IS NOT NULL" for col in args["columns"])
    if kind == "completeness":
        missing = "".join(f" AND {c} != {_literal(v)}" for v in args["missing_values"])
        return f"({c} IS NOT NULL{missing})"
    if kind in ("in_set", "not_in_set"):
        values = ", ".join(_literal(v) for v in args["values"])
        negate = "NOT " if kind == "not_in_set" else ""
        return f"({c} IS NULL OR {negate}{c} IN ({values}))"
    if kind in ("regex", "format"):
        pattern = args["pattern"] if kind == "regex" else FORMATS[args["format"]]
        return f"({c} IS NULL OR CAST({c} AS STRING) RLIKE {_literal(pattern)})"
    if kind in ("range", "length"):
        value = c if kind == "range" else f"length({c})"
        bounds = [f"{value} >= {args['min']}" for _ in [0] if args.get("min") is not None]
        bounds += [f"{value} <= {args['max']}" for _ in [0] if args.get("max") is not None]
        return f"({c} IS NULL OR ({' AND '.join(bounds) or 'true'}))"
    if kind == "compare":
        left, right = f"`{args['left']}`", f"`{args['right']}`"
        return f"({left} IS NULL OR {right} IS NULL OR {left} {args['op']} {right})"
    return f"coalesce(({args['check']}), false)"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


# Key rules (unique, primary_key) take no thresholds in the spec: every row must pass.
EVERY_ROW = {"min_pct": 100.0}


def judge_rows(result: RuleResult, args: dict[str, Any], checked: int, failed: int) -> None:
    """Status of a row rule from its counts; an empty set passes with 100%."""
    result.checked, result.failed = checked, failed
    pct = 100.0 if checked == 0 else 100.0 * (checked - failed) / checked
    result.observed = round(pct, 6)
    if args.get("max_failures") is not None:
        ok = failed <= args["max_failures"]
    else:
        ok = pct >= float(args["min_pct"])
    # The failing count is the observed text's (rule_units); the message is for what it lacks.
    if checked == 0:
        result.message = "no rows to check"
    warn = args.get("warn_pct") is not None and pct < float(args["warn_pct"])
    result.passed = ok
    result.status = _status(ok, result.severity, warn)


def judge_value(result: RuleResult, args: dict[str, Any], value: float | None) -> None:
    """Status of a rule that checks one number against min/max."""
    result.observed = None if value is None or _nan(value) else float(value)
    low, high = args.get("min"), args.get("max")
    ok = (
        result.observed is not None
        and (low is None or result.observed >= low)
        and (high is None or result.observed <= high)
    )
    if result.observed is None:
        result.message = "no value (no rows, or only nulls)"
    judge(result, ok)


def judge(result: RuleResult, ok: bool, warn: bool = False) -> None:
    result.passed = ok
    result.status = _status(ok, result.severity, warn)


def fail_to_evaluate(result: RuleResult, why: str) -> None:
    """A rule that cannot be evaluated is an error: failed, and it fails the job."""
    result.passed, result.status, result.message = False, "error", f"cannot evaluate: {why}"


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _status(ok: bool, severity: str, warn: bool) -> str:
    if not ok:
        return "warn" if severity == "warn" else "fail"
    return "warn" if warn else "pass"


def score(results: list[RuleResult]) -> float:
    """Weighted share of rules that did not fail, 0-100; 100 with no rules."""
    total = sum(r.weight for r in results)
    if total == 0:
        return 100.0
    passed = sum(r.weight for r in results if r.passed)
    return round(100.0 * passed / total, 4)


def outcome(results: list[RuleResult], table_score: float, thresholds: Score) -> str:
    if (
        any(r.status == "error" for r in results)
        or table_score < thresholds.fail_below
        or any(r.status == "fail" for r in results)
    ):
        return "fail"
    if table_score < thresholds.warn_below or any(r.status == "warn" for r in results):
        return "warn"
    return "pass"


def zscore(current: float, history: list[float]) -> float | None:
    """z of the current value against past values (None with fewer than 3 or no spread)."""
    if len(history) < 3:
        return None
    mean = sum(history) / len(history)
    spread = math.sqrt(sum((v - mean) ** 2 for v in history) / (len(history) - 1))
    if spread == 0:
        return 0.0 if current == mean else math.inf
    return (current - mean) / spread


def trend(values: list[float]) -> float | None:
    """Least-squares slope per run of a series (None with fewer than 2 points)."""
    if len(values) < 2:
        return None
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return round(num / den, 6)
