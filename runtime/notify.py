"""Notifications: SNS on AWS (when a topic is configured), a JSON-lines log locally."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


class Notifier(Protocol):
    def send(self, subject: str, message: str, **details: object) -> None: ...


class LogNotifier:
    def __init__(self, path: Path):
        self.path = path

    def send(self, subject: str, message: str, **details: object) -> None:
        record = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "subject": subject,
            "message": message,
            "details": details,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        print(f"pipegen notification: {subject}: {message}", file=sys.stderr)


class SnsNotifier:
    def __init__(self, topic_arn: str | None, client=None):
        import boto3

        self.topic_arn = topic_arn
        self.sns = client or boto3.client("sns") if topic_arn else None

    def send(self, subject: str, message: str, **details: object) -> None:
        print(f"pipegen notification: {subject}: {message}", file=sys.stderr)
        if self.sns is None:
            return
        body = json.dumps({"message": message, "details": details}, sort_keys=True, default=str)
        self.sns.publish(TopicArn=self.topic_arn, Subject=subject[:100], Message=body)
