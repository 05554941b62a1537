"""`pipegen deploy`, `pipegen status`, `pipegen rollback`: the stack on AWS, with boto3.

deploy: compile; stage the template in a bootstrap bucket (templates over 51,200 bytes must come
from S3); validate it; create a change set and print it (`--plan` stops there and leaves
nothing behind); on an existing stack upload the artifacts first (under their release folder,
so running jobs keep reading theirs); execute and follow the stack's events; on a new stack
upload the artifacts once it exists. A failed execution is rolled back to the previous template
unless `--no-rollback`. `--backup` keeps the previous template, parameters and artifact versions
in the bootstrap bucket for `pipegen rollback`. A stack policy forbids replacing or deleting the
data buckets, tables and data key, so no deploy can take the data with it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..naming import BUNDLE_NAME
from ..plan import PipelinePlan

PROTECTED = (
    "RawBucket",
    "ProcessedBucket",
    "CuratedBucket",
    "LogsBucket",
    "DataKey",
    "RunStateTable",
    "FileBookmarksTable",
    "QualityHistoryTable",
)
FAILED = ("CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_FAILED")
FAILED += ("UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED")
UPLOAD_ORDER = (BUNDLE_NAME, "config/", "jobs/")


class DeployError(Exception):
    pass


@dataclass
class Aws:
    """The clients of one account and region (optionally a profile and an endpoint)."""

    session: Any
    endpoint_url: str | None
    region: str

    @classmethod
    def connect(cls, region: str, profile: str | None, endpoint_url: str | None) -> Aws:
        import boto3

        session = boto3.session.Session(region_name=region, profile_name=profile)
        return cls(session, endpoint_url, region)

    def client(self, name: str):
        return self.session.client(name, endpoint_url=self.endpoint_url)


def stack_status(aws: Aws, stack: str) -> str | None:
    try:
        return aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0][
            "StackStatus"
        ]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def bootstrap_bucket(aws: Aws) -> str:
    """A private, encrypted, versioned bucket per account and region for templates and backups."""
    account = aws.client("sts").get_caller_identity()["Account"]
    name = f"pipegen-deploy-{account}-{aws.region}"
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=name)
        return name
    except ClientError:
        pass
    where = (
        {}
        if aws.region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": aws.region}}
    )
    s3.create_bucket(Bucket=name, **where)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            k: True
            for k in (
                "BlockPublicAcls",
                "IgnorePublicAcls",
                "BlockPublicPolicy",
                "RestrictPublicBuckets",
            )
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    # A plain-http endpoint is a local emulator: a TLS-only policy would deny every request.
    if not (aws.endpoint_url or "").startswith("http://"):
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(tls_only))
    return name


def stage_template(aws: Aws, bucket: str, stack: str, body: bytes) -> str:
    key = f"templates/{stack}/{hashlib.sha256(body).hexdigest()[:16]}.json"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return f"https://{bucket}.s3.{aws.region}.amazonaws.com/{key}"


def plan_changes(aws: Aws, stack: str, url: str, release: str, echo) -> tuple[str | None, str]:
    """Create a change set and print it; (change set name or None when nothing changes, type)."""
    cfn = aws.client("cloudformation")
    status = stack_status(aws, stack)
    kind = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
    name = f"pipegen-{release}-{int(time.time())}"
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        ChangeSetType=kind,
        TemplateURL=url,
        Capabilities=["CAPABILITY_NAMED_IAM"],
        Description=f"pipegen release {release}",
    )
    described = _wait_change_set(cfn, stack, name)
    if described["Status"] == "FAILED":
        reason = described.get("StatusReason", "")
        cfn.delete_change_set(StackName=stack, ChangeSetName=name)
        if "didn't contain changes" in reason or "No updates" in reason:
            echo(f"{stack}: no changes")
            return None, kind
        raise DeployError(f"change set failed: {reason}")
    echo(f"{stack}: {kind.lower()} change set {name}, {len(described['Changes'])} change(s)")
    for change in described["Changes"]:
        item = change["ResourceChange"]
        replace = (
            f" (replacement: {item['Replacement']})"
            if item.get("Replacement") not in (None, "False")
            else ""
        )
        echo(f"  {item['Action']:<8} {item['LogicalResourceId']} {item['ResourceType']}{replace}")
    return name, kind


def _wait_change_set(cfn, stack: str, name: str) -> dict:
    for _ in range(600):
        described = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return described
        time.sleep(1)
    raise DeployError(f"change set {name} did not finish")


def discard(aws: Aws, stack: str, name: str, kind: str) -> None:
    """`--plan`: leave nothing behind (a CREATE change set leaves a REVIEW_IN_PROGRESS stack)."""
    cfn = aws.client("cloudformation")
    cfn.delete_change_set(StackName=stack, ChangeSetName=name)
    if kind == "CREATE":
        cfn.delete_stack(StackName=stack)


def execute(aws: Aws, stack: str, name: str, disable_rollback: bool, echo) -> str:
    cfn = aws.client("cloudformation")
    seen: set[str] = set()
    cfn.execute_change_set(StackName=stack, ChangeSetName=name, DisableRollback=disable_rollback)
    for _ in range(3600):
        _echo_events(cfn, stack, seen, echo)
        status = stack_status(aws, stack) or "DELETED"
        if not status.endswith("_IN_PROGRESS"):
            return status
        time.sleep(2)
    raise DeployError(f"{stack} is still in progress")


def _echo_events(cfn, stack: str, seen: set[str], echo) -> None:
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    for event in reversed(events):
        if event["EventId"] in seen:
            continue
        seen.add(event["EventId"])
        reason = f": {event['ResourceStatusReason']}" if event.get("ResourceStatusReason") else ""
        echo(f"  {event['ResourceStatus']:<20} {event['LogicalResourceId']}{reason}")


def outputs(aws: Aws, stack: str) -> dict[str, str]:
    described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def scripts_bucket(aws: Aws, plan: PipelinePlan) -> str:
    """The scripts bucket's name: naming.py makes it from the account, so no lookup can lag."""
    account = aws.client("sts").get_caller_identity()["Account"]
    return plan.naming.bucket("scripts").replace("${AWS::AccountId}", account)


