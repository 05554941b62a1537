"""State: batches (pending -> committed | aborted), file bookmarks and quality history.

DynamoDB on AWS, one SQLite file locally. A batch's commit is the single point at which its
output and its bookmarks become real: bookmarks of a batch that never committed do not count,
so a crash anywhere before the commit leaves nothing that a rerun would skip.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# The run-state table's index by stage, and the attribute DynamoDB's TTL expires items by; the
# compiler builds the table from these (builders/dynamodb.py).
STAGE_INDEX = "by-stage"
EXPIRES_AT = "expires_at"
# An aborted batch is kept this long (for whoever investigates the crash), then expires.
ABORTED_KEEP_DAYS = 30


class StateFileError(Exception):
    """The state file exists but cannot be read: say which file, never guess its content."""

    hint = (
        "move the file aside and rerun to start the lake's state afresh (files already "
        "ingested would be ingested again), or restore it from a backup"
    )


@dataclass(frozen=True)
class Batch:
    stage: str
    batch_id: str
    status: str
    started_at: str
    info: dict[str, Any] = field(default_factory=dict)
    committed_seq: int = 0


class StateStore(Protocol):
    def committed_objects(self, source: str) -> set[str]: ...
    def begin_batch(
        self, stage: str, batch_id: str, started_at: str, info: dict[str, Any]
    ) -> Batch: ...
    def update_batch(self, stage: str, batch_id: str, info: dict[str, Any]) -> None: ...
    def pending_batches(self, stage: str) -> list[Batch]: ...
    def committed_batches(self, stage: str) -> list[Batch]: ...
    def commit_batch(
        self, stage: str, batch_id: str, info: dict[str, Any], bookmarks: list[tuple[str, str]]
    ) -> None: ...
    def abort_batch(self, stage: str, batch_id: str) -> None: ...
    def record_quality(self, table: str, run_at: str, result: dict[str, Any]) -> None: ...
    def quality_history(self, table: str, limit: int) -> list[dict[str, Any]]: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    stage TEXT NOT NULL, batch_id TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL,
    info TEXT NOT NULL, committed_seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (stage, batch_id));
CREATE TABLE IF NOT EXISTS bookmarks (
    source TEXT NOT NULL, object_id TEXT NOT NULL, batch_id TEXT NOT NULL,
    PRIMARY KEY (source, object_id));
CREATE TABLE IF NOT EXISTS quality_history (
    tbl TEXT NOT NULL, run_at TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY (tbl, run_at));
"""


