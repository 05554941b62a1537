"""Events the runtime announces: EventBridge on AWS, a JSON-lines file plus the matching
notification locally (the local twin of an EventBridge rule with an SNS target).

Opt-in notices (run started, run succeeded) are events too: on AWS a rule per notice kind sends
the sentence to that kind's topic; locally the same sentence goes to the notifications log,
addressed to that kind's addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .messages import (
    EVENT_SOURCE,
    NOTICES,
    QUALITY,
    QUALITY_ALERT_OUTCOMES,
    QUALITY_RESULT,
    render,
)
from .notify import Notifier

if TYPE_CHECKING:
    from .context import Context


class Events(Protocol):
    def emit(self, detail_type: str, detail: dict[str, Any]) -> None: ...


def quality_alert(detail: dict[str, Any]) -> str | None:
    """The message the quality-result rule sends for this event, or None if it does not match."""
    if detail.get("outcome") not in QUALITY_ALERT_OUTCOMES:
        return None
    return render(QUALITY, detail)


def announce(ctx: Context, kind: str, detail: dict[str, Any]) -> None:
    """A notice of a run, when the spec opted into this kind (`alerts.notices`)."""
    if kind not in ctx.config.notices:
        return
    detail_type, _ = NOTICES[kind]
    header = {"pipeline": ctx.pipeline, "environment": ctx.config.environment, "run": ctx.run_id}
    ctx.events.emit(detail_type, {**header, **detail})


def event_time(at: datetime) -> str:
    """An event's time as EventBridge writes it (`$.time`): the notices quote it."""
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class LocalEvents:
    def __init__(
        self, path: Path, notifier: Notifier, notices: dict[str, tuple[str, ...]] | None = None
    ):
        self.path = path
        self.notifier = notifier
        self.notices = notices or {}

    def emit(self, detail_type: str, detail: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        record = {
            "at": now.isoformat(timespec="seconds"),
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
        for kind, (notice_type, template) in NOTICES.items():
            if detail_type == notice_type and kind in self.notices:
                text = render(template, {**detail, "time": event_time(now)})
                subject = f"pipegen {detail['pipeline']}: {kind.replace('_', ' ')}"
                self.notifier.send(subject, text, to=list(self.notices[kind]))


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
