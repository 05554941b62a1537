"""The top-level spec model, `apiVersion: pipegen/v1`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from .alerts import Alerts
from .base import EnvName, Identifier, Model, PipelineName, Text
from .budget import Budget
from .network import Network
from .quality import Quality
from .sources import Source
from .transforms import Transform

API_VERSION = "pipegen/v1"

# `glue_version: 5.1` unquoted is a YAML number; take it as the version it plainly means.
# 5.0 and 5.1 only: the runtime needs Python 3.11 and Spark 3.5 (Glue 4.0 has 3.10 and 3.3), and
# the jobs' log groups rely on Glue 5's --custom-logGroup-prefix.
GlueVersion = Annotated[
    Literal["5.0", "5.1"],
    BeforeValidator(
        lambda v: f"{v:.1f}" if isinstance(v, float | int) and not isinstance(v, bool) else v
    ),
]
# Glue ETL job worker types (G.025X is for streaming jobs only, so it is not offered).
WorkerType = Literal[
    "G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"
]
ExecutionClass = Literal["flex", "standard"]
FLEX_WORKER_TYPES = ("G.1X", "G.2X")  # the only worker types Glue's flex class runs
JobName = Literal["ingestion", "processing", "quality"]
Region = Literal[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-east-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "il-central-1",
]
TagKey = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9 _.:/=+\-@]{1,128}$")
]  # aws:, pipegen: reserved (PG406)
TagValue = Annotated[str, Field(pattern=r"^[A-Za-z0-9 _.:/=+\-@]{0,256}$")]
# Glue scheduled triggers take cron() only: six fields, no rate().
# Its fields are checked against AWS's rules in checks/schedule.py (PG418), with a clear message.
Cron = Annotated[str, Field(pattern=r"^cron\([0-9A-Za-z*?,/#L\- ]+\)$", max_length=256)]
Days = Annotated[int, Field(ge=1, le=36500)]
# S3 classes raw files can be archived to: Glacier Instant Retrieval (the default) still reads in
# milliseconds, should a rerun need a file; the other two need a restore first.
ARCHIVE_CLASSES = ("GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")


class JobSettings(Model):
    glue_version: GlueVersion = "5.1"
    worker_type: WorkerType = "G.1X"
    workers: Annotated[int, Field(ge=2, le=299)] = 2
    timeout_minutes: Annotated[int, Field(ge=1, le=2880)] = 30
    max_retries: Annotated[int, Field(ge=0, le=10)] = 0
    # None: `flex` in environments named like dev, test or staging; `standard` in any other.
    execution_class: ExecutionClass | None = None
    # Glue adds and removes workers as the work needs; `workers` is then the ceiling.
    auto_scaling: bool = True


class JobOverrides(Model):
    """Per-job settings over `defaults.jobs`; anything left out is inherited."""

    glue_version: GlueVersion | None = None
    worker_type: WorkerType | None = None
    workers: Annotated[int, Field(ge=2, le=299)] | None = None
    timeout_minutes: Annotated[int, Field(ge=1, le=2880)] | None = None
    max_retries: Annotated[int, Field(ge=0, le=10)] | None = None
    execution_class: ExecutionClass | None = None
    auto_scaling: bool | None = None


class Defaults(Model):
    jobs: JobSettings = JobSettings()


class Environment(Model):
    region: Region
    # Deep-merged over the whole spec for this environment only; validated after merging.
    overrides: dict[str, Any] = {}


class Retention(Model):
    """Days to keep things; `None` keeps them until someone deletes them."""

    raw_days: Days | None = 90
    processed_days: Days | None = None
    curated_days: Days | None = None
    # Processed and curated objects move to S3 Intelligent-Tiering this many days after they
    # are written (None: they stay in S3 Standard); raw files move to `raw_archive_class`.
    tiering_days: Days | None = 30
    raw_archive_days: Days | None = 30
    raw_archive_class: Literal[ARCHIVE_CLASSES] = "GLACIER_IR"  # type: ignore[valid-type]
    noncurrent_days: Days = 30
    temp_days: Days = 7
    access_log_days: Days = 365
    logs_days: Literal[
        1,
        3,
        5,
        7,
        14,
        30,
        60,
        90,
        120,
        150,
        180,
        365,
        400,
        545,
        731,
        1096,
        1827,
        2192,
        2557,
        2922,
        3288,
        3653,
    ] = 30
    abort_multipart_days: Annotated[int, Field(ge=1, le=30)] = 7


class PipelineSpec(Model):
    """A whole pipeline, as the user wrote it."""

    api_version: Literal["pipegen/v1"] = Field(alias="apiVersion")
    pipeline: PipelineName
    description: Text = ""
    owner: Annotated[str, Field(pattern=r"^[A-Za-z0-9 _.:/=+\-@]{1,256}$")]
    tags: dict[TagKey, Annotated[TagValue, Field(coerce_numbers_to_str=True)]] = {}
    defaults: Defaults = Defaults()
    jobs: dict[JobName, JobOverrides] = {}
    environments: Annotated[dict[EnvName, Environment], Field(min_length=1)] = {
        "dev": Environment(region="us-east-1")
    }
    sources: Annotated[dict[Identifier, Source], Field(min_length=1)]
    transforms: dict[Identifier, Transform] = {}
    quality: Quality = Quality()
    schedule: Cron | None = None
    alerts: Alerts = Alerts()
    budget: Budget | None = None
    network: Network = Network()
    retention: Retention = Retention()