class SqliteState:
    """The local state store: one SQLite file, every change in one transaction."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StateFileError(f"the state file {path} is damaged: {exc}") from None

    def _batches(self, where: str, *args: Any) -> list[Batch]:
        rows = self.db.execute(
            "SELECT stage, batch_id, status, started_at, info, committed_seq FROM batches "
            f"WHERE {where} ORDER BY committed_seq, started_at, batch_id",
            args,
        )
        return [Batch(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def committed_objects(self, source: str) -> set[str]:
        rows = self.db.execute(
            "SELECT b.object_id FROM bookmarks b JOIN batches t ON t.batch_id = b.batch_id "
            "AND t.stage = 'ingestion' WHERE b.source = ? AND t.status = 'committed'",
            (source,),
        )
        return {r[0] for r in rows}

    def begin_batch(
        self, stage: str, batch_id: str, started_at: str, info: dict[str, Any]
    ) -> Batch:
        self.db.execute(
            "INSERT OR IGNORE INTO batches (stage, batch_id, status, started_at, "
            "info) VALUES (?, ?, 'pending', ?, ?)",
            (stage, batch_id, started_at, json.dumps(info, sort_keys=True)),
        )
        self.db.execute(
            "UPDATE batches SET status = 'pending' WHERE stage = ? AND "
            "batch_id = ? AND status = 'aborted'",
            (stage, batch_id),
        )
        return self._batches("stage = ? AND batch_id = ?", stage, batch_id)[0]

    def update_batch(self, stage: str, batch_id: str, info: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE batches SET info = ? WHERE stage = ? AND batch_id = ?",
            (json.dumps(info, sort_keys=True), stage, batch_id),
        )

    def pending_batches(self, stage: str) -> list[Batch]:
        return self._batches("stage = ? AND status = 'pending'", stage)

    def committed_batches(self, stage: str) -> list[Batch]:
        return self._batches("stage = ? AND status = 'committed'", stage)

    def commit_batch(
        self, stage: str, batch_id: str, info: dict[str, Any], bookmarks: list[tuple[str, str]]
    ) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            seq = self.db.execute(
                "SELECT COALESCE(MAX(committed_seq), 0) + 1 FROM batches WHERE stage = ?", (stage,)
            ).fetchone()[0]
            self.db.executemany(
                "INSERT OR REPLACE INTO bookmarks VALUES (?, ?, ?)",
                [(s, o, batch_id) for s, o in bookmarks],
            )
            self.db.execute(
                "UPDATE batches SET status = 'committed', info = ?, "
                "committed_seq = ? WHERE stage = ? AND batch_id = ?",
                (json.dumps(info, sort_keys=True), seq, stage, batch_id),
            )

    def abort_batch(self, stage: str, batch_id: str) -> None:
        self.db.execute(
            "UPDATE batches SET status = 'aborted' WHERE stage = ? AND "
            "batch_id = ? AND status = 'pending'",
            (stage, batch_id),
        )

    def record_quality(self, table: str, run_at: str, result: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO quality_history VALUES (?, ?, ?)",
            (table, run_at, json.dumps(result, sort_keys=True)),
        )

    def quality_history(self, table: str, limit: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT result FROM quality_history WHERE tbl = ? ORDER BY run_at DESC LIMIT ?",
            (table, limit),
        )
        return [json.loads(r[0]) for r in rows][::-1]


class DynamoState:
    """The AWS state store: run-state (batches), file-bookmarks and quality-history tables.

    Batches are read by stage through the run-state table's index, never by a scan; an aborted
    batch gets an expiry time (DynamoDB's TTL deletes it), so reads stay proportional to the
    batches that matter.
    """

    def __init__(self, run_table: str, bookmark_table: str, quality_table: str, resource=None):
        import boto3

        dynamodb = resource or boto3.resource("dynamodb")
        self.runs = dynamodb.Table(run_table)
        self.bookmarks = dynamodb.Table(bookmark_table)
        self.quality = dynamodb.Table(quality_table)

    @staticmethod
    def _run_id(stage: str, batch_id: str) -> str:
        return f"{stage}#{batch_id}"

    def _all_batches(self, stage: str) -> list[Batch]:
        from boto3.dynamodb.conditions import Key

        items = _query_all(
            self.runs, IndexName=STAGE_INDEX, KeyConditionExpression=Key("stage").eq(stage)
        )
        batches = [
            Batch(
                i["stage"],
                i["batch_id"],
                i["status"],
                i["started_at"],
                json.loads(i["info"]),
                int(i.get("committed_seq", 0)),
            )
            for i in items
        ]
        return sorted(batches, key=lambda b: (b.committed_seq, b.started_at, b.batch_id))

    def committed_objects(self, source: str) -> set[str]:
        from boto3.dynamodb.conditions import Key

        committed = {b.batch_id for b in self.committed_batches("ingestion")}
        items = _query_all(self.bookmarks, KeyConditionExpression=Key("source").eq(source))
        return {i["object_id"] for i in items if i["batch_id"] in committed}

    def begin_batch(
        self, stage: str, batch_id: str, started_at: str, info: dict[str, Any]
    ) -> Batch:
        key = {"run_id": self._run_id(stage, batch_id)}
        existing = self.runs.get_item(Key=key, ConsistentRead=True).get("Item")
        if existing is None:
            self.runs.put_item(
                Item={
                    **key,
                    "stage": stage,
                    "batch_id": batch_id,
                    "status": "pending",
                    "started_at": started_at,
                    "info": json.dumps(info, sort_keys=True),
                }
            )
            return Batch(stage, batch_id, "pending", started_at, info)
        if existing["status"] == "aborted":
            self.runs.update_item(
                Key=key,
                UpdateExpression="SET #s = :p REMOVE #e",
                ExpressionAttributeNames={"#s": "status", "#e": EXPIRES_AT},
                ExpressionAttributeValues={":p": "pending"},
            )
        return Batch(
            stage,
            batch_id,
            "pending" if existing["status"] == "aborted" else existing["status"],
            existing["started_at"],
            json.loads(existing["info"]),
        )

    def update_batch(self, stage: str, batch_id: str, info: dict[str, Any]) -> None:
        self.runs.update_item(
            Key={"run_id": self._run_id(stage, batch_id)},
            UpdateExpression="SET info = :i",
            ExpressionAttributeValues={":i": json.dumps(info, sort_keys=True)},
        )

    def pending_batches(self, stage: str) -> list[Batch]:
        return [b for b in self._all_batches(stage) if b.status == "pending"]

    def committed_batches(self, stage: str) -> list[Batch]:
        return [b for b in self._all_batches(stage) if b.status == "committed"]

    def commit_batch(
        self, stage: str, batch_id: str, info: dict[str, Any], bookmarks: list[tuple[str, str]]
    ) -> None:
        # Bookmarks first: they count only once the batch record below says committed.
        with self.bookmarks.batch_writer() as writer:
            for source, object_id in bookmarks:
                writer.put_item(
                    Item={"source": source, "object_id": object_id, "batch_id": batch_id}
                )
        seq = max([b.committed_seq for b in self.committed_batches(stage)] + [0]) + 1
        self.runs.update_item(
            Key={"run_id": self._run_id(stage, batch_id)},
            UpdateExpression="SET #s = :c, info = :i, committed_seq = :q",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":c": "committed",
                ":q": seq,
                ":i": json.dumps(info, sort_keys=True),
            },
        )

    def abort_batch(self, stage: str, batch_id: str) -> None:
        expires = int(time.time()) + ABORTED_KEEP_DAYS * 86400
        self.runs.update_item(
            Key={"run_id": self._run_id(stage, batch_id)},
            UpdateExpression="SET #s = :a, #e = :e",
            ExpressionAttributeNames={"#s": "status", "#e": EXPIRES_AT},
            ExpressionAttributeValues={":a": "aborted", ":e": expires},
        )

    def record_quality(self, table: str, run_at: str, result: dict[str, Any]) -> None:
        self.quality.put_item(
            Item={"table": table, "run_at": run_at, "result": json.dumps(result, sort_keys=True)}
        )

    def quality_history(self, table: str, limit: int) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        page = self.quality.query(
            KeyConditionExpression=Key("table").eq(table), ScanIndexForward=False, Limit=limit
        )
        return [json.loads(i["result"]) for i in page["Items"]][::-1]


def _query_all(table: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item a query returns, across pages."""
    items = []
    while True:
        page = table.query(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
