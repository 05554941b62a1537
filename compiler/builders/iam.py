"""IAM roles of the Glue jobs: `AWS::IAM::Role`, `AWS::IAM::Policy`.

One role per Glue job, each allowed only the buckets, prefixes, key, tables, catalog entries and
log groups it uses, with exact actions (no wildcard actions: tests/test_aws_home.py runs every
job under its role with IAM enforced and lists what each role used). Permissions live in
separate policy resources so that the KMS key policy can name the roles without a dependency
cycle (role -> key -> policy).

`AWS::IAM::Policy` (attached through `Roles`), not `AWS::IAM::RolePolicy`: both make the same
inline policy on AWS, and the first is what CDK emits and what the emulator used in the tests
creates. Its logical ID and policy name differ from the RolePolicy it replaces, so an update
creates the new policy before CloudFormation deletes the old one and no role is ever left
without its permissions.

The only `*` resource is `cloudwatch:PutMetricData`, which AWS does not scope by resource; a
namespace condition narrows it instead.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Sub, iam

from pipegen_runtime.raw_catalog import MANIFESTS
from pipegen_runtime.state import STAGE_INDEX

from ..logical_ids import DATA_KEY, NOTIFY_KEY, TOPIC, logical_id, policy_id, role_id
from ..naming import JOBS
from .common import (
    ROLE_KEY_USE,
    SEND_KEY_USE,
    Stack,
    account_arn,
    allow,
    bucket_arn,
    bucket_objects_arn,
    policy,
)
from .network import vpc_access_statements

READ = ["s3:GetObject"]
WRITE = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
METRIC_NAMESPACES = ["Glue", "pipegen"]
POLICY_NAME = "pipegen-access"

# The runtime registers tables and partitions itself (runtime/catalog.py): ingestion its
# sources (processed, and raw as landed), quality the curated tables it publishes; processing
# only reads. Nothing else writes the pipeline's catalog entries.
CATALOG_READ = ["glue:GetPartitions", "glue:GetTable"]
CATALOG_WRITE = [
    "glue:BatchCreatePartition",
    "glue:BatchDeletePartition",
    "glue:CreateTable",
    "glue:UpdateTable",
]
# Which zone each job reads and writes, and which state tables it uses.
ACCESS = {
    "ingestion": {
        "read": ["raw"],
        "write": ["processed"],
        "tables": ["run-state", "file-bookmarks"],
        "catalog": CATALOG_READ + CATALOG_WRITE,
    },
    "processing": {
        "read": ["processed"],
        "write": ["curated"],
        "tables": ["run-state"],
        "catalog": CATALOG_READ,
    },
    "quality": {
        "read": ["processed"],
        "write": ["curated"],
        "tables": ["run-state", "quality-history"],
        "catalog": CATALOG_READ + CATALOG_WRITE,
    },
}
# What the runtime does with each state table (runtime/state.py): exact actions, no scans.
TABLE_ACTIONS = {
    "run-state": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
    "file-bookmarks": ["dynamodb:BatchWriteItem", "dynamodb:Query"],
    "quality-history": ["dynamodb:PutItem", "dynamodb:Query"],
}
# Batches are queried by stage through the run-state table's index (builders/dynamodb.py).
INDEXED_TABLES = ("run-state",)
# What Glue does with the job's role to ship the job's logs into the stack's log groups.
LOG_ACTIONS = ["logs:AssociateKmsKey", "logs:CreateLogStream", "logs:PutLogEvents"]


DEFAULT_EVENT_BUS = account_arn("events", "event-bus/default")


def build(stack: Stack) -> None:
    for name in JOBS:
        stack.add(
            iam.Role(
                role_id(name),
                RoleName=stack.plan.naming.role(name),
                AssumeRolePolicyDocument=_trust(),
                Tags=stack.tags(),
            )
        )
        stack.add(access_policy(name, _statements(stack, name)))


def access_policy(name: str, statements: list[dict]) -> iam.PolicyType:
    """The inline policy of role `name` (its logical ID from `policy_id`)."""
    return iam.PolicyType(
        policy_id(name),
        PolicyName=POLICY_NAME,
        Roles=[Ref(role_id(name))],
        PolicyDocument=policy(*statements),
    )


def _trust() -> dict:
    return policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "glue.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": Sub("${AWS::AccountId}")}},
        }
    )


def _statements(stack: Stack, name: str) -> list[dict]:
    access = ACCESS[name]
    statements = _bucket_access(access["read"], access["write"])
    if name == "ingestion":
        # The raw zone's catalog manifests (runtime/raw_catalog.py): the one raw prefix a job
        # writes; the landed files themselves stay read-only.
        statements.append(allow("WriteRawManifests", WRITE, [bucket_objects_arn("raw", MANIFESTS)]))
    statements.append(allow("UseDataKey", ROLE_KEY_USE, [GetAtt(DATA_KEY, "Arn")]))
    statements.append(allow("UseCatalog", access["catalog"], _catalog(stack)))
    statements.append(allow("WriteLogs", LOG_ACTIONS, glue_log_arns(stack)))
    statements += _state_tables(stack, access["tables"])
    statements.append(_metrics())
    statements += _alerting(stack, name)
    statements += vpc_access_statements(stack, "glue")
    return statements


def glue_log_arns(stack: Stack) -> list[Sub]:
    """The stack's Glue log groups and their streams (see builders/logs.py)."""
    return [
        account_arn("logs", f"log-group:{group}:*") for group in stack.plan.naming.glue_log_groups
    ]


