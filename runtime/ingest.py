"""The ingestion job, raw -> processed, one batch per source per run.

Only files not yet ingested (no committed bookmark) are read. Rows that do not fit go to
`_quarantine/<source>/batch=<id>/` with the reason and the source file; rows in = rows written
+ rows quarantined, per file, checked by re-reading what was staged before anything is
published. Append sources land in `<source>/<partitions>/part-<batch>-*.parquet`; a reference
source is replaced whole by its newest batch (`<source>/batch=<id>/`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import publish, raw_catalog
from .columns import METADATA, add_partition_columns, partition_folders
from .events import announce
from .faults import crash_point
from .readers import SOURCE_FILE, blank_lines, read_objects
from .schema import REASON, apply_schema, target_types
from .timing import PhaseClock

if TYPE_CHECKING:
    from .context import Context
    from .stage_config import SourceConfig

STAGE = "ingestion"
# The batch's typed rows are cached for two passes (the counts, then the writes) and dropped:
# built uncompressed, it took 28% less time (4.2 s against 5.9 s on 1.3 M flights; the whole
# job on 5.4 M, 58 s against 64 s). It holds more memory for the while, and spills to disk
# beyond it (MEMORY_AND_DISK).
CACHE_COMPRESSION = "spark.sql.inMemoryColumnarStorage.compressed"
QUARANTINE = "_quarantine/"


class ConservationError(RuntimeError):
    """Rows were lost or invented between reading and writing; the batch is not committed."""


def run(ctx: Context) -> dict[str, Any]:
    announce(ctx, "run_started", {})
    results = []
    for name, source in sorted(ctx.config.sources.items()):
        results.append(ingest_source(ctx, name, source))
        crash_point("ingestion.between-sources")
    return {"stage": STAGE, "sources": results}


def ingest_source(ctx: Context, name: str, source: SourceConfig) -> dict[str, Any]:
    repaired = publish.repair(ctx, STAGE, "processed", only=name)
    done = ctx.state.committed_objects(name)
    arrived = [o for o in ctx.storage.list("raw", source.landing) if o.object_id not in done]
    pending, copies = arrived, []
    if source.on_identical_file == "skip":
        pending, copies = split_copies(arrived, done)
    earlier = {object_id.rsplit("#", 1)[0] for object_id in done}
    versions = [o.key for o in pending if o.key in earlier]
    superseded = {} if source.is_reference else earlier_batches(ctx, name, versions)
    summary = {
        "source": name,
        "files": len(pending),
        # What this run read, which `pipegen cost --lake` scales measured run times by.
        "bytes_in": sum(o.size for o in pending),
        "files_skipped_identical": len(copies),
        "files_new_versions": len(versions),
        "rows_in": 0,
        "rows_written": 0,
        "rows_quarantined": 0,
        # Whitespace-only lines: not rows, so neither written nor quarantined, but counted.
        "blank_lines_skipped": 0,
        "repaired_batches": repaired,
    }
    if not arrived:
        return summary
    batch = ctx.state.begin_batch(
        STAGE, publish.batch_id([o.object_id for o in arrived]), ctx.now(), {"name": name}
    )
    if pending:
        summary.update(_write_batch(ctx, name, source, pending, batch, copies, superseded))
    else:  # only re-sent files: bookmark them, so they are not considered again
        ctx.state.commit_batch(
            STAGE,
            batch.batch_id,
            {"name": name, "skipped": [o.key for o in copies], "only_skipped": True},
            [(name, o.object_id) for o in copies],
        )
    summary["batch_id"] = batch.batch_id
    _report(ctx, name, summary, copies, versions)
    return summary


def earlier_batches(ctx: Context, name: str, keys: list[str]) -> dict[str, list[str]]:
    """For each file that arrived again with new content: the committed batches that hold its
    earlier rows. The new batch records them as superseded; processing reads without them."""
    if not keys:
        return {}
    wanted = set(keys)
    found: dict[str, list[str]] = {}
    for batch in ctx.state.committed_batches(STAGE):
        if batch.info.get("name") != name:
            continue
        for key in {o.rsplit("#", 1)[0] for o in batch.info.get("objects", [])} & wanted:
            found.setdefault(key, []).append(batch.batch_id)
    return found


def split_copies(arrived: list, done: set[str]) -> tuple[list, list]:
    """Files to ingest, and files whose content is already in (a committed file's, or an
    earlier one's of this batch): an object's version is its content hash (ETag on S3)."""
    seen = {object_id.rsplit("#", 1)[1] for object_id in done}
    pending, copies = [], []
    for info in sorted(arrived, key=lambda o: o.key):
        (copies if info.version in seen else pending).append(info)
        seen.add(info.version)
    return pending, copies


def _write_batch(
    ctx: Context,
    name: str,
    source: SourceConfig,
    pending: list,
    batch: Any,
    copies: list,
    superseded: dict[str, list[str]],
) -> dict[str, Any]:
    from pyspark import StorageLevel

    clock = PhaseClock(f"ingestion {name}")
    raw = read_objects(ctx, source, pending)
    blank = blank_lines(ctx, raw, source.read)
    clock.lap("list, plan the read and count blank lines")
    table = ctx.catalog.get_table(name)
    types = target_types(raw, source.schema, table and table["columns"], source.read)
    listing = raw_catalog.plan(ctx, name, raw.layouts, batch.batch_id)
    with _uncompressed_cache(ctx.spark):
        rows = apply_schema(raw, types, source.read).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            counts = _stage_and_publish(
                ctx, name, source, pending, batch, rows, types, table, (copies, superseded, listing)
            )
        finally:
            rows.unpersist()
    return {**counts, "blank_lines_skipped": sum(blank.values()), **_raw_counts(listing)}


@contextmanager
def _uncompressed_cache(spark: Any) -> Iterator[None]:
    before = spark.conf.get(CACHE_COMPRESSION)
    spark.conf.set(CACHE_COMPRESSION, "false")
    try:
        yield
    finally:
        spark.conf.set(CACHE_COMPRESSION, before)


def _stage_and_publish(
    ctx, name, source, pending, batch, rows, types, table, earlier
) -> dict[str, Any]:
    copies, superseded, listing = earlier
    from pyspark.sql import functions as F

    clock = PhaseClock(f"ingestion {name}")
    per_file_in, rejected = _counts_and_rejected(rows)
    clock.lap("read, type and cache")
    if source.on_incompatible_schema == "fail":
        _fail_on_type_errors(rows, name)
    good, keys = _good_rows(rows, types, source, batch)
    bad = rows.filter(F.col(REASON) != "").select(
        F.col(SOURCE_FILE),
        F.col(REASON).alias("reason"),
        F.col("_raw").alias("raw"),
        F.lit(batch.batch_id).alias("_batch_id"),
    )
    prefix = publish.staging_prefix(name, batch.batch_id)
    ctx.storage.delete_prefix("processed", prefix)
    spread_over_cores(ctx, good, keys).write.mode("overwrite").partitionBy(*keys).parquet(
        ctx.storage.uri("processed", prefix + "data/")
    )
    clock.lap("write good rows")
    crash_point("ingestion.mid-write")
    if rejected:  # no Spark job (nor, on S3, an output commit) for an empty quarantine
        bad.write.mode("overwrite").json(ctx.storage.uri("processed", prefix + "quarantine/"))
        clock.lap("write quarantine")
    written, quarantined = _verify(ctx, prefix, per_file_in, name)
    clock.lap("verify by re-reading")
    pairs = _plan(ctx, name, source, prefix, batch.batch_id)
    info = {
        "name": name,
        "targets": [t for _, t in pairs],
        "objects": [o.object_id for o in pending],
        # In the raw zone; a repair deletes them with the targets.
        "raw_manifests": sorted(listing.manifests),
    }
    ctx.state.update_batch(STAGE, batch.batch_id, info)
    raw_catalog.write(ctx, listing, superseded)
    publish.move_all(ctx, "processed", pairs)
    ctx.storage.delete_prefix("processed", prefix)
    clock.lap(f"publish {len(pairs)} files")
    crash_point("ingestion.before-commit")
    counts = {
        "rows_in": sum(per_file_in.values()),
        "rows_written": written,
        "rows_quarantined": quarantined,
    }
    partitions = _partitions([t for _, t in pairs if not t.startswith(QUARANTINE)], keys)
    ctx.state.commit_batch(
        STAGE,
        batch.batch_id,
        {
            **info,
            **counts,
            "partitions": partitions,
            "skipped": [o.key for o in copies],
            "supersedes": superseded,
        },
        [(name, o.object_id) for o in [*pending, *copies]],
    )
    _after_commit(ctx, name, source, batch.batch_id, good, keys, partitions, table)
    raw_catalog.register(ctx, source, listing)
    clock.lap("commit and catalog")
    return counts


def _counts_and_rejected(rows: Any) -> tuple[dict[str, int], int]:
    """Rows per source file, and how many rows in all do not fit, in one pass over the cache."""
    from pyspark.sql import functions as F

    counted = rows.groupBy(SOURCE_FILE).agg(
        F.count(F.lit(1)).alias("count"), F.count(F.when(F.col(REASON) != "", 1)).alias("bad")
    )
    found = counted.collect()
    return {r[SOURCE_FILE]: r["count"] for r in found}, sum(r["bad"] for r in found)


def _counts(frame: Any) -> dict[str, int]:
    """Rows per source file, from persisted data (uncached counts of corrupt rows are wrong)."""
    return {r[SOURCE_FILE]: r["count"] for r in frame.groupBy(SOURCE_FILE).count().collect()}


def _fail_on_type_errors(rows: Any, name: str) -> None:
    from pyspark.sql import functions as F

    bad = rows.filter(F.col(REASON).contains("not a valid")).limit(1).collect()
    if bad:
        raise RuntimeError(
            f"source '{name}': {bad[0][REASON]} in {bad[0][SOURCE_FILE]} and "
            "on_incompatible_schema is 'fail'"
        )


def _good_rows(rows: Any, types: dict[str, str], source: SourceConfig, batch: Any):
    from pyspark.sql import functions as F

    good = rows.filter(F.col(REASON) == "").select(
        *[F.col(f"`{c}`") for c in types],
        F.lit(batch.batch_id).alias("_batch_id"),
        F.to_timestamp(F.lit(batch.started_at)).alias("_ingested_at"),
        F.col(SOURCE_FILE),
    )
    if source.is_reference:
        return good, []
    return add_partition_columns(good, source.partition_by)


def spread_over_cores(ctx: Context, frame: Any, keys: list[str]) -> Any:
    """A read of fewer splits than cores (one small file, one gzip file) would write all its
    partition folders from one task: each file costs a writer's setup, so spread them over the
    cores by partition key. A read of many splits writes from many tasks already (no shuffle)."""
    cores = ctx.spark.sparkContext.defaultParallelism
    if not keys or frame.rdd.getNumPartitions() >= cores:
        return frame
    return frame.repartition(cores, *keys)


def _verify(ctx: Context, prefix: str, per_file_in: dict[str, int], name: str) -> tuple[int, int]:
    """Re-read what was staged: per file, rows in must equal rows written + quarantined."""
    written = _staged_counts(ctx, prefix + "data/", "parquet")
    quarantined = _staged_counts(ctx, prefix + "quarantine/", "json")
    for file in sorted(set(per_file_in) | set(written) | set(quarantined)):
        got = written.get(file, 0) + quarantined.get(file, 0)
        if got != per_file_in.get(file, 0):
            raise ConservationError(
                f"source '{name}', file {file}: {per_file_in.get(file, 0)} "
                f"rows in, {written.get(file, 0)} written + "
                f"{quarantined.get(file, 0)} quarantined"
            )
    return sum(written.values()), sum(quarantined.values())


def _staged_counts(ctx: Context, prefix: str, fmt: str) -> dict[str, int]:
    suffix = ".parquet" if fmt == "parquet" else ".json"
    if not publish.staged_files(ctx, "processed", prefix, suffix):
        return {}
    frame = ctx.spark.read.format(fmt).load(ctx.storage.uri("processed", prefix))
    # Spark writes zero-byte part files for empty output; read back they have no columns.
    return _counts(frame) if SOURCE_FILE in frame.columns else {}


def _plan(ctx: Context, name: str, source: SourceConfig, prefix: str, batch: str) -> list[tuple]:
    data = publish.staged_files(ctx, "processed", prefix + "data/", ".parquet")
    table = f"{name}/batch={batch}/" if source.is_reference else f"{name}/"
    pairs = publish.plan_targets(data, prefix + "data/", table, batch)
    rejected = publish.staged_files(ctx, "processed", prefix + "quarantine/", ".json")
    return pairs + publish.plan_targets(
        rejected, prefix + "quarantine/", f"{QUARANTINE}{name}/batch={batch}/", batch
    )


def _partitions(targets: list[str], keys: list[str]) -> list[dict[str, str]]:
    """The batch's partitions, read off its file names (no pass over the data)."""
    if not keys:
        return []
    found = set()
    for key in targets:
        folders = partition_folders(key)
        if all(k in folders for k in keys):
            found.add(tuple(folders[k] for k in keys))
    return [dict(zip(keys, values, strict=True)) for values in sorted(found)]


def _after_commit(ctx, name, source, batch, good, keys, partitions, table) -> None:
    if source.is_reference:
        for old in ctx.storage.list("processed", f"{name}/"):
            if not old.key.startswith(f"{name}/batch={batch}/"):
                ctx.storage.delete("processed", old.key)
    known = {tuple(sorted(p.items())) for p in (table or {}).get("partitions", [])}
    fresh = [p for p in partitions if tuple(sorted(p.items())) not in known]
    columns = [{"name": c, "type": t} for c, t in good.dtypes if c not in keys]
    ctx.catalog.put_table(
        {
            "name": name,
            "zone": "processed",
            "location": ctx.storage.uri("processed", f"{name}/"),
            "columns": columns,
            "partition_keys": keys,
            "kind": source.kind,
            "partitions": sorted(
                (table or {}).get("partitions", []) + fresh, key=lambda p: [p[k] for k in keys]
            ),
            "metadata_columns": list(METADATA),
            "current_batch": batch if source.is_reference else None,
        }
    )


def _raw_counts(listing: raw_catalog.Listing) -> dict[str, Any]:
    counts: dict[str, Any] = {"raw_files_catalogued": listing.listed}
    if listing.left_out:
        counts["raw_files_not_catalogued"] = dict(sorted(listing.left_out.items()))
    return counts


def _left_out_text(name: str, left_out: dict[str, str]) -> str:
    shown = "; ".join(f"{key}: {why}" for key, why in list(left_out.items())[:5])
    table = raw_catalog.table_name(name)
    return f"{len(left_out)} file(s) of source '{name}' are not listed in table {table}: {shown}"


def _report(
    ctx: Context, name: str, summary: dict[str, Any], copies: list, versions: list[str]
) -> None:
    ctx.metrics.put("RowsRead", summary["rows_in"], Source=name)
    ctx.metrics.put("RowsWritten", summary["rows_written"], Source=name)
    ctx.metrics.put("RowsQuarantined", summary["rows_quarantined"], Source=name)
    ctx.metrics.put("FilesIngested", summary["files"], Source=name)
    notices = (
        (
            copies,
            "files skipped",
            f"{len(copies)} file(s) of source '{name}' hold content already ingested and were "
            f"skipped: {', '.join(o.key for o in copies[:10])}",
        ),
        (
            versions,
            "files changed after ingestion",
            f"{len(versions)} file(s) of source '{name}' arrived again with new content; "
            f"their new rows replace their earlier ones: {', '.join(versions[:10])}",
        ),
        (
            summary["blank_lines_skipped"],
            "blank lines skipped",
            f"{summary['blank_lines_skipped']} whitespace-only line(s) in the files of source "
            f"'{name}' were skipped: they hold no row",
        ),
        (
            summary.get("raw_files_not_catalogued"),
            "files not in the raw table",
            _left_out_text(name, summary.get("raw_files_not_catalogued", {})),
        ),
        (
            summary["rows_quarantined"],
            "rows quarantined",
            f"{summary['rows_quarantined']} of {summary['rows_in']} rows of source "
            f"'{name}' were quarantined",
        ),
    )
    for present, subject, text in notices:
        if present:
            ctx.notifier.send(
                f"pipegen {ctx.pipeline}: {subject}",
                text,
                source=name,
                batch=summary.get("batch_id"),
            )
