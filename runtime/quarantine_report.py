"""The quarantine, per source, for the quality report: how many rows each source's new
ingestion batches set aside, why (the commonest reasons first), and a few of the raw lines.

"New" is every ingestion batch the checked processing batch read that the last checked one
did not: what arrived since the last report. The counts are the ones ingestion committed
(what the console printed); the reasons and samples are read from the quarantine files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .ingest import QUARANTINE
from .readers import SOURCE_FILE

if TYPE_CHECKING:
    from .context import Context

TOP_REASONS = 10
SAMPLE_LINES = 5


def since_last_check(ctx: Context, processing: Any, checked_before: list[Any]) -> dict[str, Any]:
    earlier = {i for b in checked_before for i in b.info.get("inputs", [])}
    new = set(processing.info.get("inputs", [])) - earlier
    by_source: dict[str, Any] = {}
    for batch in ctx.state.committed_batches("ingestion"):
        if batch.batch_id not in new or batch.info.get("only_skipped"):
            continue
        name = batch.info["name"]
        entry = by_source.setdefault(
            name, {"rows_in": 0, "rows_quarantined": 0, "batches": [], "reasons": [], "samples": []}
        )
        entry["rows_in"] += int(batch.info.get("rows_in", 0))
        entry["rows_quarantined"] += int(batch.info.get("rows_quarantined", 0))
        if batch.info.get("rows_quarantined"):
            entry["batches"].append(batch.batch_id)
    for name, entry in by_source.items():
        if entry["batches"]:
            _read_reasons(ctx, name, entry)
    return dict(sorted(by_source.items()))


def _read_reasons(ctx: Context, source: str, entry: dict[str, Any]) -> None:
    from pyspark.sql import functions as F

    paths = [
        ctx.storage.uri("processed", f"{QUARANTINE}{source}/batch={b}/") for b in entry["batches"]
    ]
    rows = ctx.spark.read.json(paths)
    counts = rows.groupBy("reason").count().orderBy(F.desc("count"), "reason").collect()
    entry["reasons"] = [{"reason": r["reason"], "rows": r["count"]} for r in counts[:TOP_REASONS]]
    entry["other_reasons"] = len(counts) - len(entry["reasons"])
    entry["samples"] = [
        {"file": r[SOURCE_FILE], "reason": r["reason"], "raw": r["raw"]}
        for r in rows.orderBy(SOURCE_FILE, "reason").limit(SAMPLE_LINES).collect()
    ]
    entry["location"] = ctx.storage.uri("processed", f"{QUARANTINE}{source}/")
