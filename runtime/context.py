"""The job's home, chosen once at start-up: Glue (GlueContext, S3, DynamoDB, Glue Data Catalog,
CloudWatch, SNS) or local (a SparkSession against a lake folder, SQLite, JSON files).

Local is chosen by `--pipegen-lake DIR`; Glue by the `--JOB_NAME` Glue passes to every job.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .catalog import Catalog, GlueCatalog, LocalCatalog
from .config import ConfigError, JobArguments, parse_config, read_local_config
from .events import EventBridgeEvents, Events, LocalEvents
from .lake_layout import LakeLayout
from .metrics import CloudWatchMetrics, JsonLinesMetrics, Metrics
from .notify import LogNotifier, Notifier, SnsNotifier
from .stage_config import StageConfig
from .state import DynamoState, SqliteState, StateStore
from .storage import LocalStorage, S3Storage, Storage

# What the jobs need in both homes. Every write goes to a fresh staging folder, so Spark's
# default (static) overwrite is right: the dynamic mode only added a rename of every file, which
# on S3 is a copy and a delete.
SPARK_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.compression.codec": "snappy",
}
# Locally only: on Glue the cluster's own settings stand (its shuffle partitions scale with the
# workers; 8 would starve a 10-worker job), and Glue serves its own UI. A local run's shuffle
# partitions follow its master's cores (local_shuffle_partitions); 8 is two cores' worth.
LOCAL_SPARK_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
}
SPARK_DEFAULTS = {**SPARK_SETTINGS, **LOCAL_SPARK_SETTINGS}
SHUFFLE_PARTITIONS_PER_CORE = 4
_LOCAL_CORES = re.compile(r"local(?:\[(\*|\d+)(?:,\d+)?\])?$")
_LOCAL_CLUSTER = re.compile(r"local-cluster\[(\d+),\s*(\d+),\s*\d+\]$")


@dataclass
class Context:
    """Everything a stage job needs, whichever home it runs in."""

    stage: str
    home: str
    arguments: JobArguments
    config: StageConfig
    spark: Any
    storage: Storage
    state: StateStore
    catalog: Catalog
    metrics: Metrics
    notifier: Notifier
    events: Events
    run_id: str
    lake: Path | None = None
    started: float = field(default_factory=time.monotonic)
    glue_job: Any = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def pipeline(self) -> str:
        return self.config.pipeline

    def now(self) -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    def finish(self) -> None:
        self.metrics.put("DurationSeconds", time.monotonic() - self.started, "Seconds")
        self.metrics.flush()
        if self.glue_job is not None:
            self.glue_job.commit()


def open_context(stage: str, arguments: JobArguments, argv: list[str]) -> Context:
    """The home of this job; `argv` is the script's whole argv (its path first)."""
    if "lake" in arguments.values:
        return _local(stage, arguments)
    if "--JOB_NAME" in argv[1:] or any(a.startswith("--JOB_NAME=") for a in argv[1:]):
        return _glue(stage, arguments, argv)
    raise ConfigError(
        "no home: pass --pipegen-lake DIR to run locally (pipegen run does), or run as a Glue job"
    )


def _local(stage: str, arguments: JobArguments) -> Context:
    from pyspark.sql import SparkSession

    lake = Path(arguments["lake"]).resolve()
    config = read_local_config(Path(arguments["config"]), stage)
    builder = SparkSession.builder.appName(f"pipegen-{config.pipeline}-{stage}")
    master = arguments.values.get("master")
    if master:
        builder = builder.master(master)
    for key, value in SPARK_DEFAULTS.items():
        builder = builder.config(key, value)
    partitions = local_shuffle_partitions(master or _submitted_master())
    builder = builder.config("spark.sql.shuffle.partitions", str(partitions))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    env = config.environment
    layout = LakeLayout(lake)
    notifier = LogNotifier(layout.notifications_file)
    facts: dict[str, Any] = {"spark": _spark_facts(spark)}
    if "check-executors" in arguments.values:
        facts["executors"] = executor_probe(spark)
    return Context(
        facts=facts,
        stage=stage,
        home="local",
        arguments=arguments,
        config=config,
        spark=spark,
        storage=LocalStorage(lake),
        state=SqliteState(layout.state_file),
        catalog=LocalCatalog(lake, f"{config.pipeline}_{env}".replace("-", "_")),
        metrics=JsonLinesMetrics(layout.metrics_file, config.pipeline, env, stage),
        notifier=notifier,
        events=LocalEvents(layout.events_file, notifier, config.notices),
        run_id=arguments.values.get("run-id", "local"),
        lake=lake,
    )


