"""The processing job, processed -> curated (staged), in dependency order.

It runs when ingestion committed batches that no processing batch has covered yet, and
recomputes every curated table from all committed input (v1 recomputes whole tables; the
quality job publishes them). Output is staged under `curated/_staging/<batch>/<table>/` and
the batch is committed with the staged tables; nothing in `curated/<table>/` changes here, so
`on_failure: block` can keep a bad batch from ever being published.
"""

from __future__ import annotations

from typing import Any

from . import publish
from .columns import partition_keys
from .faults import crash_point
from .steps import apply_steps

STAGE = "processing"


def run(ctx: Any) -> dict[str, Any]:
    repaired = publish.repair(ctx, STAGE, "curated")
    inputs = ctx.state.committed_batches("ingestion")
    covered = {i for b in ctx.state.committed_batches(STAGE) for i in b.info.get("inputs", [])}
    new = [b.batch_id for b in inputs if b.batch_id not in covered]
    summary: dict[str, Any] = {
        "stage": STAGE,
        "new_input_batches": len(new),
        "repaired_batches": repaired,
        "tables": {},
    }
    if not new or not ctx.config["transforms"]:
        return summary
    all_inputs = sorted(b.batch_id for b in inputs)
    batch = ctx.state.begin_batch(
        STAGE, publish.batch_id(all_inputs), ctx.now(), {"name": "processing"}
    )
    tables = load_sources(ctx, inputs)
    prefix = publish.staging_prefix("processing", batch.batch_id)
    staged = {}
    for transform in ctx.config["transforms"]:
        frame = apply_steps(ctx.spark, tables[transform["from"]], transform["steps"], tables)
        tables[transform["name"]] = frame
        staged[transform["name"]] = _stage_table(ctx, transform, frame, prefix)
        crash_point("processing.mid-write")
    info = {"name": "processing", "inputs": all_inputs, "staging": prefix, "tables": staged}
    ctx.state.commit_batch(STAGE, batch.batch_id, info, [])
    summary.update(batch_id=batch.batch_id, tables={n: t["rows"] for n, t in staged.items()})
    return summary


def load_sources(ctx: Any, inputs: list[Any]) -> dict[str, Any]:
    """Every source as a DataFrame of its committed rows (a reference: its newest batch)."""
    from pyspark.sql import functions as F

    by_source: dict[str, list[str]] = {}
    for batch in inputs:
        by_source.setdefault(batch.info["name"], []).append(batch.batch_id)
    tables = {}
    for name, source in sorted(ctx.config["sources"].items()):
        batches = by_source.get(name, [])
        if not batches:
            raise RuntimeError(
                f"source '{name}' has no ingested data yet; add files under "
                f"its landing prefix '{source.get('landing', '?')}'"
            )
        if source.get("kind") == "reference":
            frame = ctx.spark.read.parquet(
                ctx.storage.uri("processed", f"{name}/batch={batches[-1]}/")
            )
        else:
            root = ctx.storage.uri("processed", f"{name}/")
            frame = ctx.spark.read.option("basePath", root).parquet(root)
            frame = frame.filter(F.col("_batch_id").isin(batches))
            frame = frame.drop(*_partition_columns(ctx, name))
        tables[name] = frame
    return tables


def _partition_columns(ctx: Any, name: str) -> list[str]:
    table = ctx.catalog.get_table(name) or {}
    return table.get("partition_keys", [])


def _stage_table(ctx: Any, transform: dict[str, Any], frame: Any, prefix: str) -> dict[str, Any]:
    from pyspark.sql import functions as F

    keys: list[str] = []
    partitioning = transform.get("partition_by")
    if partitioning:
        keys = partition_keys(partitioning["column"], partitioning["granularity"], frame.columns)
        column = F.col(partitioning["column"])
        parts = {"year": F.year(column), "month": F.month(column), "day": F.dayofmonth(column)}
        for key, part in zip(keys, ("year", "month", "day"), strict=False):
            frame = frame.withColumn(key, parts[part])
    location = f"{prefix}{transform['name']}/"
    ctx.storage.delete_prefix("curated", location)
    frame.write.mode("overwrite").partitionBy(*keys).parquet(ctx.storage.uri("curated", location))
    written = ctx.spark.read.parquet(ctx.storage.uri("curated", location))
    columns = [{"name": c, "type": t} for c, t in written.dtypes if c not in keys]
    return {
        "location": location,
        "rows": written.count(),
        "partition_keys": keys,
        "columns": columns,
    }
