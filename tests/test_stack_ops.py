"""deploy, status and rollback against a moto server the tests start (real HTTP on 127.0.0.1):
a plan that changes nothing, a first deploy, an update through a change set with a backup, a
deploy that fails and is rolled back, the artifacts in the scripts bucket, and status.

moto runs change sets but neither fails nor rolls back a stack by itself; the failing deploy
here fails the way a name clash fails on AWS (an IAM role that already exists), and the
rollback is pipegen's own (re-applying the previous template), which is also what it does on
AWS when an execution fails before CloudFormation could roll back."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from helpers import REPO, run_cli

pytestmark = pytest.mark.aws

STACK = "orders-staging"
BASE = (REPO / "tests" / "golden" / "valid" / "minimal" / "spec.yaml").read_text()
SPEC = BASE + "environments: {staging: {region: us-east-1}}\nalerts: {email: [ops@example.com]}\n"


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("deploy") / "orders.yaml"
    path.write_text(SPEC)
    return path


def _cli(capsys, spec, endpoint, *extra):
    return run_cli(
        ["deploy", str(spec), "--env", "staging", "--endpoint-url", endpoint, *extra], capsys
    )


def _cfn(endpoint):
    return boto3.client("cloudformation", endpoint_url=endpoint)


def _exists(endpoint) -> bool:
    try:
        _cfn(endpoint).describe_stacks(StackName=STACK)
        return True
    except ClientError:
        return False


def test_1_plan_on_a_new_stack_changes_nothing(spec, moto_endpoint, capsys):
    code, out, err = _cli(capsys, spec, moto_endpoint, "--plan")
    assert code == 0, out + err
    assert "create change set" in out and "Add      RawBucket AWS::S3::Bucket" in out
    assert "nothing was changed" in out
    assert not _exists(moto_endpoint)


def test_2_first_deploy_creates_the_stack_and_uploads_the_release(spec, moto_endpoint, capsys):
    code, out, err = _cli(capsys, spec, moto_endpoint)
    assert code == 0, out + err
    assert out.rstrip().endswith(f"{STACK}: CREATE_COMPLETE")
    scripts = "orders-staging-scripts-123456789012-us-east-1"
    template = (
        json.loads(_cfn(moto_endpoint).get_template(StackName=STACK)["TemplateBody"])
        if isinstance(_cfn(moto_endpoint).get_template(StackName=STACK)["TemplateBody"], str)
        else _cfn(moto_endpoint).get_template(StackName=STACK)["TemplateBody"]
    )
    release = template["Metadata"]["pipegen"]["release"]
    keys = {
        o["Key"]
        for o in boto3.client("s3", endpoint_url=moto_endpoint).list_objects_v2(Bucket=scripts)[
            "Contents"
        ]
    }
    expected = {
        f"pipegen/releases/{release}/{p}"
        for p in ("pipegen_runtime.zip", "jobs/ingestion.py", "config/quality.json")
    }
    assert expected <= keys
    assert (
        "Update:Replace" in _cfn(moto_endpoint).get_stack_policy(StackName=STACK)["StackPolicyBody"]
    )


def test_3_update_goes_through_a_change_set_and_keeps_a_backup(spec, moto_endpoint, capsys):
    code, out, err = _cli(capsys, spec, moto_endpoint, "--plan")
    assert code == 0 and "no changes" in out, out + err
    spec.write_text(SPEC.replace("sources:", "defaults: {jobs: {workers: 3}}\nsources:"))
    code, out, err = _cli(capsys, spec, moto_endpoint, "--backup")
    assert code == 0, out + err
    assert "update change set" in out and "Modify   IngestionJob AWS::Glue::Job" in out
    assert "backup: s3://pipegen-deploy-123456789012-us-east-1/backups/orders-staging/" in out
    assert out.rstrip().endswith(f"{STACK}: UPDATE_COMPLETE")


def test_4_rollback_restores_the_backup(spec, moto_endpoint, capsys):
    code, out, err = run_cli(
        ["rollback", str(spec), "--env", "staging", "--endpoint-url", moto_endpoint], capsys
    )
    assert code == 0, out + err
    body = _cfn(moto_endpoint).get_template(StackName=STACK)["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    assert template["Resources"]["IngestionJob"]["Properties"]["NumberOfWorkers"] == 2


def test_5_a_failing_deploy_is_rolled_back(spec, moto_endpoint, capsys):
    before = _cfn(moto_endpoint).get_template(StackName=STACK)["TemplateBody"]
    # Turning on the VPC adds a flow-logs role; one of that name already exists in the account.
    boto3.client("iam", endpoint_url=moto_endpoint).create_role(
        RoleName="orders-staging-flow-logs", AssumeRolePolicyDocument="{}"
    )
    spec.write_text(spec.read_text() + "network: {vpc: true}\n")
    code, out, err = _cli(capsys, spec, moto_endpoint)
    assert code == 1, out + err
    assert "the update failed" in out and "rolled back to release" in out
    assert _cfn(moto_endpoint).get_template(StackName=STACK)["TemplateBody"] == before


def test_6_status_reports_the_stack_runs_and_alarms(spec, moto_endpoint, capsys):
    glue = boto3.client("glue", endpoint_url=moto_endpoint)
    glue.create_workflow(Name="orders-staging-workflow")
    run_id = glue.start_workflow_run(Name="orders-staging-workflow")["RunId"]
    cloudwatch = boto3.client("cloudwatch", endpoint_url=moto_endpoint)
    cloudwatch.put_metric_alarm(
        AlarmName="orders-staging-ingestion-failed",
        MetricName="TriggeredRules",
        Namespace="AWS/Events",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(
        AlarmName="orders-staging-ingestion-failed", StateValue="ALARM", StateReason="test"
    )
    code, out, err = run_cli(
        ["status", str(spec), "--env", "staging", "--endpoint-url", moto_endpoint], capsys
    )
    assert code == 0, err
    assert out.startswith(f"{STACK}: UPDATE_") and "ScriptsBucket" in out
    assert run_id in out
    assert "alarms in ALARM: 1" in out and "orders-staging-ingestion-failed" in out
