"""Applying a table schema to raw rows: typed columns plus one reason string per row.

A value that does not convert to its column's type is never silently nulled: the row gets a
reason (`"dep_delay: 'abc' is not a valid double"` style, without the value) and goes to
quarantine. Types come from the declared schema, else the schema recorded in the catalog by an
earlier batch, else they are inferred from this batch in one aggregation pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .readers import CORRUPT, SOURCE_FILE, RawFrame

if TYPE_CHECKING:
    from .stage_config import ReadOptions

REASON = "_reason"
INTEGRAL = ("tinyint", "smallint", "int", "bigint")
INFER_ORDER = ("int", "bigint", "double", "boolean", "timestamp", "date")


def target_types(
    raw: RawFrame,
    declared: dict[str, str] | None,
    recorded: list[dict[str, str]] | None,
    read: ReadOptions,
) -> dict[str, str]:
    """Column -> type: declared or recorded columns first, then new columns of this batch."""
    known = dict(declared or {}) or {
        c["name"]: c["type"] for c in recorded or [] if not c["name"].startswith("_")
    }
    new = [c for c in raw.data_columns if c not in known]
    inferred = infer_types(raw, new, read) if raw.text else _raw_types(raw, new)
    return {**known, **inferred}


def _raw_types(raw: RawFrame, columns: list[str]) -> dict[str, str]:
    types = dict(raw.frame.dtypes)
    return {c: types[c] for c in columns}


def infer_types(raw: RawFrame, columns: list[str], read: ReadOptions) -> dict[str, str]:
    """For each string column, the first type in INFER_ORDER that every non-null value has."""
    from pyspark.sql import functions as F

    if not columns:
        return {}
    checks = []
    for column in columns:
        value = _nulled(F.col(column), read)
        for kind in INFER_ORDER:
            failed = value.isNotNull() & _convert(value, kind, read).isNull()
            checks.append(F.sum(F.when(failed, 1).otherwise(0)).alias(f"{column}\x00{kind}"))
        checks.append(F.count(value).alias(f"{column}\x00present"))
    row = raw.frame.filter(F.col(CORRUPT).isNull()).agg(*checks).collect()[0].asDict()
    result = {}
    for column in columns:
        present = row[f"{column}\x00present"]
        fits = [k for k in INFER_ORDER if present and row[f"{column}\x00{k}"] == 0]
        result[column] = fits[0] if fits else "string"
    return result


def _nulled(column: Any, read: ReadOptions) -> Any:
    from pyspark.sql import functions as F

    nulls = list(read.null_values or ())
    return F.when(column.isin(nulls), F.lit(None)).otherwise(column) if nulls else column


def _convert(value: Any, kind: str, read: ReadOptions) -> Any:
    from pyspark.sql import functions as F

    if kind == "timestamp" and read.timestamp_format:
        return F.to_timestamp(value, read.timestamp_format)
    if kind == "date" and read.date_format:
        return F.to_date(value, read.date_format)
    if kind in INTEGRAL:
        # Spark's cast turns '1.5' into 1: keep the integer only when the value was one (a
        # comparison with the double costs far less than a regex on every value).
        return F.when(value.cast("double") == value.cast(kind), value.cast(kind))
    return value.cast(kind)


def apply_schema(raw: RawFrame, types: dict[str, str], read: ReadOptions) -> Any:
    """Typed columns (in `types` order), `_source_file`, `_reason` ('' when the row is valid)."""
    from pyspark.sql import functions as F

    present = set(raw.data_columns)
    typed, reasons = (
        [],
        [
            F.when(
                F.col(CORRUPT).isNotNull(),
                F.lit("malformed record (wrong number of fields, bad quoting or unparseable)"),
            )
        ],
    )
    for column, kind in types.items():
        if column not in present:
            typed.append(F.lit(None).cast(kind).alias(column))
            continue
        source = F.col(f"`{column}`")
        value = _nulled(source, read) if raw.text else source
        converted = value if _same_type(raw, column, kind) else _convert(value, kind, read)
        typed.append(converted.alias(column))
        reasons.append(
            F.when(value.isNotNull() & converted.isNull(), F.lit(f"{column}: not a valid {kind}"))
        )
        if raw.text:
            reasons.append(F.when(source.contains("\ufffd"), F.lit(f"{column}: invalid UTF-8")))
    raw_json = F.coalesce(
        F.col(CORRUPT),
        F.to_json(F.struct(*[F.col(f"`{c}`").cast("string") for c in raw.data_columns])),
    )
    return raw.frame.select(
        *typed,
        F.col(SOURCE_FILE),
        F.concat_ws("; ", *reasons).alias(REASON),
        # Only a quarantined row keeps its raw text: on good rows it would double the memory.
        F.when(F.concat_ws("; ", *reasons) != "", raw_json).alias("_raw"),
    )


def _same_type(raw: RawFrame, column: str, kind: str) -> bool:
    return dict(raw.frame.dtypes).get(column) == kind