def _submitted_master() -> str:
    """The master spark-submit was given (in the conf it passes to the Python driver)."""
    from pyspark import SparkConf

    return SparkConf().get("spark.master", "local[*]")


def local_shuffle_partitions(master: str) -> int:
    """Shuffle partitions for a local master: a few per core, so every core has work and a
    small table is not cut into 200 tasks (Spark's default, made for clusters)."""
    cores = None
    local = _LOCAL_CORES.match(master)
    if local:
        count = local.group(1)
        cores = (os.cpu_count() or 1) if count == "*" else int(count or 1)
    cluster = _LOCAL_CLUSTER.match(master)
    if cluster:
        cores = int(cluster.group(1)) * int(cluster.group(2))
    return SHUFFLE_PARTITIONS_PER_CORE * (cores or 2)


def _runtime_location(_: int) -> tuple[int, str]:
    import os

    import pipegen_runtime

    return os.getpid(), pipegen_runtime.__file__


def executor_probe(spark: Any, tasks: int = 4) -> dict[str, Any]:
    """Import the runtime inside executor tasks: proof that the bundle reached the executors
    (as `--extra-py-files` does on Glue), and from where."""
    found = spark.sparkContext.parallelize(range(tasks), tasks).map(_runtime_location).collect()
    return {
        "processes": len({pid for pid, _ in found}),
        "modules": sorted({path for _, path in found}),
    }


def _glue(stage: str, arguments: JobArguments, argv: list[str]) -> Context:
    # awsglue is Glue's; `pipegen run --home aws` runs this with the real awsglue package and
    # a thin stand-in for what needs Glue's jars (GlueContext, Job): see compiler/aws_home.
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    resolved = getResolvedOptions(argv, glue_options(argv))
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(resolved["JOB_NAME"], resolved)
    spark = glue_context.spark_session
    for key, value in SPARK_SETTINGS.items():
        spark.conf.set(key, value)
    storage = S3Storage(
        {z: arguments[f"{z}-bucket"] for z in ("raw", "processed", "curated", "temp")}
    )
    bucket, _, key = arguments["config"].removeprefix("s3://").partition("/")
    text = storage.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    config = parse_config(text, stage, arguments["config"])
    return Context(
        stage=stage,
        home="glue",
        arguments=arguments,
        config=config,
        spark=spark,
        storage=storage,
        state=DynamoState(
            arguments["run-state-table"], arguments["bookmark-table"], arguments["quality-table"]
        ),
        catalog=GlueCatalog(arguments["database"]),
        metrics=CloudWatchMetrics(config.pipeline, config.environment, stage),
        notifier=SnsNotifier(arguments.values.get("topic-arn")),
        events=EventBridgeEvents(),
        run_id=resolved.get("WORKFLOW_RUN_ID") or resolved.get("JOB_RUN_ID") or "manual",
        glue_job=job,
        facts={"job_run_id": resolved.get("JOB_RUN_ID"), "spark": _spark_facts(spark)},
    )


def glue_options(argv: list[str]) -> list[str]:
    """The Glue arguments to resolve: the job's name always; the workflow's run when a
    workflow started the job (Glue passes both workflow arguments then, and only then)."""
    present = {a.split("=", 1)[0].removeprefix("--") for a in argv[1:] if a.startswith("--")}
    return ["JOB_NAME"] + [o for o in ("WORKFLOW_NAME", "WORKFLOW_RUN_ID") if o in present]


def _spark_facts(spark: Any) -> dict[str, str | None]:
    """Settings the job ran with, in its summary: what the cluster decided, not pipegen."""
    return {
        "spark.sql.shuffle.partitions": spark.conf.get("spark.sql.shuffle.partitions"),
        "spark.master": spark.sparkContext.master,
        "application": spark.sparkContext.applicationId,
    }
