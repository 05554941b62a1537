"""The runtime's two homes behave the same: one contract test per concern, run against the local
implementation and the AWS one (on moto). Table keys match the template's DynamoDB tables."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from helpers import REPO, compile_all, template_of
from pipegen_compiler.logical_ids import table_id
from pipegen_runtime.catalog import GlueCatalog, LocalCatalog
from pipegen_runtime.metrics import CloudWatchMetrics, JsonLinesMetrics
from pipegen_runtime.notify import LogNotifier, SnsNotifier
from pipegen_runtime.state import DynamoState, SqliteState
from pipegen_runtime.storage import LocalStorage, S3Storage

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def _s3_storage() -> S3Storage:
    s3 = boto3.client("s3", region_name=REGION)
    buckets = {}
    for zone in ("raw", "processed", "curated", "temp"):
        buckets[zone] = f"b-{zone}"
        s3.create_bucket(Bucket=buckets[zone])
    return S3Storage(buckets, s3)


def _dynamo_state() -> DynamoState:
    """The three state tables exactly as the reference template declares them (keys, index)."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    resources = template_of(compile_all(REPO / "specs" / "flights.yaml")["dev"])["Resources"]
    names = {}
    for table in ("run-state", "file-bookmarks", "quality-history"):
        props = resources[table_id(table)]["Properties"]
        declared = {
            k: props[k]
            for k in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")
            if k in props
        }
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **declared)
        names[table] = table
    return DynamoState(
        names["run-state"], names["file-bookmarks"], names["quality-history"], dynamodb
    )


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, aws):
    return LocalStorage(tmp_path) if request.param == "local" else _s3_storage()


@pytest.fixture(params=["sqlite", "dynamodb"])
def state(request, tmp_path, aws):
    return SqliteState(tmp_path / "state.sqlite") if request.param == "sqlite" else _dynamo_state()


def test_storage_contract(storage):
    storage.write_bytes("raw", "in/a.csv", b"id\n1\n")
    storage.write_bytes("raw", "in/sub/b.csv", b"id\n2\n")
    listed = storage.list("raw", "in/")
    assert [o.key for o in listed] == ["in/a.csv", "in/sub/b.csv"]
    assert listed[0].size == 5
    assert storage.read_bytes("raw", "in/a.csv", 3) == b"id\n"
    assert storage.head("raw", "in/missing.csv") is None
    version = storage.head("raw", "in/a.csv").version
    storage.write_bytes("raw", "in/a.csv", b"id\n3\n")
    assert storage.head("raw", "in/a.csv").version != version
    storage.move("raw", "in/a.csv", "processed", "t/a.csv")
    storage.copy("processed", "t/a.csv", "t/copy.csv")
    assert storage.read_bytes("processed", "t/copy.csv") == b"id\n3\n"
    assert storage.head("raw", "in/a.csv") is None
    storage.delete_prefix("processed", "t/")
    assert storage.list("processed", "t/") == []
    assert storage.uri("curated", "x/").endswith("x/")


def test_state_contract(state):
    first = state.begin_batch("ingestion", "b1", "2026-01-01T00:00:00", {"name": "flights"})
    again = state.begin_batch("ingestion", "b1", "2026-01-02T00:00:00", {"name": "flights"})
    assert first.started_at == again.started_at == "2026-01-01T00:00:00"
    assert [b.batch_id for b in state.pending_batches("ingestion")] == ["b1"]
    state.update_batch("ingestion", "b1", {"name": "flights", "targets": ["k1"]})
    assert state.pending_batches("ingestion")[0].info["targets"] == ["k1"]
    assert state.committed_objects("flights") == set()
    state.commit_batch("ingestion", "b1", {"name": "flights"}, [("flights", "a#v1")])
    assert state.committed_objects("flights") == {"a#v1"}
    assert state.pending_batches("ingestion") == []
    state.begin_batch("ingestion", "b2", "2026-01-03T00:00:00", {"name": "flights"})
    state.abort_batch("ingestion", "b2")
    assert state.pending_batches("ingestion") == []
    assert [b.batch_id for b in state.committed_batches("ingestion")] == ["b1"]
    for i in range(4):
        state.record_quality("t", f"2026-01-0{i + 1}", {"score": 90 + i})
    assert [h["score"] for h in state.quality_history("t", 3)] == [91, 92, 93]


def test_uncommitted_bookmarks_do_not_count(state):
    state.begin_batch("ingestion", "b1", "2026-01-01T00:00:00", {"name": "flights"})
    assert state.committed_objects("flights") == set()


