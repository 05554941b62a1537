"""Failed rows per rule: the rows a rule rejected, each with why and which column, stored for
people to act on.

Under the curated zone, `_quality/failed_rows/<table>/<rule>/part-<batch>-N.parquet` holds, per
quality run, at most `failed_rows_per_rule` rows of each row-level rule that has failing rows:
the row's own columns plus `pipegen_batch`, `pipegen_rule`, `pipegen_column` (the offending
column or columns, comma-separated; empty for a free expression) and `pipegen_reason`. Each
rule's folder is a catalog table (`failed_rows_table`), so on AWS Athena finds it like any
table. Files of runs older than the quality history are removed; a rerun of a crashed run
rewrites its own files.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from . import publish, rules
from .rule_units import number

if TYPE_CHECKING:
    from .context import Context

FAILED_ROWS = "_quality/failed_rows/"
STAGING = "_quality/failed_rows_staging/"
COLUMNS = ("pipegen_batch", "pipegen_rule", "pipegen_column", "pipegen_reason")
SAMPLES_IN_REPORT = 10
GLUE_NAME_LIMIT = 255


def failed_rows_table(table: str, rule: str) -> str:
    """The catalog name of a rule's failed rows; long names keep a hash to stay unique."""
    name = f"{table}__failed__{rule}"
    if len(name) <= GLUE_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return f"{name[: GLUE_NAME_LIMIT - 13]}_{digest}"


def failing(frame: Any, tables: dict[str, Any], kind: str, args: dict[str, Any]) -> Any | None:
    """The rows a row-level rule rejects, with `pipegen_column` and `pipegen_reason` added;
    None for a rule that judges the table as a whole."""
    from pyspark.sql import functions as F

    if kind not in rules.ROW_LEVEL_RULES:
        return None
    subject = frame.filter(F.expr(args["where"])) if args.get("where") else frame
    if kind in ("unique", "primary_key"):
        return _repeated_keys(subject, kind, args["columns"])
    if kind == "references":
        return _orphans(subject, tables[args["table"]], args)
    rejected = subject.filter(~F.expr(rules.row_condition(kind, args)))
    column, reason = _explain(kind, args)
    return rejected.select("*", column.alias("pipegen_column"), reason.alias("pipegen_reason"))


def collect(failing_rows: Any, cap: int, batch_id: str, rule_id: str) -> tuple[Any, list[Any]]:
    """Up to `cap` failing rows on the driver, tagged with the batch and the rule."""
    from pyspark.sql import functions as F

    tagged = failing_rows.select(
        *[F.col(f"`{c}`") for c in failing_rows.columns if c not in COLUMNS[2:]],
        F.lit(batch_id).alias("pipegen_batch"),
        F.lit(rule_id).alias("pipegen_rule"),
        F.col("pipegen_column"),
        F.col("pipegen_reason"),
    ).limit(cap)
    return tagged.schema, tagged.collect()


def store(
    ctx: Context, table: str, rule_id: str, batch_id: str, schema: Any, rows: list[Any]
) -> dict[str, Any]:
    """Write one rule's failed rows of this batch (replacing a crashed attempt's) and
    catalogue the rule's folder; returns what the report says about them."""
    folder = f"{FAILED_ROWS}{table}/{rule_id}/"
    staging = f"{STAGING}{batch_id}/{table}/{rule_id}/"
    for old in ctx.storage.list("curated", folder):
        if f"/part-{batch_id}-" in "/" + old.key:
            ctx.storage.delete("curated", old.key)
    ctx.storage.delete_prefix("curated", staging)
    frame = ctx.spark.createDataFrame(rows, schema).coalesce(1)
    frame.write.mode("overwrite").parquet(ctx.storage.uri("curated", staging))
    staged = publish.staged_files(ctx, "curated", staging, ".parquet")
    publish.move_all(ctx, "curated", publish.plan_targets(staged, staging, folder, batch_id))
    ctx.storage.delete_prefix("curated", staging)
    name = failed_rows_table(table, rule_id)
    ctx.catalog.put_table(
        {
            "name": name,
            "zone": "curated",
            "location": ctx.storage.uri("curated", folder),
            "columns": [{"name": c, "type": t} for c, t in frame.dtypes],
            "partition_keys": [],
            "batch": batch_id,
        }
    )
    return {"stored": len(rows), "location": ctx.storage.uri("curated", folder), "table": name}


def samples(rows: list[Any]) -> list[dict[str, Any]]:
    """The report's view of the first failed rows: the row's columns as text, the offending
    column(s) and the reason."""
    shown = []
    for row in rows[:SAMPLES_IN_REPORT]:
        values = row.asDict()
        shown.append(
            {
                "row": {
                    k: None if v is None else str(v)
                    for k, v in values.items()
                    if k not in COLUMNS and not k.startswith("_")
                },
                "column": values["pipegen_column"] or "",
                "reason": values["pipegen_reason"],
            }
        )
    return shown


