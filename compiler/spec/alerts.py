"""Spec model for `alerts`: who is told, and the thresholds of the stack's alarms."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from pipegen_runtime.messages import NOTICES

from .base import Model

# Deliberately plain: SNS confirms the address by mail; this only keeps out what is plainly not one.
Email = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}$")
]
Pct = Annotated[float, Field(gt=0, le=100)]
# Runs that went well, told only to whoever asks (each notice kind has its own SNS topic); the
# kinds are the runtime's (`messages.NOTICES`).
Notice = Literal[tuple(NOTICES)]  # type: ignore[valid-type]
Addresses = Annotated[list[Email], Field(min_length=1, max_length=10)]


class JobDuration(Model):
    """Alarm when a job has run for this share of its timeout (warn first, then alarm)."""

    warn_pct: Pct = 50.0
    alarm_pct: Pct = 75.0

    @model_validator(mode="after")
    def _ordered(self) -> JobDuration:
        if self.warn_pct >= self.alarm_pct:
            raise ValueError("warn_pct must be below alarm_pct")
        return self


class WorkerUtilization(Model):
    """Alarm when a job keeps its workers busy (under-provisioned: give it more) or idle
    (money wasted: give it fewer) for `minutes` in a row, from Glue's observability metrics."""

    high_pct: Pct = 90.0
    low_pct: Pct = 25.0
    minutes: Annotated[int, Field(ge=1, le=60)] = 10

    @model_validator(mode="after")
    def _ordered(self) -> WorkerUtilization:
        if self.low_pct >= self.high_pct:
            raise ValueError("low_pct must be below high_pct")
        return self


class LandingFunction(Model):
    """The function that checks each arriving file and starts the workflow."""

    reserved_concurrency: Annotated[int, Field(ge=1, le=100)] = 2
    timeout_seconds: Annotated[int, Field(ge=10, le=900)] = 60
    max_retries: Annotated[int, Field(ge=0, le=2)] = 2


class Alerts(Model):
    # At most 10: AWS Budgets takes 10 email subscribers per notification.
    email: Annotated[list[Email], Field(max_length=10)] = []
    # Opt-in: which notices of runs reach which addresses (none by default).
    notices: dict[Notice, Addresses] = {}
    job_duration: JobDuration = JobDuration()
    worker_utilization: WorkerUtilization = WorkerUtilization()
    # Rows quarantined as a share of rows read, per source and batch.
    error_rate_pct: Pct = 5.0
    # Hours without a successful run before the missed-run alarm; derived from `schedule`
    # when left out. CloudWatch evaluates at most 7 days back.
    missed_run_hours: Annotated[int, Field(ge=1, le=168)] | None = None
    # Width of the expected band of rows ingested, in standard deviations.
    rows_anomaly_band: Annotated[float, Field(gt=0, le=10)] = 3.0
    landing_function: LandingFunction = LandingFunction()
