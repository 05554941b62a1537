"""Metrics: CloudWatch on AWS, a JSON-lines file locally; same names, same dimensions.

Namespace `pipegen`; dimensions Pipeline, Environment, Job, and Source or Table where the
metric is about one dataset. The stack's alarms and dashboard are built from exactly these
names and from PUBLISHED below.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

NAMESPACE = "pipegen"
METRIC_NAMES = (
    "RowsRead",
    "RowsWritten",
    "RowsQuarantined",
    "FilesIngested",
    "FilesRejected",
    "DurationSeconds",
    "QualityScore",
    "RulesFailed",
)

# Which job publishes each metric, and the dataset dimension it adds (Source or Table). The
# compiler builds alarms and dashboards from this table; tests hold the runtime to it.
PUBLISHED: dict[str, tuple[str, str | None]] = {
    "RowsRead": ("ingestion", "Source"),
    "RowsWritten": ("ingestion", "Source"),
    "RowsQuarantined": ("ingestion", "Source"),
    "FilesIngested": ("ingestion", "Source"),
    "FilesRejected": ("landing", "Source"),
    "QualityScore": ("quality", "Table"),
    "RulesFailed": ("quality", "Table"),
}


class Metrics(Protocol):
    def put(self, name: str, value: float, unit: str = "Count", **dimensions: str) -> None: ...
    def flush(self) -> None: ...


class _Base:
    def __init__(self, pipeline: str, env: str, job: str):
        self.common = {"Pipeline": pipeline, "Environment": env, "Job": job}
        self.pending: list[dict] = []

    def put(self, name: str, value: float, unit: str = "Count", **dimensions: str) -> None:
        if name not in METRIC_NAMES:
            raise ValueError(f"unknown metric {name!r}")
        self.pending.append(
            {
                "name": name,
                "value": float(value),
                "unit": unit,
                "dimensions": {**self.common, **dimensions},
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )


class JsonLinesMetrics(_Base):
    def __init__(self, path: Path, pipeline: str, env: str, job: str):
        super().__init__(pipeline, env, job)
        self.path = path

    def flush(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            for item in self.pending:
                handle.write(json.dumps(item, sort_keys=True) + "\n")
        self.pending.clear()


class CloudWatchMetrics(_Base):
    def __init__(self, pipeline: str, env: str, job: str, client=None):
        import boto3

        super().__init__(pipeline, env, job)
        self.cloudwatch = client or boto3.client("cloudwatch")

    def flush(self) -> None:
        data = [
            {
                "MetricName": m["name"],
                "Value": m["value"],
                "Unit": m["unit"],
                "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(m["dimensions"].items())],
            }
            for m in self.pending
        ]
        for start in range(0, len(data), 500):
            self.cloudwatch.put_metric_data(
                Namespace=NAMESPACE, MetricData=data[start : start + 500]
            )
        self.pending.clear()
