"""KMS keys: `AWS::KMS::Key`, `AWS::KMS::Alias`.

Two keys, both rotated: `data` for S3, DynamoDB and Glue bookmarks; `logs` for CloudWatch Logs
(the logs service may use it only for this account's Glue log groups). Key policies keep the
account root as administrator (without it a key can become unmanageable) and name the roles
that use each key. The data key is retained with the stack: the buckets and tables it protects
are retained too, and data without its key is lost.
"""

from __future__ import annotations

from troposphere import GetAtt, Sub, kms

from ..naming import JOBS, logical_id
from .common import KEY_USE, Stack, policy
from .iam import role_id

DATA_KEY = "DataKey"
LOGS_KEY = "LogsKey"


def build(stack: Stack) -> None:
    roles = [GetAtt(role_id(r), "Arn") for r in (*JOBS, "crawler")]
    data_users = {
        "Sid": "UseByPipelineRoles",
        "Effect": "Allow",
        "Principal": {"AWS": roles},
        "Action": KEY_USE,
        "Resource": "*",
    }
    _key(stack, DATA_KEY, "data", "S3, DynamoDB and Glue bookmarks", data_users, retain=True)
    _key(
        stack,
        LOGS_KEY,
        "logs",
        "CloudWatch Logs of Glue jobs and crawlers",
        _logs_use(),
        retain=False,
    )


def _root_admin() -> dict:
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
        "Action": "kms:*",
        "Resource": "*",
    }


def _logs_use() -> dict:
    return {
        "Sid": "UseByCloudWatchLogsForGlue",
        "Effect": "Allow",
        "Principal": {"Service": Sub("logs.${AWS::Region}.amazonaws.com")},
        "Action": KEY_USE,
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": Sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws-glue/*"
                )
            }
        },
    }


def _key(stack: Stack, key_id: str, name: str, purpose: str, use: dict, retain: bool) -> None:
    naming = stack.plan.naming
    key = kms.Key(
        key_id,
        Description=f"pipegen {naming.prefix}: {purpose}",
        EnableKeyRotation=True,
        PendingWindowInDays=30,
        KeyPolicy=policy(_root_admin(), use),
        Tags=stack.tags(),
    )
    key.DeletionPolicy = key.UpdateReplacePolicy = "Retain" if retain else "Delete"
    stack.add(key)
    stack.add(
        kms.Alias(
            logical_id(key_id, "alias"),
            AliasName=naming.kms_alias(name),
            TargetKeyId=GetAtt(key_id, "Arn"),
        )
    )
