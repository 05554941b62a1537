"""Glue: `AWS::Glue::Database`, `::SecurityConfiguration`, `::Job`, `::Workflow`, `::Trigger`.

Three jobs (ingestion, processing, quality) run the generated scripts with the runtime bundle
on `--extra-py-files` and read their stage config (JSON data) from the scripts bucket. A
workflow starts ingestion (on demand, or on the spec's schedule; the landing function starts it
through StartWorkflowRun either way) and chains the jobs with conditional triggers. There are
no crawlers: the jobs register every table, schema change and partition in the catalog at the
moment they publish it (runtime/catalog.py), so the catalog changes exactly when the data does
and nothing else writes the same tables. Glue's own job bookmarks stay off: they are not
exactly-once, and pipegen keeps a file-level bookmark in DynamoDB that works the same locally.
The Data Catalog is reached through the Glue API only (no `--enable-glue-datacatalog`: Spark's
Hive client would touch the `default` database, which no role may use).
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, glue

from ..logical_ids import (
    DATA_KEY,
    DATABASE,
    LOGS_KEY,
    SECURITY,
    START_TRIGGER,
    TOPIC,
    WORKFLOW,
    connection_id,
    job_id,
    role_id,
    table_id,
    trigger_id,
)
from ..plan import JobPlan
from .common import Stack, bucket_name, s3_uri

NEXT = {"ingestion": "processing", "processing": "quality"}


def build(stack: Stack) -> None:
    naming = stack.plan.naming
    stack.add(
        glue.Database(
            DATABASE,
            CatalogId=Ref("AWS::AccountId"),
            DatabaseInput=glue.DatabaseInput(
                Name=naming.database, Description=f"pipegen pipeline {naming.prefix}"
            ),
        )
    )
    stack.add(_security_configuration(stack))
    for job in stack.plan.jobs:
        stack.add(_job(stack, job))
    stack.add(
        glue.Workflow(
            WORKFLOW,
            Name=naming.workflow,
            MaxConcurrentRuns=1,
            Description=f"pipegen {naming.prefix}: ingestion -> processing -> quality",
            Tags=stack.tag_map(),
        )
    )
    for trigger in _triggers(stack):
        stack.add(trigger)


def _security_configuration(stack: Stack) -> glue.SecurityConfiguration:
    key_arn = GetAtt(DATA_KEY, "Arn")
    return glue.SecurityConfiguration(
        SECURITY,
        Name=stack.plan.naming.security_configuration,
        EncryptionConfiguration=glue.EncryptionConfiguration(
            S3Encryptions=[glue.S3Encryption(S3EncryptionMode="SSE-KMS", KmsKeyArn=key_arn)],
            CloudWatchEncryption=glue.CloudWatchEncryption(
                CloudWatchEncryptionMode="SSE-KMS", KmsKeyArn=GetAtt(LOGS_KEY, "Arn")
            ),
            JobBookmarksEncryption=glue.JobBookmarksEncryption(
                JobBookmarksEncryptionMode="CSE-KMS", KmsKeyArn=key_arn
            ),
        ),
    )


def job_arguments(stack: Stack, kind: str) -> dict:
    auto_scaling = stack.plan.job(kind).settings.auto_scaling
    """The job's arguments: where its config, bundle, buckets and tables are. Data only."""
    naming = stack.plan.naming
    return {
        "--job-language": "python",
        "--extra-py-files": s3_uri("scripts", naming.bundle_key(stack.release)),
        "--pipegen-config": s3_uri("scripts", naming.config_key(kind, stack.release)),
        "--pipegen-stage": kind,
        "--pipegen-env": stack.plan.env,
        "--pipegen-raw-bucket": bucket_name("raw"),
        "--pipegen-processed-bucket": bucket_name("processed"),
        "--pipegen-curated-bucket": bucket_name("curated"),
        "--pipegen-temp-bucket": bucket_name("temp"),
        "--pipegen-database": naming.database,
        "--pipegen-run-state-table": Ref(table_id("run-state")),
        "--pipegen-bookmark-table": Ref(table_id("file-bookmarks")),
        "--pipegen-quality-table": Ref(table_id("quality-history")),
        "--pipegen-topic-arn": Ref(TOPIC),
        "--TempDir": s3_uri("temp", "glue/"),
        "--enable-metrics": "true",
        "--enable-observability-metrics": "true",
        # Into the stack's own log groups (builders/logs.py), not ones Glue would create.
        "--custom-logGroup-prefix": naming.glue_log_prefix,
        "--job-bookmark-option": "job-bookmark-disable",
        **({"--enable-auto-scaling": "true"} if auto_scaling else {}),
    }


def _job(stack: Stack, job: JobPlan) -> glue.Job:
    settings = job.settings
    return glue.Job(
        job_id(job.kind),
        Name=stack.plan.naming.job(job.kind),
        Description=f"pipegen {stack.plan.naming.prefix}: {job.kind}",
        Role=GetAtt(role_id(job.kind), "Arn"),
        Command=glue.JobCommand(
            Name="glueetl",
            PythonVersion="3",
            ScriptLocation=s3_uri("scripts", stack.plan.naming.script_key(job.kind, stack.release)),
        ),
        DefaultArguments=job_arguments(stack, job.kind),
        GlueVersion=settings.glue_version,
        WorkerType=settings.worker_type,
        # With auto scaling, the ceiling: Glue bills the workers a run actually holds.
        NumberOfWorkers=settings.workers,
        ExecutionClass=settings.execution_class.upper(),
        Timeout=settings.timeout_minutes,
        MaxRetries=settings.max_retries,
        # One run at a time: the state store commits batches in order.
        ExecutionProperty=glue.ExecutionProperty(MaxConcurrentRuns=1),
        SecurityConfiguration=Ref(SECURITY),
        Tags=stack.tag_map(),
        **_connections(stack),
    )


def _connections(stack: Stack) -> dict:
    """With `network.vpc`, the job runs in the private subnets (one connection per zone)."""
    if not stack.plan.network.vpc:
        return {}
    zones = range(stack.plan.network.availability_zones)
    return {"Connections": glue.ConnectionsList(Connections=[Ref(connection_id(i)) for i in zones])}


def _triggers(stack: Stack) -> list[glue.Trigger]:
    naming = stack.plan.naming
    start = glue.Trigger(
        START_TRIGGER,
        Name=naming.trigger("start"),
        WorkflowName=Ref(WORKFLOW),
        Type="SCHEDULED" if stack.plan.schedule else "ON_DEMAND",
        Actions=[glue.Action(JobName=Ref(job_id("ingestion")))],
        Tags=stack.tag_map(),
    )
    if stack.plan.schedule:
        start.Schedule = stack.plan.schedule
        start.StartOnCreation = True
    triggers = [start]
    for done, following in NEXT.items():
        actions = [glue.Action(JobName=Ref(job_id(following)))]
        triggers.append(
            glue.Trigger(
                trigger_id(done),
                Name=naming.trigger(f"after-{done}"),
                WorkflowName=Ref(WORKFLOW),
                Type="CONDITIONAL",
                StartOnCreation=True,
                # Logical is required even for a single condition.
                Predicate=glue.Predicate(
                    Logical="AND",
                    Conditions=[
                        glue.Condition(
                            LogicalOperator="EQUALS", JobName=Ref(job_id(done)), State="SUCCEEDED"
                        )
                    ],
                ),
                Actions=actions,
                Tags=stack.tag_map(),
            )
        )
    return triggers
