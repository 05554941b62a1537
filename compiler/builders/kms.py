"""KMS keys: `AWS::KMS::Key`, `AWS::KMS::Alias`.

Three keys, all rotated: `data` for S3, DynamoDB and Glue bookmarks; `logs` for CloudWatch Logs
(the logs service may use it only for the stack's own log groups);
`notify` for the alert topic and the landing function's failure queue, which CloudWatch alarms
and EventBridge write to, so those two services may use it. Key policies keep the
account root as administrator (without it a key can become unmanageable) and name the roles
that use each key. The data key is retained with the stack: the buckets and tables it protects
are retained too, and data without its key is lost.
"""

from __future__ import annotations

from troposphere import GetAtt, Sub, kms

from ..logical_ids import DATA_KEY, LOGS_KEY, NOTIFY_KEY, key_alias_id, role_id
from ..naming import JOBS
from .common import (
    KEY_USE,
    ROLE_KEY_USE,
    SEND_KEY_USE,
    Stack,
    account_arn,
    policy,
)

# Roles that read and write the pipeline's data, and the ones that publish alerts.
DATA_ROLES = (*JOBS, "landing")
NOTIFY_ROLES = (*JOBS, "landing")
# Services that deliver to the encrypted topic and queue on the pipeline's behalf.
NOTIFY_SERVICES = ("cloudwatch.amazonaws.com", "events.amazonaws.com")
# With a budget, AWS Budgets and Cost Anomaly Detection publish to the topic too.
COST_SERVICES = ("budgets.amazonaws.com", "costalerts.amazonaws.com")


def build(stack: Stack) -> None:
    _key(
        stack,
        DATA_KEY,
        "data",
        "S3, DynamoDB and Glue bookmarks",
        [_role_use(DATA_ROLES, ROLE_KEY_USE)],
        retain=True,
    )
    _key(
        stack,
        LOGS_KEY,
        "logs",
        "CloudWatch Logs of the Glue jobs and the landing function",
        [_logs_use(stack)],
        retain=False,
    )
    _key(
        stack,
        NOTIFY_KEY,
        "notify",
        "the alert topic and the landing function's failure queue",
        [_role_use(NOTIFY_ROLES, SEND_KEY_USE), _service_use(notify_services(stack))],
        retain=False,
    )


def _role_use(roles: tuple[str, ...], actions: list[str]) -> dict:
    return {
        "Sid": "UseByPipelineRoles",
        "Effect": "Allow",
        "Principal": {"AWS": [GetAtt(role_id(r), "Arn") for r in roles]},
        "Action": actions,
        "Resource": "*",
    }


def notify_services(stack: Stack) -> list[str]:
    return sorted([*NOTIFY_SERVICES, *(COST_SERVICES if stack.plan.budget else ())])


def _service_use(services: list[str]) -> dict:
    return {
        "Sid": "UseByAlertDelivery",
        "Effect": "Allow",
        "Principal": {"Service": services},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }


def _root_admin() -> dict:
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
        "Action": "kms:*",
        "Resource": "*",
    }


def _logs_use(stack: Stack) -> dict:
    groups = [*stack.plan.naming.glue_log_groups, stack.plan.naming.landing_log_group]
    if stack.plan.network.vpc:
        groups.append(stack.plan.naming.flow_log_group)
    return {
        "Sid": "UseByCloudWatchLogsForPipelineLogs",
        "Effect": "Allow",
        "Principal": {"Service": Sub("logs.${AWS::Region}.amazonaws.com")},
        "Action": KEY_USE,
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": [
                    account_arn("logs", f"log-group:{group}") for group in groups
                ]
            }
        },
    }


def _key(stack: Stack, key_id: str, name: str, purpose: str, use: list[dict], retain: bool) -> None:
    naming = stack.plan.naming
    key = kms.Key(
        key_id,
        Description=f"pipegen {naming.prefix}: {purpose}",
        EnableKeyRotation=True,
        PendingWindowInDays=30,
        KeyPolicy=policy(_root_admin(), *use),
        Tags=stack.tags(),
    )
    key.DeletionPolicy = key.UpdateReplacePolicy = "Retain" if retain else "Delete"
    stack.add(key)
    stack.add(
        kms.Alias(
            key_alias_id(key_id),
            AliasName=naming.kms_alias(name),
            TargetKeyId=GetAtt(key_id, "Arn"),
        )
    )
