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


def first_rows(
    failures: Any, columns: list[str], cap: int, batch_id: str
) -> tuple[Any, dict[str, list[Any]]]:
    """Up to `cap` rows of each rule from a frame of failures (the table's columns plus
    `pipegen_rule`, `pipegen_column`, `pipegen_reason`), tagged with the batch. A per-rule
    `row_number` limit keeps the first rows; Spark applies it before the shuffle
    (WindowGroupLimit), so only `cap` rows per rule and partition travel. Returns
    (schema, rows by rule id)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    first = Window.partitionBy("pipegen_rule").orderBy(F.lit(0))
    tagged = (
        failures.withColumn("__nth", F.row_number().over(first))
        .filter(F.col("__nth") <= cap)
        .select(
            *[F.col(f"`{c}`") for c in columns],
            F.lit(batch_id).alias("pipegen_batch"),
            *[F.col(c) for c in COLUMNS[1:]],
        )
    )
    by_rule: dict[str, list[Any]] = {}
    for row in tagged.collect():
        by_rule.setdefault(row["pipegen_rule"], []).append(row)
    return tagged.schema, by_rule


def per_column_failures(frame: Any, picked: list[tuple]) -> Any | None:
    """One entry per (row, per-column rule it fails) for the picked (rule id, kind, args),
    from one scan of the table; None without such rules."""
    from pyspark.sql import functions as F

    if not picked:
        return None
    entries, any_fails = [], F.lit(False)
    for rule_id, kind, args in picked:
        fails = ~F.expr(rules.row_condition(kind, args))
        if args.get("where"):
            fails = F.expr(args["where"]) & fails
        column, reason = _explain(kind, args)
        entry = F.struct(
            F.lit(rule_id).alias("rule"), column.alias("column"), reason.alias("reason")
        )
        entries.append(F.when(fails, entry))
        any_fails = any_fails | F.coalesce(fails, F.lit(False))
    # The filter first (compiled to Java by Spark): the array and its null filter (interpreted
    # per row) then run on failing rows only.
    hits = F.filter(F.array(*entries), lambda e: e.isNotNull())
    failing = frame.filter(any_fails)
    return failing.select("*", F.explode(hits).alias("__hit")).select(
        *[F.col(f"`{c}`") for c in frame.columns],
        F.col("__hit.rule").alias("pipegen_rule"),
        F.col("__hit.column").alias("pipegen_column"),
        F.col("__hit.reason").alias("pipegen_reason"),
    )


def key_failures(frame: Any, tables: dict[str, Any], picked: list[tuple]) -> Any:
    """The failing rows of the picked key rules (unique, primary_key, references), as one
    frame of failures."""
    parts = [_key_failures(frame, tables, p) for p in picked]
    failures = parts[0]
    for part in parts[1:]:
        failures = failures.unionByName(part)
    return failures


def _key_failures(frame: Any, tables: dict[str, Any], picked: tuple) -> Any:
    from pyspark.sql import functions as F

    rule_id, kind, args = picked
    subject = frame.filter(F.expr(args["where"])) if args.get("where") else frame
    if kind == "references":
        rejected = _orphans(subject, tables[args["table"]], args)
    else:
        rejected = _repeated_keys(subject, kind, args["columns"])
    return rejected.select(
        *[F.col(f"`{c}`") for c in frame.columns],
        F.lit(rule_id).alias("pipegen_rule"),
        F.col("pipegen_column"),
        F.col("pipegen_reason"),
    )


def store(
    ctx: Context, table: str, batch_id: str, schema: Any, by_rule: dict[str, list[Any]]
) -> dict[str, dict[str, Any]]:
    """Write this batch's failed rows of every rule in one Spark write (replacing a crashed
    attempt's), move each rule's file into its folder and catalogue the folder; returns what
    the report says about each rule's rows."""
    from pyspark.sql import functions as F

    kept = {rule_id: rows for rule_id, rows in by_rule.items() if rows}
    if not kept:
        return {}
    staging = f"{STAGING}{batch_id}/{table}/"
    _remove_batch(ctx, table, batch_id, kept)
    ctx.storage.delete_prefix("curated", staging)
    slots = {rule_id: index for index, rule_id in enumerate(sorted(kept))}
    rows = [row for rule_id in sorted(kept) for row in kept[rule_id]]
    slot = F.create_map(*[F.lit(x) for pair in slots.items() for x in pair])
    frame = ctx.spark.createDataFrame(rows, schema).coalesce(1)
    frame.withColumn("__slot", slot[F.col("pipegen_rule")]).write.partitionBy("__slot").mode(
        "overwrite"
    ).parquet(ctx.storage.uri("curated", staging))
    stored = {}
    for rule_id, index in slots.items():
        folder = f"{FAILED_ROWS}{table}/{rule_id}/"
        part = f"{staging}__slot={index}/"
        staged = publish.staged_files(ctx, "curated", part, ".parquet")
        publish.move_all(ctx, "curated", publish.plan_targets(staged, part, folder, batch_id))
        name = _catalogue(ctx, table, rule_id, frame.dtypes, batch_id)
        location = ctx.storage.uri("curated", folder)
        stored[rule_id] = {"stored": len(kept[rule_id]), "location": location, "table": name}
    ctx.storage.delete_prefix("curated", staging)
    return stored


def _remove_batch(ctx: Context, table: str, batch_id: str, rule_ids: Any) -> None:
    """A crashed attempt's files of this batch, so the rerun's rows replace them."""
    for rule_id in rule_ids:
        for old in ctx.storage.list("curated", f"{FAILED_ROWS}{table}/{rule_id}/"):
            if f"/part-{batch_id}-" in "/" + old.key:
                ctx.storage.delete("curated", old.key)


def _catalogue(ctx: Context, table: str, rule_id: str, dtypes: list, batch_id: str) -> str:
    name = failed_rows_table(table, rule_id)
    folder = f"{FAILED_ROWS}{table}/{rule_id}/"
    ctx.catalog.put_table(
        {
            "name": name,
            "zone": "curated",
            "location": ctx.storage.uri("curated", folder),
            "columns": [{"name": c, "type": t} for c, t in dtypes],
            "partition_keys": [],
            "batch": batch_id,
        }
    )
    return name


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
