"""Spec model for `budget`: the stack's cost budget and anomaly alert, and the usage figures
`pipegen cost` estimates from."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Model

Usd = Annotated[float, Field(gt=0, le=10_000_000)]
Minutes = Annotated[float, Field(gt=0, le=2880)]
DEFAULT_JOB_MINUTES = 10.0


class JobMinutes(Model):
    """Minutes a run of each job takes, when the jobs differ."""

    ingestion: Minutes
    processing: Minutes
    quality: Minutes


class Expected(Model):
    """What a month is expected to bring; the estimate says which figures were assumed."""

    # File arrivals that each start a workflow run, on top of the scheduled runs.
    arrivals_per_month: Annotated[int, Field(ge=0, le=100_000)] = 0
    # Minutes a run of each job is expected to take (Glue bills per second, one minute minimum):
    # one figure for every job, or one per job. Measured runs replace it (`pipegen cost --lake`).
    job_minutes: Minutes | JobMinutes = DEFAULT_JOB_MINUTES
    # Data arriving per run, which sizes S3, logs and the cost per GB.
    gb_per_run: Annotated[float, Field(ge=0, le=1_000_000)] = 1.0

    def minutes_for(self, job: str) -> float:
        if isinstance(self.job_minutes, JobMinutes):
            return getattr(self.job_minutes, job)
        return self.job_minutes


class Budget(Model):
    monthly_usd: Usd
    # Alerts at these shares of the budget, for actual and for forecasted spend.
    notify_at_pct: Annotated[
        list[Annotated[float, Field(gt=0, le=1000)]], Field(min_length=1, max_length=5)
    ] = [50.0, 80.0, 100.0]
    # Cost anomalies of at least this many dollars are reported to the topic.
    anomaly_usd: Usd = 20.0
    expected: Expected = Expected()
