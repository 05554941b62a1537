"""The local lake's layout: where the local home keeps what AWS keeps in its services.

One owner for these paths; the jobs, the local runner and `pipegen watch` all ask here.
Zones are folders of the same names as the buckets (`<lake>/raw`, `<lake>/processed`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LakeLayout:
    root: Path

    @property
    def state_file(self) -> Path:
        """Run state, bookmarks and quality history (DynamoDB on AWS)."""
        return self.root / "_state" / "state.sqlite"

    @property
    def run_lock(self) -> Path:
        """Who is running on this lake: one run at a time (the workflow's MaxConcurrentRuns)."""
        return self.root / "_state" / "run.lock"

    def catalog_folder(self, database: str) -> Path:
        """One JSON file per table (the Glue Data Catalog on AWS)."""
        return self.root / "_catalog" / database

    @property
    def metrics_file(self) -> Path:
        """Metric data points (CloudWatch on AWS)."""
        return self.root / "_metrics" / "metrics.jsonl"

    @property
    def notifications_file(self) -> Path:
        """Notices (the SNS topic on AWS)."""
        return self.root / "_notifications.jsonl"

    @property
    def events_file(self) -> Path:
        """Events the jobs announce (EventBridge on AWS)."""
        return self.root / "_events.jsonl"

    def run_summary(self, run_id: str, stage: str) -> Path:
        """A job's summary, which the local runner reads (Glue's log on AWS)."""
        return self.root / "_runs" / run_id / f"{stage}.json"

    def run_log(self, run_id: str, stage: str) -> Path:
        return self.root / "_runs" / run_id / f"{stage}.log"
