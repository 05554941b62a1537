"""IAM roles: `AWS::IAM::Role`, `AWS::IAM::RolePolicy`.

One role per Glue job and one for the crawlers, each allowed only the buckets, prefixes, key,
tables and catalog entries it uses. Permissions live in separate RolePolicy resources so that
the KMS key policy can name the roles without a dependency cycle (role -> key -> policy).

The only `*` resource is `cloudwatch:PutMetricData`, which AWS does not scope by resource; a
namespace condition narrows it instead.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Sub, iam

from ..naming import JOBS, logical_id
from .common import (
    KEY_USE,
    Stack,
    account_arn,
    allow,
    bucket_arn,
    bucket_objects_arn,
    policy,
)
from .network import vpc_access_statements

READ = ["s3:GetObject", "s3:GetObjectVersion"]
WRITE = ["s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
METRIC_NAMESPACES = ["Glue", "pipegen"]

# Which zone each role reads and writes, and which state tables it uses.
ACCESS = {
    "ingestion": {
        "read": ["raw"],
        "write": ["processed"],
        "tables": ["run-state", "file-bookmarks"],
    },
    "processing": {"read": ["processed"], "write": ["curated"], "tables": ["run-state"]},
    "quality": {
        "read": ["processed"],
        "write": ["curated"],
        "tables": ["run-state", "quality-history"],
    },
    "crawler": {"read": ["processed", "curated"], "write": [], "tables": []},
}
TABLE_ACTIONS = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]
CATALOG_ACTIONS = [
    "glue:BatchCreatePartition",
    "glue:BatchGetPartition",
    "glue:CreatePartition",
    "glue:CreateTable",
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
    "glue:UpdatePartition",
    "glue:UpdateTable",
]


TOPIC = "AlertTopic"
DEFAULT_EVENT_BUS = account_arn("events", "event-bus/default")


def role_id(name: str) -> str:
    return logical_id(name, "role")


def build(stack: Stack) -> None:
    for name in (*JOBS, "crawler"):
        stack.add(
            iam.Role(
                role_id(name),
                RoleName=stack.plan.naming.role(name),
                AssumeRolePolicyDocument=_trust(),
                Tags=stack.tags(),
            )
        )
        stack.add(
            iam.RolePolicy(
                logical_id(name, "role", "policy"),
                PolicyName="least-privilege",
                RoleName=Ref(role_id(name)),
                PolicyDocument=policy(*_statements(stack, name)),
            )
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
    statements.append(allow("UseDataKey", KEY_USE, [GetAtt("DataKey", "Arn")]))
    statements.append(allow("UpdateCatalog", CATALOG_ACTIONS, _catalog(stack)))
    statements.append(
        allow(
            "WriteLogs",
            [
                "logs:AssociateKmsKey",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            [account_arn("logs", "log-group:/aws-glue/*")],
        )
    )
    if name == "crawler":
        return statements
    statements += _job_extras(stack, access["tables"])
    statements += _alerting(name)
    statements += vpc_access_statements(stack, "glue")
    return statements


def _alerting(name: str) -> list[dict]:
    """Jobs publish alerts to the topic; quality also announces its result to EventBridge."""
    statements = [
        allow("PublishAlerts", ["sns:Publish"], [Ref(TOPIC)]),
        allow(
            "UseNotifyKey", ["kms:Decrypt", "kms:GenerateDataKey*"], [GetAtt("NotifyKey", "Arn")]
        ),
    ]
    if name == "quality":
        statements.append(allow("AnnounceQualityResult", ["events:PutEvents"], [DEFAULT_EVENT_BUS]))
    return statements


def _bucket_access(read: list[str], write: list[str]) -> list[dict]:
    zones = sorted({*read, *write, "scripts", "temp"})
    statements = [
        allow(
            "ListBuckets", ["s3:GetBucketLocation", "s3:ListBucket"], [bucket_arn(z) for z in zones]
        )
    ]
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


def _job_extras(stack: Stack, tables: list[str]) -> list[dict]:
    naming = stack.plan.naming
    arns = [account_arn("dynamodb", f"table/{naming.table(t)}") for t in tables]
    return [
        allow("UseStateTables", TABLE_ACTIONS, arns),
        # PutMetricData cannot be scoped by resource (AWS requires "*"); the namespace
        # condition keeps it to Glue's and pipegen's own metrics.
        allow(
            "PublishMetrics",
            ["cloudwatch:PutMetricData"],
            ["*"],
            Condition={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACES}},
        ),
    ]
