"""Glue: `AWS::Glue::Database`, `::SecurityConfiguration`, `::Job`, `::Crawler`, `::Workflow`,
`::Trigger`.

Three jobs (ingestion, processing, quality) run the generated scripts with the runtime bundle
on `--extra-py-files` and read their stage config (JSON data) from the scripts bucket. A
workflow starts ingestion (on demand, or on the spec's schedule; the landing function starts it
through StartWorkflowRun either way) and chains the jobs with conditional triggers; each job's
success also starts the crawler of the zone it wrote, so tables and partitions appear in the
catalog. Glue's own job bookmarks stay off: they are not exactly-once, and pipegen keeps a
file-level bookmark in DynamoDB that works the same locally.
"""

from __future__ import annotations

import json

from troposphere import GetAtt, Ref, Sub, glue

from ..naming import logical_id
from ..plan import JobPlan
from .common import Stack, bucket_name, s3_uri
from .dynamodb import table_id
from .iam import TOPIC, role_id
from .kms import DATA_KEY, LOGS_KEY
from .network import connection_id

DATABASE = "CatalogDatabase"
SECURITY = "SecurityConfiguration"
WORKFLOW = "Workflow"
NEXT = {"ingestion": ("processing", "processed"), "processing": ("quality", "curated")}
CRAWLER_CONFIGURATION = json.dumps(
    {
        "Version": 1.0,
        "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
        "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"},
    },
    sort_keys=True,
)


def job_id(kind: str) -> str:
    return logical_id(kind, "job")


def crawler_id(zone: str) -> str:
    return logical_id(zone, "crawler")


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
    for zone, tables in crawled_tables(stack).items():
        stack.add(_crawler(stack, zone, tables))
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


def crawled_tables(stack: Stack) -> dict[str, list[str]]:
    """Tables each crawler finds: sources in processed, transforms in curated."""
    zones = {
        "processed": [s.name for s in stack.plan.sources],
        "curated": [t.name for t in stack.plan.transforms],
    }
    return {zone: sorted(tables) for zone, tables in zones.items() if tables}


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
        "--enable-continuous-cloudwatch-log": "true",
        "--enable-glue-datacatalog": "true",
        "--job-bookmark-option": "job-bookmark-disable",
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
        NumberOfWorkers=settings.workers,
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


def _crawler(stack: Stack, zone: str, tables: list[str]) -> glue.Crawler:
    targets = [
        glue.S3Target(Path=Sub(f"s3://${{{logical_id(zone, 'bucket')}}}/{t}/")) for t in tables
    ]
    return glue.Crawler(
        crawler_id(zone),
        Name=stack.plan.naming.crawler(zone),
        Description=f"pipegen {stack.plan.naming.prefix}: catalog the {zone} zone",
        Role=GetAtt(role_id("crawler"), "Arn"),
        DatabaseName=Ref(DATABASE),
        Targets=glue.Targets(S3Targets=targets),
        SchemaChangePolicy=glue.SchemaChangePolicy(
            UpdateBehavior="UPDATE_IN_DATABASE", DeleteBehavior="LOG"
        ),
        RecrawlPolicy=glue.RecrawlPolicy(RecrawlBehavior="CRAWL_EVERYTHING"),
        CrawlerSecurityConfiguration=Ref(SECURITY),
        Configuration=CRAWLER_CONFIGURATION,
        Tags=stack.tag_map(),
    )


def _triggers(stack: Stack) -> list[glue.Trigger]:
    naming = stack.plan.naming
    start = glue.Trigger(
        "StartTrigger",
        Name=naming.trigger("start"),
        WorkflowName=Ref(WORKFLOW),
        Type="SCHEDULED" if stack.plan.schedule else "ON_DEMAND",
        Actions=[glue.Action(JobName=Ref(job_id("ingestion")))],
        Tags=stack.tag_map(),
    )
    if stack.plan.schedule:
        start.Schedule = stack.plan.schedule
        start.StartOnCreation = True
    crawled = crawled_tables(stack)
    triggers = [start]
    for done, (following, zone) in NEXT.items():
        actions = [glue.Action(JobName=Ref(job_id(following)))]
        if zone in crawled:
            actions.append(glue.Action(CrawlerName=Ref(crawler_id(zone))))
        triggers.append(
            glue.Trigger(
                logical_id("after", done, "trigger"),
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
