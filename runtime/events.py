"""Events the runtime announces: EventBridge on AWS, a JSON-lines file plus the matching
notification locally (the local twin of an EventBridge rule with an SNS target)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from .messages import EVENT_SOURCE, QUALITY, QUALITY_ALERT_OUTCOMES, QUALITY_RESULT, render
from .notify import Notifier


class Events(Protocol):
    def emit(self, detail_type: str, detail: dict[str, Any]) -> None: ...


def quality_alert(detail: dict[str, Any]) -> str | None:
    """The message the quality-result rule sends for this event, or None if it does not match."""
    if detail.get("outcome") not in QUALITY_ALERT_OUTCOMES:
        return None
    return render(QUALITY, detail)


class LocalEvents:
    def __init__(self, path: Path, notifier: Notifier):
        self.path = path
        self.notifier = notifier

    def emit(self, detail_type: str, detail: dict[str, Any]) -> None:
        record = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": EVENT_SOURCE,
            "detail-type": detail_type,
            "detail": detail,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        message = quality_alert(detail) if detail_type == QUALITY_RESULT else None
        if message:
            subject = f"pipegen {detail['pipeline']}: quality {detail['outcome']}"
            self.notifier.send(subject, message)


class EventBridgeEvents:
    def __init__(self, client=None):
        import boto3

        self.events = client or boto3.client("events")

    def emit(self, detail_type: str, detail: dict[str, Any]) -> None:
        entry = {
            "Source": EVENT_SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(detail, sort_keys=True, default=str),
        }
        response = self.events.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge refused the {detail_type} event: {response}")
