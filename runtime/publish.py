"""Publishing a batch so that a crash at any point, followed by a rerun, leaves the same output
as an uninterrupted run.

1. Spark writes the batch to `_staging/<batch>/` (never a static overwrite of live data).
2. The staged output is re-read and checked (rows in = rows written + rows quarantined).
3. The target key of every staged file is recorded in the pending batch (the plan).
4. Files are moved to their targets; every target name carries the batch ID.
5. The batch is committed in the state store: the one point where it becomes real.

A rerun first repairs: for each batch still pending, it deletes the planned targets and the
staging folder and marks the batch aborted. Readers only ever read committed batches.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Context

STAGING = "_staging/"


def batch_id(object_ids: list[str]) -> str:
    """Deterministic: the same pending files always form the same batch."""
    digest = hashlib.sha256("\n".join(sorted(object_ids)).encode()).hexdigest()
    return digest[:16]


def staging_prefix(name: str, batch: str) -> str:
    return f"{STAGING}{name}/{batch}/"


def repair(ctx: Context, stage: str, zone: str, only: str | None = None) -> list[str]:
    """Undo every pending (crashed) batch of a stage; returns the batch IDs cleaned."""
    cleaned = []
    for batch in ctx.state.pending_batches(stage):
        if only is not None and batch.info.get("name") != only:
            continue
        for key in batch.info.get("targets", []):
            ctx.storage.delete(zone, key)
        for key in batch.info.get("raw_manifests", []):  # ingestion's, runtime/raw_catalog.py
            ctx.storage.delete("raw", key)
        ctx.storage.delete_prefix(zone, staging_prefix(batch.info.get("name", ""), batch.batch_id))
        ctx.state.abort_batch(stage, batch.batch_id)
        cleaned.append(batch.batch_id)
    return cleaned


def staged_files(ctx: Context, zone: str, prefix: str, suffix: str) -> list[str]:
    """Data files Spark wrote under a staging prefix (not _SUCCESS, not checksums)."""
    return [
        o.key
        for o in ctx.storage.list(zone, prefix)
        if o.key.endswith(suffix)
        and o.size > 0
        and "/." not in o.key
        and "/_" not in o.key[len(prefix) :]
    ]


def plan_targets(staged: list[str], prefix: str, table_prefix: str, batch: str) -> list[tuple]:
    """(staged key, target key) pairs; partition folders kept, file names made from the batch."""
    pairs = []
    for index, key in enumerate(sorted(staged)):
        relative = key[len(prefix) :]
        folder, _, name = relative.rpartition("/")
        extension = name[name.index(".") :] if "." in name else ""
        target = f"{table_prefix}{folder + '/' if folder else ''}part-{batch}-{index:05d}"
        pairs.append((key, target + extension))
    return pairs


def move_all(ctx: Context, zone: str, pairs: list[tuple]) -> None:
    for staged, target in pairs:
        ctx.storage.move(zone, staged, zone, target)