def _alerting(stack: Stack, name: str) -> list[dict]:
    """Jobs publish alerts to the topic; quality announces its result to EventBridge, and
    ingestion the start of a run when the spec asks for run-started notices."""
    statements = [
        allow("PublishAlerts", ["sns:Publish"], [Ref(TOPIC)]),
        allow("UseNotifyKey", SEND_KEY_USE, [GetAtt(NOTIFY_KEY, "Arn")]),
    ]
    if name == "quality":
        statements.append(allow("AnnounceQualityResult", ["events:PutEvents"], [DEFAULT_EVENT_BUS]))
    if name == "ingestion" and "run_started" in stack.plan.alerts.notices:
        statements.append(allow("AnnounceRunStarted", ["events:PutEvents"], [DEFAULT_EVENT_BUS]))
    return statements


def _bucket_access(read: list[str], write: list[str]) -> list[dict]:
    zones = sorted({*read, *write, "scripts", "temp"})
    statements = [allow("ListBuckets", ["s3:ListBucket"], [bucket_arn(z) for z in zones])]
    statements.append(allow("ReadArtifacts", READ, [bucket_objects_arn("scripts", "pipegen/")]))
    if read:
        statements.append(allow("ReadInputs", READ, [bucket_objects_arn(z) for z in read]))
    writable = sorted({*write, "temp"})
    statements.append(allow("WriteOutputs", WRITE, [bucket_objects_arn(z) for z in writable]))
    return statements


def _catalog(stack: Stack) -> list[Sub]:
    database = stack.plan.naming.database
    return [
        account_arn("glue", "catalog"),
        account_arn("glue", f"database/{database}"),
        account_arn("glue", f"table/{database}/*"),
    ]


def _state_tables(stack: Stack, tables: list[str]) -> list[dict]:
    statements = []
    for table in tables:
        arn = account_arn("dynamodb", f"table/{stack.plan.naming.table(table)}")
        resources = [arn]
        if table in INDEXED_TABLES:
            resources.append(
                account_arn(
                    "dynamodb", f"table/{stack.plan.naming.table(table)}/index/{STAGE_INDEX}"
                )
            )
        sid = logical_id("use", table, "table")
        statements.append(allow(sid, TABLE_ACTIONS[table], resources))
    return statements


def _metrics() -> dict:
    # PutMetricData cannot be scoped by resource (AWS requires "*"); the namespace condition
    # keeps it to Glue's and pipegen's own metrics.
    return allow(
        "PublishMetrics",
        ["cloudwatch:PutMetricData"],
        ["*"],
        Condition={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACES}},
    )
