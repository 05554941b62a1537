"""The landing function (AWS Lambda): an object lands -> landing check -> Glue workflow run.

EventBridge delivers S3 "Object Created" events under the sources' landing prefixes, and the
end of each workflow run. The function ships inline in the template: the compiler puts the text
of `typed_json.py`, `landing.py`, `messages.py` and `metrics.py` before this file's (dropping
the lines marked `inline-drop`), so the check it applies is the very code the local runner calls.

Idempotent per object version: an arrival is claimed in the run-state table with a conditional
write, so a redelivered event starts no second run. A claim lasts as long as one invocation may
run; a retry after a crash takes over the stale claim. Any AWS error is raised, so Lambda's
retries and then the failure queue apply. A file that arrives while a run is going waits
(`waiting`); the end of that run (success or failure) starts the next one for it.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

# One import per line: each carries the marker that drops it from the inline copy.
# isort: off
from .landing import REJECTED_PREFIX, SNIFF_BYTES, check_file  # inline-drop
from .landing import landing_rules, source_for_key  # inline-drop
from .messages import file_rejected  # inline-drop
from .metrics import CloudWatchMetrics  # inline-drop

# isort: on

ARRIVAL = "arrival"
# An arrival that waits for the running workflow run is filed under a stage of its own, so the
# end of the run finds exactly the waiting ones through the table's index, without a scan.
ARRIVAL_WAITING = "arrival-waiting"
STAGE_INDEX = "by-stage"  # runtime/state.py's index (this file ships without state.py)
EXPIRES_AT = "expires_at"
# A settled arrival (started or rejected) is kept this long to recognise a redelivered event
# (EventBridge retries for 24 hours), then DynamoDB's TTL deletes it.
SETTLED_KEEP_DAYS = 30
MISSING = ("404", "NoSuchKey", "NoSuchVersion", "NotFound")


class Landing:
    """One invocation's view of the pipeline: its sources, table, workflow and topic."""

    def __init__(self, env: dict[str, str], clients: dict[str, Any] | None = None):
        clients = clients or {}
        self.sources = landing_rules(json.loads(env["PIPEGEN_SOURCES"]))
        self.pipeline = env["PIPEGEN_PIPELINE"]
        self.environment = env["PIPEGEN_ENVIRONMENT"]
        self.workflow = env["PIPEGEN_WORKFLOW"]
        self.topic_arn = env["PIPEGEN_TOPIC_ARN"]
        self.claim_seconds = int(env.get("PIPEGEN_CLAIM_SECONDS", "900"))
        self.s3 = clients.get("s3") or boto3.client("s3")
        self.glue = clients.get("glue") or boto3.client("glue")
        self.sns = clients.get("sns") or boto3.client("sns")
        dynamodb = clients.get("dynamodb") or boto3.resource("dynamodb")
        self.runs = dynamodb.Table(env["PIPEGEN_RUN_STATE_TABLE"])
        self.metrics = CloudWatchMetrics(
            self.pipeline, self.environment, "landing", clients.get("cloudwatch")
        )

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("source") == "aws.s3":
            detail = event["detail"]
            obj = detail["object"]
            return self.arrived(detail["bucket"]["name"], obj["key"], obj.get("version-id"))
        if event.get("source") == "aws.glue":
            return self.drain(event.get("time"))
        return {"status": "ignored", "reason": "not an event this function handles"}

    def arrived(self, bucket: str, key: str, version: str | None) -> dict[str, Any]:
        key = self._real_key(bucket, key, version)
        name = source_for_key(key, self.sources)
        if name is None:
            return {"status": "ignored", "reason": f"{key} is under no landing prefix"}
        arrival_id = f"{ARRIVAL}#{key}#{version or 'null'}"
        if not self._claim(arrival_id, name, key, version):
            return {"status": "duplicate", "arrival_id": arrival_id}
        found = self._head(bucket, key, version)
        if found is None:
            return self._reject(arrival_id, name, bucket, key, version, None, "the object vanished")
        size, head = found
        verdict = check_file(key, size, head, self.sources[name])
        if not verdict.accepted:
            return self._reject(arrival_id, name, bucket, key, version, size, verdict.reason)
        return self._start([arrival_id], {"source": name, "key": key, "version": version or "null"})

    def drain(self, ended_at: str | None = None) -> dict[str, Any]:
        """Start one run for every arrival that waited while the last run was going.

        The end of a run's last job can arrive before Glue marks the run itself complete: if
        the workflow is still busy with a run that started before `ended_at`, that is the run
        now ending, so this raises and Lambda retries a little later. A run that started after
        it is a new one; its own end will drain the waiting arrivals.
        """
        waiting = self._waiting()
        if not waiting:
            return {"status": "idle"}
        result = self._start(waiting, {"source": "*", "key": "*", "version": "*"})
        if result["status"] == "waiting" and ended_at and self._ending_run(ended_at):
            raise RuntimeError(f"workflow {self.workflow} is still finishing its run; retry")
        return result

    # -- steps ---------------------------------------------------------------------------

    def _ending_run(self, ended_at: str) -> bool:
        """Whether a run of the workflow that started before `ended_at` is still going."""
        ended = datetime.fromisoformat(ended_at.replace("Z", "+00:00"))
        runs = self.glue.get_workflow_runs(Name=self.workflow, MaxResults=10)["Runs"]
        return any(r["Status"] == "RUNNING" and r["StartedOn"] <= ended for r in runs)

    def _real_key(self, bucket: str, key: str, version: str | None) -> str:
        """S3 event keys may arrive URL-encoded; use the form that exists."""
        decoded = urllib.parse.unquote_plus(key)
        if decoded == key or self._size(bucket, key, version) is not None:
            return key
        return decoded

    def _claim(self, arrival_id: str, source: str, key: str, version: str | None) -> bool:
        now = int(time.time())
        try:
            self.runs.put_item(
                Item={
                    "run_id": arrival_id,
                    "stage": ARRIVAL,
                    "status": "claimed",
                    "source": source,
                    "key": key,
                    "version": version or "null",
                    "claimed_until": now + self.claim_seconds,
                    "received_at": now,
                },
                ConditionExpression="attribute_not_exists(run_id) OR "
                "(#s = :claimed AND claimed_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":claimed": "claimed", ":now": now},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _size(self, bucket: str, key: str, version: str | None) -> int | None:
        try:
            return int(self.s3.head_object(**_where(bucket, key, version))["ContentLength"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] in MISSING:
                return None
            raise

    def _head(self, bucket: str, key: str, version: str | None) -> tuple[int, bytes] | None:
        """The object's size and first bytes, or None when it is gone."""
        size = self._size(bucket, key, version)
        if not size:
            return None if size is None else (0, b"")
        where = _where(bucket, key, version)
        try:
            body = self.s3.get_object(**where, Range=f"bytes=0-{SNIFF_BYTES - 1}")["Body"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in MISSING:
                return None
            raise
        return size, body.read()

    def _reject(
        self,
        arrival_id: str,
        source: str,
        bucket: str,
        key: str,
        version: str | None,
        size: int | None,
        reason: str,
    ) -> dict[str, Any]:
        target = REJECTED_PREFIX + key
        if size is not None:
            self.s3.copy_object(
                Bucket=bucket,
                Key=target,
                CopySource=_where(bucket, key, version),
                Metadata={"pipegen-reason": reason.encode("ascii", "replace").decode()[:1024]},
                MetadataDirective="REPLACE",
            )
            record = {"key": key, "version": version, "reason": reason}
            self.s3.put_object(
                Bucket=bucket,
                Key=target + ".reason.json",
                Body=(json.dumps(record, sort_keys=True) + "\n").encode(),
            )
            # A delete marker, not a version delete: the original stays until lifecycle expiry.
            self.s3.delete_object(Bucket=bucket, Key=key)
        self._set(arrival_id, "rejected", reason=reason)
        moved_to = target if size is not None else "(nothing to move)"
        self.sns.publish(
            TopicArn=self.topic_arn,
            Subject=f"pipegen {self.pipeline}/{self.environment}: file rejected"[:100],
            Message=file_rejected(self.pipeline, self.environment, source, key, reason, moved_to),
        )
        self.metrics.put("FilesRejected", 1, Source=source)
        self.metrics.flush()
        return {"status": "rejected", "arrival_id": arrival_id, "reason": reason}

    def _start(self, arrival_ids: list[str], properties: dict[str, str]) -> dict[str, Any]:
        try:
            run = self.glue.start_workflow_run(
                Name=self.workflow,
                RunProperties={**properties, "arrivals": str(len(arrival_ids))},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConcurrentRunsExceededException":
                raise
            for arrival_id in arrival_ids:
                self._set(arrival_id, "waiting")
            return {"status": "waiting", "arrival_ids": arrival_ids}
        for arrival_id in arrival_ids:
            self._set(arrival_id, "started", workflow_run_id=run["RunId"])
        return {"status": "started", "run_id": run["RunId"], "arrival_ids": arrival_ids}

    def _set(self, arrival_id: str, status: str, **fields: Any) -> None:
        fields["stage"] = ARRIVAL_WAITING if status == "waiting" else ARRIVAL
        if status != "waiting":
            fields[EXPIRES_AT] = int(time.time()) + SETTLED_KEEP_DAYS * 86400
        names = {"#s": "status", **{f"#{k}": k for k in fields}}
        values = {":s": status, **{f":{k}": v for k, v in fields.items()}}
        assignments = ", ".join(["#s = :s", *(f"#{k} = :{k}" for k in fields)])
        self.runs.update_item(
            Key={"run_id": arrival_id},
            UpdateExpression=f"SET {assignments}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def _waiting(self) -> list[str]:
        items, kwargs = (
            [],
            {
                "IndexName": STAGE_INDEX,
                "KeyConditionExpression": "#st = :w",
                "ExpressionAttributeNames": {"#st": "stage"},
                "ExpressionAttributeValues": {":w": ARRIVAL_WAITING},
            },
        )
        while True:
            page = self.runs.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return sorted(i["run_id"] for i in items)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _where(bucket: str, key: str, version: str | None) -> dict[str, str]:
    """Bucket, Key and, when S3 gave one, VersionId: the exact object the event is about."""
    return {"Bucket": bucket, "Key": key, **({"VersionId": version} if version else {})}


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    result = Landing(dict(os.environ)).handle(event)
    print(json.dumps(result, sort_keys=True))
    return result
