"""The reference template deploys to a moto server, and `pipegen upload` puts the artifacts
exactly where the deployed jobs look for them.

moto's CloudFormation creates the S3 buckets, KMS keys and aliases, IAM roles, DynamoDB
tables, the SNS topic, the SQS queue, the Lambda function and the EventBridge rules; it accepts
AWS::Glue::*, AWS::IAM::RolePolicy, the alarms and the policies without creating them (it warns "No
Moto CloudFormation support"), so the job locations are read from the deployed template.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import boto3
import pytest

from helpers import REPO

SPEC = REPO / "specs" / "flights.yaml"

pytestmark = pytest.mark.aws


def _resolve_sub(text: str, outputs: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: outputs[m.group(1)], text)


@pytest.fixture(scope="module")
def deployed(moto_endpoint, tmp_path_factory):
    """Compile the reference spec and deploy it with boto3's CloudFormation client."""
    out = tmp_path_factory.mktemp("out")
    subprocess.run(
        [sys.executable, "-m", "pipegen_compiler", "compile", str(SPEC), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    template_text = (out / "flights/dev/template.json").read_text()
    cloudformation = boto3.client("cloudformation", endpoint_url=moto_endpoint)
    cloudformation.create_stack(
        StackName="flights-dev", TemplateBody=template_text, Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName="flights-dev", WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    stack = cloudformation.describe_stacks(StackName="flights-dev")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    return out, json.loads(template_text), outputs


def test_stack_outputs_name_every_bucket(deployed):
    _, _, outputs = deployed
    assert outputs["RawBucket"] == "flights-dev-raw-123456789012-us-east-1"
    assert outputs["RunStateTableName"] == "flights-dev-run-state"
    # Outputs of Glue resources (WorkflowName, *JobName) are absent: moto does not create them.


def _assert_artifacts_in_place(out, template, outputs, endpoint) -> None:
    """Every ScriptLocation, --extra-py-files and --pipegen-config holds the compiled bytes."""
    s3 = boto3.client("s3", endpoint_url=endpoint)
    checked = 0
    for job_id in ("IngestionJob", "ProcessingJob", "QualityJob"):
        job = template["Resources"][job_id]["Properties"]
        for location in (
            job["Command"]["ScriptLocation"]["Fn::Sub"],
            job["DefaultArguments"]["--extra-py-files"]["Fn::Sub"],
            job["DefaultArguments"]["--pipegen-config"]["Fn::Sub"],
        ):
            bucket, key = _resolve_sub(location, outputs).removeprefix("s3://").split("/", 1)
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            release = json.loads((out / "flights/dev/manifest.json").read_text())["release"]
            relative = key.removeprefix(f"pipegen/releases/{release}/")
            assert body == (out / "flights/dev" / relative).read_bytes()
            checked += 1
    assert checked == 9


def _release(out) -> str:
    return json.loads((out / "flights/dev/manifest.json").read_text())["release"]


def _empty_artifacts(outputs, endpoint) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint)
    listed = s3.list_objects_v2(Bucket=outputs["ScriptsBucket"], Prefix="pipegen/")
    for item in listed.get("Contents", []):
        s3.delete_object(Bucket=outputs["ScriptsBucket"], Key=item["Key"])


def test_pipegen_upload_puts_artifacts_where_the_jobs_expect_them(deployed, moto_endpoint):
    out, template, outputs = deployed
    _empty_artifacts(outputs, moto_endpoint)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipegen_compiler",
            "upload",
            str(SPEC),
            "--env",
            "dev",
            "--out",
            str(out),
            "--endpoint-url",
            moto_endpoint,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    _assert_artifacts_in_place(out, template, outputs, moto_endpoint)


def test_documented_aws_s3_sync_puts_artifacts_in_the_same_place(deployed, moto_endpoint):
    """The README's `aws s3 sync` line, run with the real awscli against the moto server."""
    out, template, outputs = deployed
    _empty_artifacts(outputs, moto_endpoint)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "s3",
            "sync",
            str(out / "flights/dev"),
            f"s3://{outputs['ScriptsBucket']}/pipegen/releases/{_release(out)}/",
            "--exclude",
            "*",
            "--include",
            "jobs/*",
            "--include",
            "config/*",
            "--include",
            "pipegen_runtime.zip",
            "--endpoint-url",
            moto_endpoint,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    _assert_artifacts_in_place(out, template, outputs, moto_endpoint)


def test_deployed_buckets_are_encrypted_and_tagged_and_tables_exist(deployed, moto_endpoint):
    """moto applies a bucket's encryption from CloudFormation (not its versioning or public
    access block; test_template.py checks those on the template itself)."""
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("flights-dev")]
    assert len(names) == 6
    for name in names:
        rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
        algorithm = rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        assert algorithm == ("AES256" if "-logs-" in name else "aws:kms")
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        assert (tags["pipegen:pipeline"], tags["pipegen:environment"]) == ("flights", "dev")
    tables = boto3.client("dynamodb", endpoint_url=moto_endpoint).list_tables()["TableNames"]
    assert sorted(t for t in tables if t.startswith("flights-dev")) == [
        "flights-dev-file-bookmarks",
        "flights-dev-quality-history",
        "flights-dev-run-state",
    ]


def test_monitoring_resources_are_created(deployed, moto_endpoint):
    """What moto creates of the monitoring part: the rules, the topic, the failure queue and the
    function. It accepts the alarms, the dashboard, the email subscriptions, the Lambda invoke
    config and the topic and queue policies without creating them; cfn-lint and
    tests/test_monitoring.py check those from the template."""
    rules = boto3.client("events", endpoint_url=moto_endpoint).list_rules(NamePrefix="flights-dev")
    # Six of the pipeline's own, and one per notice kind the reference opts into.
    assert len(rules["Rules"]) == 8
    topics = boto3.client("sns", endpoint_url=moto_endpoint).list_topics()["Topics"]
    names = {t["TopicArn"].rsplit(":", 1)[1] for t in topics}
    assert {"flights-dev-alerts", "flights-dev-run-started", "flights-dev-run-succeeded"} <= names
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint)
    url = sqs.get_queue_url(QueueName="flights-dev-landing-failures")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["KmsMasterKeyId"].startswith("arn:")
    function = boto3.client("lambda", endpoint_url=moto_endpoint).get_function(
        FunctionName="flights-dev-landing"
    )
    assert function["Configuration"]["Runtime"] == "python3.12"


def test_budget_and_anomaly_resources_deploy(deployed, moto_endpoint):
    """The stack with the budget, anomaly monitor and subscription reaches CREATE_COMPLETE.
    moto accepts these three types without creating them (it warns "not supported by moto's
    CloudFormation implementation"); their properties are checked from the template by
    tests/test_cost.py and cfn-lint."""
    _, template, _ = deployed
    cost_types = {"AWS::Budgets::Budget", "AWS::CE::AnomalyMonitor", "AWS::CE::AnomalySubscription"}
    assert cost_types <= {r["Type"] for r in template["Resources"].values()}
    stack = boto3.client("cloudformation", endpoint_url=moto_endpoint).describe_stacks(
        StackName="flights-dev"
    )["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
