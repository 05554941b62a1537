"""The landing function as deployed: the inline code taken from a compiled template, run against
moto's S3, DynamoDB, Glue, SNS, SQS and CloudWatch (in-process)."""

from __future__ import annotations

import json
import sys
import textwrap
import types
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from helpers import compile_all

REGION = "us-east-1"
BUCKET = "events-dev-raw"
WORKFLOW = "events-dev-workflow"
TABLE = "events-dev-run-state"
SPEC = textwrap.dedent(
    """\
    apiVersion: pipegen/v1
    pipeline: events
    owner: team@example.com
    sources:
      events:
        format: csv
        landing: incoming/events/
        read: {header: true}
        accept: {max_size_mb: 0.001, name_pattern: '^events_.*', extensions: [.csv]}
    """
)
GOOD = b"id,name\n1,a\n2,b\n"


@pytest.fixture(scope="module")
def deployed_code(tmp_path_factory):
    """The function's code and environment exactly as the template gives them to Lambda."""
    spec = tmp_path_factory.mktemp("spec") / "events.yaml"
    spec.write_text(SPEC)
    template = json.loads(compile_all(spec, "events.yaml")["dev"]["template.json"])
    function = template["Resources"]["LandingFunction"]["Properties"]
    assert function["Runtime"] == "python3.12" and function["Handler"] == "index.handler"
    table = template["Resources"]["RunStateTable"]["Properties"]
    keys = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")
    declared = {k: table[k] for k in keys}
    return function["Code"]["ZipFile"], function["Environment"]["Variables"], declared


@pytest.fixture
def aws(deployed_code, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        code, variables, table = deployed_code
        # The table as the template declares it: its keys and the index the function queries.
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST", **table
        )
        glue = boto3.client("glue", region_name=REGION)
        glue.create_workflow(Name=WORKFLOW, MaxConcurrentRuns=1)
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="events-dev-alerts")["TopicArn"]
        sqs = boto3.client("sqs", region_name=REGION)
        inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=inbox_arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )
        env = {
            **variables,
            "PIPEGEN_WORKFLOW": WORKFLOW,
            "PIPEGEN_RUN_STATE_TABLE": TABLE,
            "PIPEGEN_TOPIC_ARN": topic,
        }
        # As Lambda's loader does: a module named after the file, registered in sys.modules
        # (typing resolves the config classes' annotations through it).
        index = types.ModuleType("index")
        sys.modules["index"] = index
        exec(compile(code, "index.py", "exec"), index.__dict__)
        module = index.__dict__
        try:
            yield SimpleNamespace(module=module, env=env, s3=s3, glue=glue, sqs=sqs, inbox=inbox)
        finally:
            sys.modules.pop("index", None)


def invoke(aws, event, glue=None, **env):
    landing = aws.module["Landing"]({**aws.env, **env}, {"glue": glue} if glue else None)
    return landing.handle(event)


def put(aws, key, body=GOOD) -> dict:
    version = aws.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]
    return created(key, version)


def created(key, version):
    return {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": BUCKET}, "object": {"key": key, "version-id": version}},
    }


def runs(aws) -> list[dict]:
    return aws.glue.get_workflow_runs(Name=WORKFLOW)["Runs"]


def arrival(aws, result) -> dict:
    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    return table.get_item(Key={"run_id": result["arrival_id"]})["Item"]


def alerts(aws) -> list[str]:
    messages = aws.sqs.receive_message(QueueUrl=aws.inbox, MaxNumberOfMessages=10)
    return [m["Body"] for m in messages.get("Messages", [])]


def test_accepted_file_starts_one_workflow_run_with_its_properties(aws):
    result = invoke(aws, put(aws, "incoming/events/events_1.csv"))
    assert result["status"] == "started"
    (run,) = runs(aws)
    assert run["WorkflowRunProperties"]["source"] == "events"
    assert run["WorkflowRunProperties"]["key"] == "incoming/events/events_1.csv"
    assert arrival(aws, {"arrival_id": result["arrival_ids"][0]})["status"] == "started"


def test_the_same_event_three_times_starts_one_run(aws):
    event = put(aws, "incoming/events/events_1.csv")
    results = [invoke(aws, event)["status"] for _ in range(3)]
    assert results == ["started", "duplicate", "duplicate"]
    assert len(runs(aws)) == 1


def test_a_new_version_of_the_same_key_starts_another_run(aws):
    first = invoke(aws, put(aws, "incoming/events/events_1.csv"))
    second = invoke(aws, put(aws, "incoming/events/events_1.csv", GOOD + b"3,c\n"))
    assert first["status"] == second["status"] == "started"
    assert first["arrival_ids"] != second["arrival_ids"]
    assert len(runs(aws)) == 2


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("incoming/events/events_big.csv", b"id\n" + b"1\n" * 1000, "the limit is 0.001 MB"),
        ("incoming/events/events_2.csv", b"PAR1\x00\x00\x00PAR1", "content looks like parquet"),
        ("incoming/events/events_2.json", GOOD, "extension of 'events_2.json'"),
        ("incoming/events/other.csv", GOOD, "does not match ^events_.*"),
    ],
)
def test_bad_files_are_moved_aside_with_the_reason_and_reported(aws, key, body, reason):
    result = invoke(aws, put(aws, key, body))
    assert result["status"] == "rejected" and reason in result["reason"]
    assert runs(aws) == []
    assert arrival(aws, result)["reason"] == result["reason"]
    moved = aws.s3.get_object(Bucket=BUCKET, Key="_rejected/" + key)
    assert moved["Body"].read() == body
    assert reason in moved["Metadata"]["pipegen-reason"]
    with pytest.raises(ClientError):
        aws.s3.head_object(Bucket=BUCKET, Key=key)
    (message,) = alerts(aws)
    assert f"file {key} of source events was rejected" in message and reason in message
    metric = boto3.client("cloudwatch", region_name=REGION).list_metrics(
        Namespace="pipegen", MetricName="FilesRejected"
    )["Metrics"]
    assert {(d["Name"], d["Value"]) for d in metric[0]["Dimensions"]} == {
        ("Pipeline", "events"),
        ("Environment", "dev"),
        ("Job", "landing"),
        ("Source", "events"),
    }