def prune(ctx: Context, table: str, kept_batches: set[str]) -> None:
    """Remove failed rows of runs the quality history no longer holds."""
    for obj in ctx.storage.list("curated", f"{FAILED_ROWS}{table}/"):
        name = obj.key.rsplit("/", 1)[-1]
        batch = name.removeprefix("part-").rsplit("-", 1)[0]
        if name.startswith("part-") and batch not in kept_batches:
            ctx.storage.delete("curated", obj.key)


def _text(column: str) -> Any:
    from pyspark.sql import functions as F

    return F.coalesce(F.col(f"`{column}`").cast("string"), F.lit("null"))


def _is(column: str, what: str) -> Any:
    from pyspark.sql import functions as F

    return F.concat(F.lit(f"{column} = "), _text(column), F.lit(f" {what}"))


def _explain(kind: str, args: dict[str, Any]) -> tuple[Any, Any]:
    """(offending column, reason) as Spark expressions for a row a row rule rejected."""
    from pyspark.sql import functions as F

    column = args.get("column")
    if kind == "not_null":
        nulls = [F.when(F.col(f"`{c}`").isNull(), F.lit(c)) for c in args["columns"]]
        first = F.coalesce(*nulls)
        return first, F.concat(first, F.lit(" is null"))
    if kind == "completeness":
        reason = F.when(F.col(f"`{column}`").isNull(), F.lit(f"{column} is null")).otherwise(
            _is(column, "is a missing value")
        )
        return F.lit(column), reason
    if kind in ("in_set", "not_in_set"):
        what = "is not an allowed value" if kind == "in_set" else "is a forbidden value"
        return F.lit(column), _is(column, what)
    if kind in ("regex", "format"):
        what = (
            f"does not match {args['pattern']}" if kind == "regex" else f"is not {args['format']}"
        )
        return F.lit(column), _is(column, what)
    if kind in ("range", "length"):
        return F.lit(column), _out_of_bounds(kind, column, args)
    if kind == "compare":
        left, right = args["left"], args["right"]
        reason = F.concat(
            F.lit(f"{left} = "),
            _text(left),
            F.lit(f" is not {args['op']} {right} = "),
            _text(right),
        )
        return F.lit(f"{left}, {right}"), reason
    return F.lit(""), F.lit(f"fails the check: {args['check']}")


def _out_of_bounds(kind: str, column: str, args: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    value = F.col(f"`{column}`") if kind == "range" else F.length(F.col(f"`{column}`"))
    subject = f"{column} = " if kind == "range" else f"length of {column} = "
    text = F.concat(F.lit(subject), value.cast("string"))
    low, high = args.get("min"), args.get("max")
    below = F.concat(text, F.lit(f" is below the minimum {number(low)}"))
    above = F.concat(text, F.lit(f" is above the maximum {number(high)}"))
    if low is None or high is None:
        return above if low is None else below
    return F.when(value < F.lit(low), below).otherwise(above)


def _repeated_keys(frame: Any, kind: str, keys: list[str]) -> Any:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    columns = [F.col(f"`{c}`") for c in keys]
    counted = frame.withColumn("__times", F.count(F.lit(1)).over(Window.partitionBy(*columns)))
    null_key = F.lit(False)
    for c in columns:
        null_key = null_key | c.isNull()
    rejected = counted.filter(
        (F.col("__times") > 1) | (null_key if kind == "primary_key" else F.lit(False))
    )
    label = ", ".join(keys)
    reason = F.concat(
        F.lit(f"{label} repeated: "), F.col("__times").cast("string"), F.lit(" rows share this key")
    )
    if kind == "primary_key":
        reason = F.when(null_key, F.lit(f"a key column of {label} is null")).otherwise(reason)
    return rejected.select(
        *[F.col(f"`{c}`") for c in frame.columns],
        F.lit(label).alias("pipegen_column"),
        reason.alias("pipegen_reason"),
    )


def _orphans(frame: Any, other: Any, args: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    column = F.col(f"`{args['column']}`")
    keys = other.select(F.col(f"`{args['key']}`").alias("__key")).distinct()
    missing = frame.filter(column.isNotNull()).join(keys, column == F.col("__key"), "left_anti")
    what = f"has no match in {args['table']}.{args['key']}"
    return missing.select(
        "*",
        F.lit(args["column"]).alias("pipegen_column"),
        _is(args["column"], what).alias("pipegen_reason"),
    )