def upload_artifacts(
    aws: Aws, plan: PipelinePlan, files: dict[str, bytes], release: str, echo
) -> list[str]:
    bucket = scripts_bucket(aws, plan)
    prefix = plan.naming.release_prefix(release)
    s3, keys = aws.client("s3"), []
    for start in UPLOAD_ORDER:
        for relative in sorted(f for f in files if f.startswith(start)):
            s3.put_object(Bucket=bucket, Key=prefix + relative, Body=files[relative])
            keys.append(prefix + relative)
    echo(f"  uploaded {len(keys)} artifacts to s3://{bucket}/{prefix}")
    return keys


def protect_data(aws: Aws, stack: str, template: dict) -> None:
    """A stack policy: no update may replace or delete the data buckets, tables or key."""
    protected = [f"LogicalResourceId/{r}" for r in PROTECTED if r in template["Resources"]]
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": ["Update:Replace", "Update:Delete"],
                "Principal": "*",
                "Resource": protected,
            },
        ]
    }
    aws.client("cloudformation").set_stack_policy(
        StackName=stack, StackPolicyBody=json.dumps(policy)
    )


def current_template(aws: Aws, stack: str) -> dict:
    body = aws.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
    return json.loads(body) if isinstance(body, str) else body


def save_backup(aws: Aws, bucket: str, plan: PipelinePlan) -> str:
    """The deployed template, parameters and artifact versions, before they are replaced."""
    stack = plan.naming.prefix
    template = current_template(aws, stack)
    release = template.get("Metadata", {}).get("pipegen", {}).get("release")
    described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    scripts = scripts_bucket(aws, plan)
    versions = []
    if scripts and release:
        listed = aws.client("s3").list_object_versions(
            Bucket=scripts, Prefix=plan.naming.release_prefix(release)
        )
        versions = [
            {"key": v["Key"], "version": v["VersionId"]}
            for v in listed.get("Versions", [])
            if v["IsLatest"]
        ]
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    meta = {
        "release": release,
        "parameters": described.get("Parameters", []),
        "artifacts": versions,
        "saved_at": stamp,
    }
    s3 = aws.client("s3")
    base = f"backups/{stack}/{stamp}/"
    s3.put_object(
        Bucket=bucket,
        Key=base + "template.json",
        Body=json.dumps(template, sort_keys=True).encode(),
    )
    s3.put_object(
        Bucket=bucket, Key=base + "backup.json", Body=json.dumps(meta, sort_keys=True).encode()
    )
    return base


def latest_backup(aws: Aws, bucket: str, stack: str) -> tuple[str, bytes, dict]:
    listed = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"backups/{stack}/")
    bases = sorted({o["Key"].rsplit("/", 1)[0] + "/" for o in listed.get("Contents", [])})
    if not bases:
        raise DeployError(f"no backup of {stack}: deploy with --backup first")
    s3 = aws.client("s3")
    template = s3.get_object(Bucket=bucket, Key=bases[-1] + "template.json")["Body"].read()
    meta = json.loads(s3.get_object(Bucket=bucket, Key=bases[-1] + "backup.json")["Body"].read())
    return bases[-1], template, meta