def test_a_vanished_object_is_rejected_as_vanished(aws):
    event = created("incoming/events/events_gone.csv", "no-such-version")
    result = invoke(aws, event)
    assert result["status"] == "rejected"
    assert result["reason"] == "the object vanished"
    assert runs(aws) == []
    assert "the object vanished" in alerts(aws)[0]


def test_objects_outside_landing_prefixes_are_ignored(aws):
    assert invoke(aws, put(aws, "_rejected/incoming/events/x.csv"))["status"] == "ignored"
    assert runs(aws) == []


def test_a_failing_call_raises_and_the_retry_repairs(aws):
    event = put(aws, "incoming/events/events_1.csv")
    with pytest.raises(ClientError, match="EntityNotFoundException"):
        invoke(aws, event, PIPEGEN_WORKFLOW="no-such-workflow", PIPEGEN_CLAIM_SECONDS="-1")
    # Lambda retries the same event a minute later, when the failed attempt's claim (as long
    # as the function's timeout) has expired: here the claim was made already expired.
    assert invoke(aws, event)["status"] == "started"
    assert len(runs(aws)) == 1


class BusyGlue:
    """Glue while a run is going: moto does not enforce MaxConcurrentRuns, Glue does."""

    def __init__(self, glue):
        self.glue = glue

    def start_workflow_run(self, **kwargs):
        raise ClientError(
            {"Error": {"Code": "ConcurrentRunsExceededException", "Message": "busy"}},
            "StartWorkflowRun",
        )


def test_files_arriving_during_a_run_wait_and_the_end_of_the_run_starts_them(aws):
    busy = BusyGlue(aws.glue)
    first = invoke(aws, put(aws, "incoming/events/events_1.csv"), glue=busy)
    second = invoke(aws, put(aws, "incoming/events/events_2.csv"), glue=busy)
    assert first["status"] == second["status"] == "waiting"
    finished = {"source": "aws.glue", "detail-type": "Glue Job State Change", "detail": {}}
    assert invoke(aws, finished, glue=busy)["status"] == "waiting"
    drained = invoke(aws, finished)
    assert drained["status"] == "started" and len(drained["arrival_ids"]) == 2
    assert len(runs(aws)) == 1
    assert invoke(aws, finished)["status"] == "idle"


class EndingGlue(BusyGlue):
    """Glue while the run whose last job just ended (or a newer one) is still marked running."""

    def __init__(self, glue, started_on):
        super().__init__(glue)
        self.started_on = started_on

    def get_workflow_runs(self, **kwargs):
        return {"Runs": [{"Status": "RUNNING", "StartedOn": self.started_on}]}


def test_the_end_of_a_run_retries_while_glue_still_finishes_that_run(aws):
    """The job's end can reach the function before Glue marks its workflow run complete: the
    drain raises (Lambda retries it a minute later) rather than leave the files waiting."""
    from datetime import UTC, datetime, timedelta

    busy = BusyGlue(aws.glue)
    assert invoke(aws, put(aws, "incoming/events/events_1.csv"), glue=busy)["status"] == "waiting"
    ended = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    finished = {
        "source": "aws.glue",
        "detail-type": "Glue Job State Change",
        "time": ended.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "detail": {},
    }
    ending = EndingGlue(aws.glue, ended - timedelta(minutes=20))
    with pytest.raises(RuntimeError, match="still finishing"):
        invoke(aws, finished, glue=ending)
    # A run that started after the job ended is a new one: its own end will drain the files.
    newer = EndingGlue(aws.glue, ended + timedelta(seconds=30))
    assert invoke(aws, finished, glue=newer)["status"] == "waiting"
    assert invoke(aws, finished)["status"] == "started"


def test_waiting_arrivals_are_indexed_apart_and_settled_ones_expire(aws):
    import time

    busy = BusyGlue(aws.glue)
    invoke(aws, put(aws, "incoming/events/events_1.csv"), glue=busy)
    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    (waiting,) = table.scan()["Items"]
    assert waiting["stage"] == "arrival-waiting" and "expires_at" not in waiting
    finished = {"source": "aws.glue", "detail-type": "Glue Job State Change", "detail": {}}
    invoke(aws, finished)
    (started,) = table.scan()["Items"]
    assert (started["stage"], started["status"]) == ("arrival", "started")
    days = (int(started["expires_at"]) - time.time()) / 86400
    assert 29 < days <= 30
