"""Events the AWS home produces as the services it plays, and where the deployed rules send them.

S3 announces each object in a landing prefix ("Object Created"), Glue each job run's end ("Glue
Job State Change"), in the shapes those services use. Which rules match is the endpoint's
answer (TestEventPattern against each deployed rule's pattern). A match with the function as
target becomes an invocation this machine plays; a match with other targets (the alert topic)
is delivered by the endpoint's EventBridge, so the event is put on its bus.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from .deployed import DeployedStack


def _envelope(stack: DeployedStack, source: str, detail_type: str, detail: dict) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": stack.account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": stack.region,
        "resources": [],
        "detail": detail,
    }


def object_created(stack: DeployedStack, obj: dict[str, Any]) -> dict[str, Any]:
    """The event S3 sends EventBridge for an object (a version of a versioned bucket)."""
    detail = {
        "version": "0",
        "bucket": {"name": stack.raw_bucket},
        "object": {
            "key": obj["Key"],
            "size": obj["Size"],
            "etag": obj["ETag"].strip('"'),
            **({"version-id": obj["VersionId"]} if obj.get("VersionId") else {}),
        },
        "reason": "PutObject",
    }
    event = _envelope(stack, "aws.s3", "Object Created", detail)
    event["resources"] = [f"arn:aws:s3:::{stack.raw_bucket}"]
    return event


def job_state_change(stack: DeployedStack, job: str, run_id: str, state: str, message: str):
    """The event Glue sends when a job run ends."""
    detail = {
        "jobName": job,
        "severity": "INFO" if state == "SUCCEEDED" else "ERROR",
        "state": state,
        "jobRunId": run_id,
        "message": message[:2048],
    }
    return _envelope(stack, "aws.glue", "Glue Job State Change", detail)


class Router:
    """Which deployed rules an event matches, asked of the endpoint."""

    def __init__(self, aws: Any, stack: DeployedStack):
        self.events = aws.client("events")
        self.stack = stack

    def to_function(self, event: dict[str, Any]) -> bool:
        return any(r.to_function and self._matches(r.pattern, event) for r in self.stack.rules)

    def announce(self, event: dict[str, Any]) -> None:
        """Put the event on the bus when a rule routes it elsewhere than the function."""
        if any(r.to_others and self._matches(r.pattern, event) for r in self.stack.rules):
            self.events.put_events(
                Entries=[
                    {
                        "Source": event["source"],
                        "DetailType": event["detail-type"],
                        "Detail": json.dumps(event["detail"]),
                    }
                ]
            )

    def _matches(self, pattern: str, event: dict[str, Any]) -> bool:
        found = self.events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))
        return bool(found["Result"])
