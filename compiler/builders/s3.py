"""S3 buckets: `AWS::S3::Bucket`, `AWS::S3::BucketPolicy`.

raw, processed, curated, scripts and temp use SSE-KMS with the data key; `logs` receives the
other buckets' access logs and uses SSE-S3, the only encryption S3 log delivery supports.
Every bucket: versioned, public access blocked, owner-enforced, TLS-only, incomplete multipart
uploads aborted, noncurrent versions expired. Data buckets (and the access logs) are retained
when the stack is deleted; raw publishes object events to EventBridge.
"""

from __future__ import annotations

from troposphere import GetAtt, Sub, s3

from ..logical_ids import DATA_KEY, bucket_id, bucket_policy_id
from ..naming import DATA_ZONES, ZONES
from ..spec.document import Retention
from .common import (
    Stack,
    bucket_arn,
    bucket_name,
    bucket_objects_arn,
    policy,
    scanner_skips,
)

RETAINED = (*DATA_ZONES, "logs")


def build(stack: Stack) -> None:
    for zone in ZONES:
        stack.add(_bucket(stack, zone))
        stack.add(
            s3.BucketPolicy(
                bucket_policy_id(zone),
                Bucket=bucket_name(zone),
                PolicyDocument=_bucket_policy(stack, zone),
            )
        )


def _bucket(stack: Stack, zone: str) -> s3.Bucket:
    bucket = s3.Bucket(
        bucket_id(zone),
        BucketName=Sub(stack.plan.naming.bucket(zone)),
        BucketEncryption=_encryption(zone),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        LifecycleConfiguration=s3.LifecycleConfiguration(Rules=_lifecycle(stack, zone)),
        Tags=stack.tags(),
    )
    if zone == "logs":
        scanner_skips(
            bucket,
            {
                "CKV_AWS_18": "this is the access-log bucket of the other five; logging it into "
                "itself would log its own log deliveries without end"
            },
        )
    if zone != "logs":
        bucket.LoggingConfiguration = s3.LoggingConfiguration(
            DestinationBucketName=bucket_name("logs"), LogFilePrefix=f"{zone}/"
        )
    if zone == "raw":
        bucket.NotificationConfiguration = s3.NotificationConfiguration(
            EventBridgeConfiguration=s3.EventBridgeConfiguration(EventBridgeEnabled=True)
        )
    # Scripts and temp hold nothing that compile cannot recreate; stating it keeps it deliberate.
    bucket.DeletionPolicy = bucket.UpdateReplacePolicy = "Retain" if zone in RETAINED else "Delete"
    return bucket


def _encryption(zone: str) -> s3.BucketEncryption:
    if zone == "logs":
        default = s3.ServerSideEncryptionByDefault(SSEAlgorithm="AES256")
        return s3.BucketEncryption(
            ServerSideEncryptionConfiguration=[
                s3.ServerSideEncryptionRule(ServerSideEncryptionByDefault=default)
            ]
        )
    default = s3.ServerSideEncryptionByDefault(
        SSEAlgorithm="aws:kms", KMSMasterKeyID=GetAtt(DATA_KEY, "Arn")
    )
    return s3.BucketEncryption(
        ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(
                ServerSideEncryptionByDefault=default, BucketKeyEnabled=True
            )
        ]
    )


def _expiry_days(stack: Stack, zone: str) -> int | None:
    retention = stack.plan.retention
    return {
        "raw": retention.raw_days,
        "processed": retention.processed_days,
        "curated": retention.curated_days,
        "temp": retention.temp_days,
        "logs": retention.access_log_days,
    }.get(zone)


def _lifecycle(stack: Stack, zone: str) -> list[s3.LifecycleRule]:
    retention = stack.plan.retention
    rules = [
        s3.LifecycleRule(
            Id="abort-incomplete-multipart-uploads",
            Status="Enabled",
            AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                DaysAfterInitiation=retention.abort_multipart_days
            ),
        ),
        s3.LifecycleRule(
            Id="expire-noncurrent-versions",
            Status="Enabled",
            NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                NoncurrentDays=retention.noncurrent_days
            ),
        ),
    ]
    transition = storage_transition(stack.plan.retention, zone)
    if transition is not None:
        storage_class, days = transition
        rules.append(
            s3.LifecycleRule(
                Id="move-current-objects",
                Status="Enabled",
                Transitions=[
                    s3.LifecycleRuleTransition(StorageClass=storage_class, TransitionInDays=days)
                ],
            )
        )
    days = _expiry_days(stack, zone)
    if days is not None:
        rules.append(
            s3.LifecycleRule(Id="expire-current-objects", Status="Enabled", ExpirationInDays=days)
        )
    return rules


def storage_transition(retention: Retention, zone: str) -> tuple[str, int] | None:
    """(storage class, days) a zone's objects move to: raw to its archive class, processed and
    curated to Intelligent-Tiering; None when the spec keeps them in Standard."""
    if zone == "raw" and retention.raw_archive_days is not None:
        return retention.raw_archive_class, retention.raw_archive_days
    if zone in ("processed", "curated") and retention.tiering_days is not None:
        return "INTELLIGENT_TIERING", retention.tiering_days
    return None


def _bucket_policy(stack: Stack, zone: str) -> dict:
    statements = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn(zone), bucket_objects_arn(zone)],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if zone == "logs":
        statements.append(
            {
                "Sid": "AllowAccessLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": bucket_objects_arn("logs"),
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": Sub("${AWS::AccountId}")},
                    # By name, not GetAtt: no dependency from this policy on the
                    # buckets that themselves depend on the logs bucket.
                    "ArnLike": {
                        "aws:SourceArn": [
                            Sub(f"arn:${{AWS::Partition}}:s3:::{stack.plan.naming.bucket(z)}")
                            for z in ZONES
                            if z != "logs"
                        ]
                    },
                },
            }
        )
    return policy(*statements)
