"""The AWS home, run as AWS runs it: the reference stack deployed to an emulator that enforces
IAM (tests/emulator), the repo's samples put in its raw bucket, and `pipegen run --home aws`,
which plays Lambda, Glue and EventBridge's routing under the stack's own roles, over S3A.

The tests assert what the stack promises a user on AWS: every job succeeds under its own role;
rows are conserved; the curated tables equal a local run's; state, catalog, metrics and logs are
where the stack's alarms, rules and log groups look; each role holds exactly its template
policy and no wildcard action it does not use; a missing action fails the run with AccessDenied;
a batch that quality blocks stays failed on every retry and is reported once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest

from emulator.server import bootstrap_admin, launch
from helpers import BLOCKING_SPEC, REPO, SAMPLES

pytestmark = [pytest.mark.spark, pytest.mark.aws]

SPEC = REPO / "specs" / "flights.yaml"
RAW = "flights-dev-raw-123456789012-us-east-1"
CURATED = "flights-dev-curated-123456789012-us-east-1"
JOBS = ("ingestion", "processing", "quality")
UPLOADS = (
    ("flights_sample.csv", "incoming/flights/flights_2013_sample.csv"),
    ("airlines.csv", "reference/airlines/airlines.csv"),
    ("airports.csv", "reference/airports/airports.csv"),
)


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    """The emulator in its own process, and an admin user's environment to call it with."""
    folder = tmp_path_factory.mktemp("emulator")
    process, endpoint, ca_bundle = launch(folder)
    admin = bootstrap_admin(endpoint, ca_bundle)
    keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env = {**keep, **admin, "AWS_ENDPOINT_URL": endpoint}
    session = boto3.session.Session(
        aws_access_key_id=admin["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=admin["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    yield SimpleNamespace(
        endpoint=endpoint,
        env=env,
        folder=folder,
        access_log=folder / "access.log",
        client=lambda name: session.client(name, endpoint_url=endpoint, verify=ca_bundle),
    )
    process.terminate()
    process.wait(timeout=30)


def pipegen(aws, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipegen_compiler", *args, "--endpoint-url", aws.endpoint]
    return subprocess.run(command, capture_output=True, text=True, env=aws.env, timeout=2400)


def _inbox(aws, topic_name: str) -> str:
    """An SQS queue subscribed to the alert topic: what the topic's subscribers receive."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    url = sqs.create_queue(QueueName=f"{topic_name}-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    topic = next(
        t["TopicArn"]
        for t in sns.list_topics()["Topics"]
        if t["TopicArn"].endswith(f":{topic_name}")
    )
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["QueueArn"])
    return url


def _messages(aws, url: str) -> list[str]:
    sqs, found = aws.client("sqs"), []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        found += [json.loads(m["Body"])["Message"] for m in batch]
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _notice_inbox(aws, rule: str) -> str:
    """An SQS target beside a notice rule's topic, with the rule's own input transformer: what
    the topic would mail (the emulator delivers EventBridge targets to SQS, not to SNS)."""
    events, sqs = aws.client("events"), aws.client("sqs")
    url = sqs.create_queue(QueueName=f"{rule}-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    (topic,) = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert topic["Arn"].endswith(":" + rule.replace("notice-", ""))
    target = {"Id": "inbox", "Arn": arn["QueueArn"], "InputTransformer": topic["InputTransformer"]}
    events.put_targets(Rule=rule, Targets=[target])
    return url


def _sentences(aws, url: str) -> list[str]:
    """What a notice inbox received: each message is the transformer's JSON string."""
    sqs, found = aws.client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [json.loads(m["Body"]) if m["Body"].startswith('"') else m["Body"] for m in batch]
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


@pytest.fixture(scope="module")
def flights(aws, tmp_path_factory):
    """The reference stack deployed (dev), the samples landed, one `run --home aws`."""
    out = tmp_path_factory.mktemp("out")
    deployed = pipegen(aws, "deploy", str(SPEC), "--env", "dev")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    inbox = _inbox(aws, "flights-dev-alerts")
    notices = {
        kind: _notice_inbox(aws, f"flights-dev-notice-run-{kind}")
        for kind in ("started", "succeeded")
    }
    s3 = aws.client("s3")
    for sample, key in UPLOADS:
        s3.upload_file(str(SAMPLES / sample), RAW, key)
    run = pipegen(aws, "run", str(SPEC), "--env", "dev", "--home", "aws", "--out", str(out))
    template = _deployed_template(aws, "flights-dev")
    return SimpleNamespace(run=run, out=out, inbox=inbox, notices=notices, template=template)


def _deployed_template(aws, stack: str) -> dict:
    body = aws.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
    return json.loads(json.dumps(body)) if isinstance(body, dict) else json.loads(body)


def _access(aws) -> list[dict]:
    return [json.loads(line) for line in aws.access_log.read_text().splitlines()]


def _first_run(run: subprocess.CompletedProcess) -> str:
    """The workflow run the function started first (the one that did the work)."""
    return next(line.split()[-1] for line in run.stdout.splitlines() if line.startswith("workflow"))


def _job_folder(flights, job: str) -> Path:
    return (
        flights.out
        / "flights"
        / "dev"
        / "aws-home"
        / _first_run(flights.run)
        / f"flights-dev-{job}-0"
    )


def test_every_job_succeeds_under_its_own_role_and_rows_are_conserved(flights, aws):
    run = flights.run
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "flights                   1       3,368       3,368            0" in run.stdout
    assert "airports                  1       1,458       1,458            0" in run.stdout
    assert "quality score 100 (pass)" in run.stdout
    for job in JOBS:
        assert f"flights-dev-{job} SUCCEEDED" in run.stdout
        # The driver's Python output (spark-submit merges its stderr into stdout): the job went
        # through Glue's argument parsing and the GlueContext stand-in.
        output = (_job_folder(flights, job) / "stdout.log").read_text()
        assert "glue-shim: GlueContext stand-in in use" in output
        summary = next(
            json.loads(line.removeprefix("pipegen summary: "))
            for line in output.splitlines()
            if line.startswith("pipegen summary: ")
        )
        assert summary["job_run_id"].startswith("jr_")
        # Spark's own default on the "cluster": the runtime no longer forces 8 on Glue.
        assert summary["spark"]["spark.sql.shuffle.partitions"] == "200"
    calls = _access(aws)
    assert not [c for c in calls if not c["allowed"]], "a call was denied"
    callers = {c["who"] for c in calls}
    assert {f"role/flights-dev-{job}" for job in (*JOBS, "landing")} <= callers
    landing = {c["action"] for c in calls if c["who"] == "role/flights-dev-landing"}
    assert "glue:StartWorkflowRun" in landing


def test_the_opted_in_notices_reach_their_rules_as_sentences(flights, aws):
    """The runtime's events, put under the ingestion and quality roles, matched by the notice
    rules and turned into their sentences: every workflow run says it started; the one that
    published says it succeeded (the second run finds nothing new to check)."""
    assert flights.run.returncode == 0
    started = _sentences(aws, flights.notices["started"])
    runs = [
        line.split()[-1] for line in flights.run.stdout.splitlines() if line.startswith("workflow")
    ]
    assert sorted(s.split()[3] for s in started) == sorted(set(runs)), started
    assert all(s.startswith("pipegen flights/dev: run ") and " started at " in s for s in started)
    (succeeded,) = _sentences(aws, flights.notices["succeeded"])
    assert succeeded.startswith(f"pipegen flights/dev: run {_first_run(flights.run)} succeeded at ")
    assert "3 table(s) published, quality " in succeeded and f"s3://{CURATED}/" in succeeded


def _data_digest(spark, folder: Path) -> str:
    import hashlib

    frame = spark.read.parquet(str(folder))
    columns = sorted(c for c in frame.columns if not c.startswith("_"))
    rows = sorted(json.dumps([str(v) for v in r]) for r in frame.select(*columns).collect())
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def test_curated_tables_equal_a_local_run_on_the_same_files(flights, aws, sample_run, spark):
    lake, _ = sample_run
    s3, scratch = aws.client("s3"), aws.folder / "curated"
    for table in ("flights_enriched", "daily_delays", "route_ranking"):
        listed = s3.list_objects_v2(Bucket=CURATED, Prefix=f"{table}/").get("Contents", [])
        assert listed, table
        for item in listed:
            path = scratch / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(CURATED, item["Key"], str(path))
        local = _data_digest(spark, lake / "curated" / table)
        assert _data_digest(spark, scratch / table) == local, table


def _alarm_metrics(template: dict) -> list[tuple[str, list[dict]]]:
    """(metric name, dimensions) of every pipegen metric the stack's alarms read."""
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        stats = [q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q]
        stats += [props] if "MetricName" in props else []
        found += [(s["MetricName"], s["Dimensions"]) for s in stats if s["Namespace"] == "pipegen"]
    return found


def test_state_catalog_metrics_and_logs_are_where_the_stack_looks(flights, aws):
    assert flights.run.returncode == 0
    runs = aws.client("dynamodb")
    committed = {}
    for stage in JOBS:
        items = runs.query(
            TableName="flights-dev-run-state",
            IndexName="by-stage",
            KeyConditionExpression="stage = :s",
            ExpressionAttributeValues={":s": {"S": stage}},
        )["Items"]
        committed[stage] = sum(1 for i in items if i["status"]["S"] == "committed")
    assert committed == {"ingestion": 3, "processing": 1, "quality": 1}
    glue = aws.client("glue")
    tables = {t["Name"] for t in glue.get_tables(DatabaseName="flights_dev")["TableList"]}
    # The sources, the curated tables, and the rows the one rule with failing rows kept
    # (07_compare passes within its tolerance; its 58 failing rows are stored and catalogued).
    failed = "flights_enriched__failed__07_compare"
    sources = {"flights", "airlines", "airports"}
    raw = {f"raw_{name}" for name in sources}
    curated = {"flights_enriched", "daily_delays", "route_ranking"}
    assert tables == sources | raw | curated | {failed}
    _assert_raw_table_lists_the_landed_files(aws, "flights")
    location = glue.get_table(DatabaseName="flights_dev", Name=failed)["Table"]
    assert location["StorageDescriptor"]["Location"] == (
        f"s3://{CURATED}/_quality/failed_rows/flights_enriched/07_compare/"
    )
    partitions = glue.get_partitions(DatabaseName="flights_dev", TableName="flights_enriched")
    registered = {tuple(p["Values"]) for p in partitions["Partitions"]}
    keys = aws.client("s3").list_objects_v2(Bucket=CURATED, Prefix="flights_enriched/")
    folders = {
        tuple(part.split("=", 1)[1] for part in k["Key"].split("/")[1:-1]) for k in keys["Contents"]
    }
    assert registered == folders and len(folders) == 13
    cloudwatch = aws.client("cloudwatch")
    watched = _alarm_metrics(flights.template)
    assert len(watched) >= 8
    for name, dimensions in watched:
        found = cloudwatch.list_metrics(Namespace="pipegen", MetricName=name, Dimensions=dimensions)
        assert found["Metrics"], (name, dimensions)
    logs = aws.client("logs")
    for group in ("output", "error"):
        found = logs.describe_log_streams(logGroupName=f"/aws-glue/jobs/flights-dev/{group}")
        assert len([s for s in found["logStreams"] if s["logStreamName"].startswith("jr_")]) >= 6
    landing = logs.describe_log_streams(logGroupName="/aws/lambda/flights-dev-landing")
    assert landing["logStreams"], "the function's output is in its own log group"
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws-glue/jobs/flights-dev/")
    assert {g["logGroupName"]: g["retentionInDays"] for g in groups["logGroups"]} == {
        "/aws-glue/jobs/flights-dev/error": 30,
        "/aws-glue/jobs/flights-dev/output": 30,
    }


def _raw_manifests(aws, source: str) -> list[str]:
    """Every file URI the raw table of `source` lists, over all its manifests."""
    s3 = aws.client("s3")
    found = s3.list_objects_v2(Bucket=RAW, Prefix=f"_catalog/{source}/").get("Contents", [])
    return [
        line
        for item in found
        for line in s3.get_object(Bucket=RAW, Key=item["Key"])["Body"].read().decode().split()
    ]


def _assert_raw_table_lists_the_landed_files(aws, source: str) -> None:
    """The ingestion role wrote the manifests and registered `raw_<source>` under IAM; its
    partitions are the landing days, each at the folder of that day's manifests."""
    glue = aws.client("glue")
    table = glue.get_table(DatabaseName="flights_dev", Name=f"raw_{source}")["Table"]
    descriptor = table["StorageDescriptor"]
    assert descriptor["InputFormat"] == "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
    assert descriptor["SerdeInfo"]["SerializationLibrary"].endswith("OpenCSVSerde")
    assert descriptor["Location"] == f"s3://{RAW}/_catalog/{source}/"
    assert table["Parameters"]["skip.header.line.count"] == "1"
    partitions = glue.get_partitions(DatabaseName="flights_dev", TableName=f"raw_{source}")
    locations = {p["StorageDescriptor"]["Location"] for p in partitions["Partitions"]}
    landed = aws.client("s3").list_objects_v2(Bucket=RAW, Prefix=f"_catalog/{source}/")
    folders = {f"s3://{RAW}/" + i["Key"].rsplit("/", 1)[0] + "/" for i in landed["Contents"]}
    assert locations == folders and len(folders) >= 1
    assert _raw_manifests(aws, source) == [f"s3://{RAW}/incoming/flights/flights_2013_sample.csv"]


def _policies(template: dict) -> dict[str, dict]:
    """Role name -> the statements its AWS::IAM::Policy grants, by Sid."""
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        role = template["Resources"][resource["Properties"]["Roles"][0]["Ref"]]
        name = role["Properties"]["RoleName"]
        statements = resource["Properties"]["PolicyDocument"]["Statement"]
        found[name] = {s["Sid"]: s for s in statements}
    return found


def test_each_role_holds_exactly_its_template_policy(flights, aws):
    iam = aws.client("iam")
    policies = _policies(flights.template)
    assert sorted(policies) == [f"flights-dev-{r}" for r in ("ingestion", "landing")] + [
        "flights-dev-processing",
        "flights-dev-quality",
    ]
    for role, expected in policies.items():
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        assert names == ["pipegen-access"], role
        document = iam.get_role_policy(RoleName=role, PolicyName="pipegen-access")
        deployed = {s["Sid"]: s for s in document["PolicyDocument"]["Statement"]}
        assert {sid: s["Action"] for sid, s in deployed.items()} == {
            sid: s["Action"] for sid, s in expected.items()
        }, role
        assert {sid: len(s["Resource"]) for sid, s in deployed.items()} == {
            sid: len(s["Resource"]) for sid, s in expected.items()
        }, role


def unused_actions(template: dict, calls: list[dict]) -> dict[str, list[str]]:
    used = defaultdict(set)
    for call in calls:
        if call["allowed"] and call["who"].startswith("role/"):
            used[call["who"].removeprefix("role/")].add(call["action"])
    return {
        role: sorted({a for s in statements.values() for a in s["Action"]} - used[role])
        for role, statements in _policies(template).items()
    }


def test_no_role_holds_a_wildcard_action_it_did_not_use(flights, aws):
    unused = unused_actions(flights.template, _access(aws))
    (flights.out / "unused-actions.json").write_text(json.dumps(unused, indent=2))
    print("granted but not used in this run:", json.dumps(unused, indent=2))
    assert not [(r, a) for r, actions in unused.items() for a in actions if "*" in a]
    # What the run did use, by the role that did it.
    assert "dynamodb:BatchWriteItem" not in unused["flights-dev-ingestion"]
    assert "glue:BatchCreatePartition" not in unused["flights-dev-quality"]
    assert "events:PutEvents" not in unused["flights-dev-quality"]


# The blocking pipeline of tests/test_run.py, with two retries of each job.
ORDERS_SPEC = BLOCKING_SPEC.replace("sources:", "defaults:\n  jobs: {max_retries: 2}\nsources:", 1)


def test_a_blocked_batch_fails_every_retry_and_is_reported_once(aws, tmp_path):
    spec = tmp_path / "orders.yaml"
    spec.write_text(ORDERS_SPEC)
    deployed = pipegen(aws, "deploy", str(spec), "--env", "dev")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    inbox = _inbox(aws, "orders-dev-alerts")
    aws.client("s3").put_object(
        Bucket="orders-dev-raw-123456789012-us-east-1",
        Key="incoming/orders/o.csv",
        Body=b"order_id,amount\n1,10\n2,5000\n3,20\n",
    )
    out = tmp_path / "out"
    run = pipegen(aws, "run", str(spec), "--env", "dev", "--home", "aws", "--out", str(out))
    assert run.returncode == 4, run.stdout + run.stderr[-3000:]
    assert run.stdout.count("orders-dev-quality FAILED") == 3  # the run and its 2 retries
    assert "orders-dev-quality SUCCEEDED" not in run.stdout
    assert "BLOCKED: not published" in run.stdout, run.stdout
    curated = aws.client("s3").list_objects_v2(
        Bucket="orders-dev-curated-123456789012-us-east-1", Prefix="big_orders/"
    )
    assert curated.get("KeyCount", 0) == 0
    messages = _messages(aws, inbox)
    quality = [m for m in messages if ": quality fail, score" in m]
    assert len(quality) == 1 and "published: no" in quality[0]
    # Each failed attempt is a Glue job run that ended FAILED; the job-failed rule says why.
    failed = [m for m in messages if "job orders-dev-quality ended FAILED" in m]
    assert len(failed) == 3 and all("quality blocked batch" in m for m in failed)
    # The failing row, with its reason, under the curated bucket and in the catalog, written
    # under the quality job's own role.
    folder = "_quality/failed_rows/big_orders/00_range_amount/"
    stored = aws.client("s3").list_objects_v2(
        Bucket="orders-dev-curated-123456789012-us-east-1", Prefix=folder
    )
    assert [k["Key"].rsplit("/", 1)[1][:5] for k in stored["Contents"]] == ["part-"]
    table = aws.client("glue").get_table(
        DatabaseName="orders_dev", Name="big_orders__failed__00_range_amount"
    )["Table"]
    descriptor = table["StorageDescriptor"]
    assert descriptor["Location"] == f"s3://orders-dev-curated-123456789012-us-east-1/{folder}"
    assert {"order_id", "amount", "pipegen_rule", "pipegen_reason"} <= {
        c["Name"] for c in descriptor["Columns"]
    }


def test_a_missing_action_fails_the_run_with_access_denied(flights, aws, tmp_path):
    from pipegen_compiler.aws_home.change_sets import Aws, stage_template

    cloudformation = aws.client("cloudformation")
    original = _deployed_template(aws, "flights-dev")
    template = json.loads(json.dumps(original))
    statements = template["Resources"]["IngestionAccessPolicy"]["Properties"]["PolicyDocument"]
    table = next(s for s in statements["Statement"] if s["Sid"] == "UseRunStateTable")
    table["Action"].remove("dynamodb:Query")
    session = boto3.session.Session(
        aws_access_key_id=aws.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws.env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    connection = Aws(session, aws.endpoint, "us-east-1")
    bucket = "pipegen-deploy-123456789012-us-east-1"
    os.environ["AWS_CA_BUNDLE"] = aws.env["AWS_CA_BUNDLE"]
    try:
        _update(cloudformation, stage_template(connection, bucket, "flights-dev", _body(template)))
        document = aws.client("iam").get_role_policy(
            RoleName="flights-dev-ingestion", PolicyName="pipegen-access"
        )
        deployed = {s["Sid"]: s for s in document["PolicyDocument"]["Statement"]}
        assert deployed["UseRunStateTable"]["Action"] == table["Action"]
        aws.client("s3").upload_file(
            str(SAMPLES / "flights_sample.csv"), RAW, "incoming/flights/flights_2013_again.csv"
        )
        out = tmp_path / "out"
        run = pipegen(aws, "run", str(SPEC), "--env", "dev", "--home", "aws", "--out", str(out))
        assert run.returncode == 1, run.stdout + run.stderr[-3000:]
        assert "flights-dev-ingestion FAILED" in run.stdout
        assert "not authorized to perform: dynamodb:Query" in run.stdout
        denied = [c for c in _access(aws) if not c["allowed"]]
        assert {(c["who"], c["action"]) for c in denied} == {
            ("role/flights-dev-ingestion", "dynamodb:Query")
        }
    finally:
        url = stage_template(connection, bucket, "flights-dev", _body(original))
        _update(cloudformation, url)
        os.environ.pop("AWS_CA_BUNDLE")


def _body(template: dict) -> bytes:
    return json.dumps(template, sort_keys=True).encode()


def _update(cloudformation, url: str) -> None:
    cloudformation.update_stack(
        StackName="flights-dev", TemplateURL=url, Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    cloudformation.get_waiter("stack_update_complete").wait(
        StackName="flights-dev", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def test_a_re_sent_file_is_skipped_and_a_changed_one_replaces_its_rows(flights, aws, tmp_path):
    """#14 item 4 on the AWS home, where a file's version is its S3 ETag. Runs last: it lands
    more files in the module's stack."""
    import csv
    import re

    assert flights.run.returncode == 0
    s3 = aws.client("s3")
    sample = SAMPLES / "flights_sample.csv"
    s3.upload_file(str(sample), RAW, "incoming/flights/flights_2013_sample (copy).csv")
    lines = sample.read_text().splitlines(keepends=True)[:1201]  # the header and 1,200 rows
    changed = tmp_path / "changed.csv"
    changed.write_text("".join(lines))
    s3.upload_file(str(changed), RAW, "incoming/flights/flights_2013_sample.csv")
    out = tmp_path / "out"
    run = pipegen(aws, "run", str(SPEC), "--env", "dev", "--home", "aws", "--out", str(out))
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "flights                   1       1,200       1,200            0" in run.stdout
    # The copy, and the same content left uncommitted by the missing-action test when it ran.
    assert re.search(r"flights: [1-9] re-sent file\(s\) skipped", run.stdout), run.stdout
    assert "flights: 1 file(s) changed in place" in run.stdout
    # Curated from the new version alone: its departed flights, one per key.
    with changed.open() as handle:
        departed = {
            (r["carrier"], r["flight"], r["time_hour"])
            for r in csv.DictReader(handle)
            if r["dep_time"] not in ("", "NA")
        }
    assert re.search(rf"^flights_enriched\s+{len(departed):,}\s", run.stdout, re.MULTILINE)
    # The raw table lists the changed file once (its earlier manifest forgot it), the skipped
    # copy not at all.
    assert _raw_manifests(aws, "flights") == [
        f"s3://{RAW}/incoming/flights/flights_2013_sample.csv"
    ]
