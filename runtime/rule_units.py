"""What a rule expects and what it saw, as text in the rule's own unit, for the report and
the console: `>= 99.5% of rows pass` against `97.41% (22 of 850 rows fail)`, `<= 48 hours old`
against `61.4 hours`. Numbers are formatted for people (thousands separators, no float noise);
a missing value is a dash, never `None` or `nan`."""

from __future__ import annotations

import math
from typing import Any

from .rules import ROW_LEVEL_RULES

MISSING = "—"
# The unit each value rule's observed number is in.
UNITS = {
    "row_count": "rows",
    "distinct_count": "distinct values",
    "column_count": "columns",
    "duplicate_pct": "% duplicates",
    "row_count_match": "% difference",
    "row_count_change": "% change since the last run",
    "anomaly": "sigma from its history",
    "freshness": "hours old",
}


def number(value: Any, decimals: int = 2) -> str:
    """`3,286`, `13.28`, `1.5e-07`; integers (or integral floats) without decimals."""
    if value is None or isinstance(value, bool):
        return MISSING if value is None else str(value)
    value = float(value)
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) < 10**-decimals:
        return f"{value:.{decimals}g}"
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".")


def percent(value: Any) -> str:
    return MISSING if value is None else f"{number(value)}%"


def expected(kind: str, args: dict[str, Any]) -> str:
    """The rule's threshold in its unit."""
    if kind in ROW_LEVEL_RULES:
        return _expected_rows(kind, args)
    if kind == "freshness":
        return f"newest value <= {number(args['max_age_hours'])} hours old"
    if kind == "duplicate_pct":
        return f"<= {percent(args['max_pct'])} duplicates"
    if kind == "row_count_match":
        return f"within {percent(args['tolerance_pct'])} of {args['table']}'s rows"
    if kind == "row_count_change":
        return f"<= {percent(args['max_pct'])} change since the last run"
    if kind == "anomaly":
        within = f"within {number(args['max_z'])} sigma"
        return f"{args['metric']} {within} of its last {args['lookback']} runs"
    if kind == "column_exists":
        return "columns present: " + ", ".join(args["columns"])
    if kind == "data_type":
        return f"{args['column']} is {args['type']}"
    if kind == "schema_change":
        return "same columns as the last run"
    return _between(args, _value_unit(kind, args))


def observed(result: dict[str, Any], args: dict[str, Any]) -> str:
    """What the rule saw, in the unit of `expected`."""
    kind, value = result["kind"], result.get("observed")
    if result["status"] == "error":
        return "not evaluated"
    if kind in ROW_LEVEL_RULES:
        return _observed_rows(result)
    if kind in ("column_exists", "data_type", "schema_change"):
        return result["message"] or "as expected"
    if value is None:
        return result["message"] or MISSING
    if kind == "freshness":
        return _hours(value)
    if kind in ("duplicate_pct", "row_count_match", "row_count_change"):
        return f"{percent(value)}"
    if kind == "anomaly":
        return f"{number(value)} sigma"
    unit = _value_unit(kind, args)
    return f"{number(value)} {unit}".rstrip()


def _expected_rows(kind: str, args: dict[str, Any]) -> str:
    if kind in ("unique", "primary_key"):
        nulls = " and not null" if kind == "primary_key" else ""
        return f"every row's {', '.join(args['columns'])} unique{nulls}"
    if args.get("max_failures") is not None:
        text = f"<= {number(args['max_failures'])} failing rows"
    else:
        text = f">= {percent(args.get('min_pct', 100.0))} of rows pass"
    if args.get("warn_pct") is not None:
        text += f" (warn below {percent(args['warn_pct'])})"
    return text


def _observed_rows(result: dict[str, Any]) -> str:
    checked, failed = result.get("checked"), result.get("failed")
    if not checked:
        return "no rows to check"
    return f"{percent(result['observed'])} pass ({number(failed)} of {number(checked)} rows fail)"


def _value_unit(kind: str, args: dict[str, Any]) -> str:
    if kind == "statistic":
        stat = args["stat"]
        if stat == "percentile":
            stat = f"p{number(float(args['percentile']) * 100)}"
        return f"({stat} of {args['column']})"
    if kind == "sql_metric":
        return "(query result)"
    return UNITS.get(kind, "")


def _between(args: dict[str, Any], unit: str) -> str:
    low, high = args.get("min"), args.get("max")
    if low is not None and high is not None:
        text = f"between {number(low)} and {number(high)}"
    elif low is not None:
        text = f">= {number(low)}"
    elif high is not None:
        text = f"<= {number(high)}"
    else:
        text = "any value"
    return f"{text} {unit}".rstrip()


def _hours(hours: float) -> str:
    """Hours, with days beside them once they run past two days."""
    text = f"{number(hours, 1)} hours"
    return text if hours < 48 else f"{text} ({number(hours / 24, 1)} days)"
