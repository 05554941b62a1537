"""The processing job, processed -> curated (staged), in dependency order.

It runs when ingestion committed batches that no processing batch has covered yet. Output is
staged under `curated/_staging/processing/<batch>/<table>/` and the batch is committed with
its staged tables; nothing in `curated/<table>/` changes here (the quality job publishes), so
`on_failure: block` can keep a bad batch from ever being published.

A table with `partition_by` is recomputed only in the partitions the new batches touch, when
that is safe: a published table to build on, and every new batch from the pipeline's single
append source (reference tables unchanged). The touched partitions are found by running the
transforms over the new batches alone; those partitions are then recomputed from all data and
staged. Otherwise, and for unpartitioned tables, the whole table is recomputed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import publish
from .columns import add_partition_columns, in_partitions
from .faults import crash_point
from .steps import apply_steps

if TYPE_CHECKING:
    from .context import Context
    from .stage_config import TransformConfig

STAGE = "processing"


def run(ctx: Context) -> dict[str, Any]:
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
    if not new or not ctx.config.transforms:
        return summary
    all_inputs = sorted(b.batch_id for b in inputs)
    batch = ctx.state.begin_batch(
        STAGE, publish.batch_id(all_inputs), ctx.now(), {"name": "processing"}
    )
    tables = load_sources(ctx, inputs)
    fresh = _fresh_sources(ctx, inputs)
    prefix = publish.staging_prefix("processing", batch.batch_id)
    staged = {}
    for transform in ctx.config.transforms:
        steps, name = transform.steps, transform.name
        frame = apply_steps(ctx.spark, tables[transform.from_], steps, tables, name)
        tables[name] = frame
        touched = None
        if fresh is not None:
            fresh[name] = apply_steps(ctx.spark, fresh[transform.from_], steps, fresh, name)
            touched = _touched_partitions(transform, fresh[transform.name])
        staged[name], written = _stage_table(ctx, transform, frame, prefix, touched)
        if touched is None:
            # Later transforms read the table as staged, not its plan again: each would
            # otherwise recompute the whole chain from the sources (on the sample, 1 s a
            # table), and a transform that is not deterministic (a dedupe's pick among equal
            # keys) would feed them other rows than the ones published.
            tables[name] = written
        crash_point("processing.mid-write")
    info = {"name": "processing", "inputs": all_inputs, "staging": prefix, "tables": staged}
    ctx.state.commit_batch(STAGE, batch.batch_id, info, [])
    summary.update(
        batch_id=batch.batch_id,
        tables={n: t["rows"] for n, t in staged.items()},
        modes={n: t["mode"] for n, t in staged.items()},
    )
    return summary


def load_sources(ctx: Context, inputs: list[Any], only: set[str] | None = None) -> dict[str, Any]:
    """Every source as a DataFrame of its committed rows (a reference: its newest batch).

    With `only`, append sources keep just the rows of those batches.
    """
    from pyspark.sql import functions as F

    by_source: dict[str, list[str]] = {}
    for batch in inputs:
        if not batch.info.get("only_skipped"):  # re-sent files only: no rows of its own
            by_source.setdefault(batch.info["name"], []).append(batch.batch_id)
    tables = {}
    for name, source in sorted(ctx.config.sources.items()):
        batches = by_source.get(name, [])
        if not batches:
            raise RuntimeError(
                f"source '{name}' has no ingested data yet; add files under "
                f"its landing prefix '{source.landing}'"
            )
        if source.is_reference:
            frame = ctx.spark.read.parquet(
                ctx.storage.uri("processed", f"{name}/batch={batches[-1]}/")
            )
        else:
            wanted = [b for b in batches if only is None or b in only]
            root = ctx.storage.uri("processed", f"{name}/")
            # mergeSchema: a column a later batch added reaches the transforms (null in older
            # batches); without it Spark takes one file's schema and drops the rest silently.
            reader = ctx.spark.read.option("basePath", root).option("mergeSchema", "true")
            frame = reader.parquet(root).filter(F.col("_batch_id").isin(wanted))
            frame = _without_superseded(frame, superseded_rows(inputs, name))
            frame = frame.drop(*_partition_columns(ctx, name))
        tables[name] = frame
    return tables


def superseded_rows(inputs: list[Any], name: str) -> dict[str, set[str]]:
    """File -> the batches whose rows of it a later version of the file replaced."""
    found: dict[str, set[str]] = {}
    for batch in inputs:
        if batch.info.get("name") == name:
            for key, batches in batch.info.get("supersedes", {}).items():
                found.setdefault(key, set()).update(batches)
    return found


def _without_superseded(frame: Any, superseded: dict[str, set[str]]) -> Any:
    from pyspark.sql import functions as F

    for key, batches in sorted(superseded.items()):
        stale = (F.col("_source_file") == key) & F.col("_batch_id").isin(sorted(batches))
        frame = frame.filter(~stale)
    return frame


def published_base(ctx: Context) -> Any | None:
    """The newest processing batch whose tables the quality job published, if any."""
    published = {
        b.batch_id for b in ctx.state.committed_batches("quality") if b.info.get("published")
    }
    done = [b for b in ctx.state.committed_batches(STAGE) if b.batch_id in published]
    return done[-1] if done else None


def _fresh_sources(ctx: Context, inputs: list[Any]) -> dict[str, Any] | None:
    """The sources restricted to batches not yet published, when partition-level recompute
    is safe; else None (recompute whole tables)."""
    base = published_base(ctx)
    appends = [n for n, s in ctx.config.sources.items() if not s.is_reference]
    if base is None or len(appends) != 1:
        return None
    since = [b for b in inputs if b.batch_id not in set(base.info.get("inputs", []))]
    if not since or any(b.info["name"] != appends[0] for b in since):
        return None
    if any(b.info.get("supersedes") for b in since):
        return None  # replaced rows may sit in partitions the new rows do not touch
    return load_sources(ctx, inputs, only={b.batch_id for b in since})


def _partition_columns(ctx: Context, name: str) -> list[str]:
    table = ctx.catalog.get_table(name) or {}
    return table.get("partition_keys", [])


def _with_partition_keys(transform: TransformConfig, frame: Any) -> tuple[Any, list[str]]:
    return add_partition_columns(frame, transform.partition_by)


def _touched_partitions(transform: TransformConfig, fresh: Any) -> list[dict[str, int]] | None:
    frame, keys = _with_partition_keys(transform, fresh)
    if not keys:
        return None
    rows = frame.select(*keys).distinct().collect()
    return sorted(({k: r[k] for k in keys} for r in rows), key=lambda p: [p[k] for k in keys])


def _stage_table(
    ctx: Context,
    transform: TransformConfig,
    frame: Any,
    prefix: str,
    touched: list[dict[str, int]] | None,
) -> tuple[dict[str, Any], Any]:
    """What was staged, and the staged rows as a frame of the transform's own columns."""
    plain_columns = frame.columns
    frame, keys = _with_partition_keys(transform, frame)
    if touched is not None:
        frame = frame.filter(in_partitions(keys, touched))
    location = f"{prefix}{transform.name}/"
    ctx.storage.delete_prefix("curated", location)
    frame.write.mode("overwrite").partitionBy(*keys).parquet(ctx.storage.uri("curated", location))
    if publish.staged_files(ctx, "curated", location, ".parquet"):
        written = ctx.spark.read.parquet(ctx.storage.uri("curated", location))
        rows = written.count()
    else:  # nothing to stage (no touched partition has rows): Spark wrote no data file
        written, rows = frame, 0
    columns = [{"name": c, "type": t} for c, t in written.dtypes if c not in keys]
    info = {
        "location": location,
        "rows": rows,
        "partition_keys": keys,
        "columns": columns,
        "mode": "full" if touched is None else "partitions",
        "partitions": touched or [],
    }
    return info, written.select(*[_quoted(c) for c in plain_columns])


def _quoted(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"