def test_glue_catalog_creates_then_updates_with_partitions(aws):
    """put_table states the table as published: partitions are added and removed to match."""
    glue = boto3.client("glue", region_name=REGION)
    glue.create_database(DatabaseInput={"Name": "flights_dev"})
    catalog = GlueCatalog("flights_dev", glue)
    table = {
        "name": "flights",
        "location": "s3://b/flights/",
        "partition_keys": ["year"],
        "columns": [{"name": "id", "type": "int"}],
        "partitions": [{"year": "2013"}, {"year": "2014"}],
    }
    catalog.put_table(table)
    assert catalog.get_table("flights")["partitions"] == [{"year": "2013"}, {"year": "2014"}]
    catalog.put_table(
        {
            **table,
            "columns": [*table["columns"], {"name": "x", "type": "string"}],
            "partitions": [{"year": "2014"}, {"year": "2015"}],
        }
    )
    stored = glue.get_table(DatabaseName="flights_dev", Name="flights")["Table"]
    assert [c["Name"] for c in stored["StorageDescriptor"]["Columns"]] == ["id", "x"]
    partitions = glue.get_partitions(DatabaseName="flights_dev", TableName="flights")
    assert sorted(p["Values"][0] for p in partitions["Partitions"]) == ["2014", "2015"]
    located = {p["Values"][0]: p["StorageDescriptor"]["Location"] for p in partitions["Partitions"]}
    assert located["2015"] == "s3://b/flights/year=2015/"
    assert catalog.get_table("flights")["partition_keys"] == ["year"]
    assert catalog.get_table("missing") is None


def test_local_catalog_round_trips(tmp_path):
    catalog = LocalCatalog(tmp_path, "db")
    catalog.put_table({"name": "t", "columns": [], "partition_keys": []})
    assert catalog.get_table("t")["name"] == "t"


def test_metrics_have_the_same_names_and_dimensions_in_both_homes(aws, tmp_path):
    local = JsonLinesMetrics(tmp_path / "m.jsonl", "flights", "dev", "ingestion")
    cloud = CloudWatchMetrics(
        "flights", "dev", "ingestion", boto3.client("cloudwatch", region_name=REGION)
    )
    for metrics in (local, cloud):
        metrics.put("RowsWritten", 10, Source="flights")
        metrics.flush()
    line = json.loads((tmp_path / "m.jsonl").read_text())
    listed = boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace="pipegen")
    (metric,) = listed["Metrics"]
    assert metric["MetricName"] == line["name"] == "RowsWritten"
    assert (
        {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        == line["dimensions"]
        == {"Pipeline": "flights", "Environment": "dev", "Job": "ingestion", "Source": "flights"}
    )
    with pytest.raises(ValueError):
        local.put("RowsWriten", 1)


def test_notifications_reach_sns_and_the_local_log(aws, tmp_path, capsys):
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    SnsNotifier(topic, sns).send("pipegen flights: ingestion failed", "boom", stage="ingestion")
    LogNotifier(tmp_path / "n.jsonl").send("pipegen flights: ingestion failed", "boom")
    body = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    assert json.loads(body["Message"])["message"] == "boom"
    assert body["Subject"] == "pipegen flights: ingestion failed"
    assert json.loads((tmp_path / "n.jsonl").read_text())["message"] == "boom"


def test_local_keys_cannot_climb_out_of_their_zone_but_links_are_fine(tmp_path):
    storage = LocalStorage(tmp_path / "lake")
    with pytest.raises(ValueError):
        storage.path("raw", "../processed/x")
    (tmp_path / "data.csv").write_text("a\n1\n")
    (tmp_path / "lake" / "raw" / "in").mkdir(parents=True)
    (tmp_path / "lake" / "raw" / "in" / "data.csv").symlink_to(tmp_path / "data.csv")
    assert storage.read_bytes("raw", "in/data.csv") == b"a\n1\n"


def test_an_aborted_batch_expires_and_a_retried_one_does_not(aws):
    """DynamoDB's TTL deletes aborted batches after 30 days; one begun again is kept."""
    import time

    state = _dynamo_state()
    state.begin_batch("ingestion", "b1", "2026-01-01T00:00:00", {"name": "flights"})
    state.abort_batch("ingestion", "b1")
    item = state.runs.get_item(Key={"run_id": "ingestion#b1"})["Item"]
    assert 29 < (int(item["expires_at"]) - time.time()) / 86400 <= 30
    assert state.begin_batch("ingestion", "b1", "2026-01-02T00:00:00", {}).status == "pending"
    assert "expires_at" not in state.runs.get_item(Key={"run_id": "ingestion#b1"})["Item"]
    assert [b.batch_id for b in state.pending_batches("ingestion")] == ["b1"]
