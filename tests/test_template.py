"""Security and wiring properties of the reference template, checked on the template itself."""

from __future__ import annotations

import json

import pytest

from helpers import REPO, compile_all


@pytest.fixture(scope="module")
def resources() -> dict:
    files = compile_all(REPO / "specs" / "flights.yaml")["dev"]
    return json.loads(files["template.json"])["Resources"]


def _of_type(resources: dict, kind: str) -> dict:
    return {k: v for k, v in resources.items() if v["Type"] == kind}


def test_every_bucket_is_versioned_private_and_aborts_multipart(resources):
    buckets = _of_type(resources, "AWS::S3::Bucket")
    assert len(buckets) == 6
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, name
        assert all(props["PublicAccessBlockConfiguration"].values()), name
        rules = props["LifecycleConfiguration"]["Rules"]
        assert any("AbortIncompleteMultipartUpload" in r for r in rules), name
    for name in ("RawBucket", "ProcessedBucket", "CuratedBucket"):
        assert buckets[name]["DeletionPolicy"] == buckets[name]["UpdateReplacePolicy"] == "Retain"
    raw = buckets["RawBucket"]["Properties"]
    assert raw["NotificationConfiguration"]["EventBridgeConfiguration"]["EventBridgeEnabled"]
    assert {"Id": "expire-current-objects", "Status": "Enabled", "ExpirationInDays": 90} in raw[
        "LifecycleConfiguration"
    ]["Rules"]


def test_every_bucket_policy_denies_plain_http(resources):
    policies = _of_type(resources, "AWS::S3::BucketPolicy")
    assert len(policies) == 6
    for policy in policies.values():
        deny = policy["Properties"]["PolicyDocument"]["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_iam_has_no_wildcard_actions_and_one_required_wildcard_resource(resources):
    statements = [
        s
        for p in _of_type(resources, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements
    for statement in statements:
        actions = statement["Action"]
        assert not [a for a in actions if "*" in a], statement["Sid"]
        if "*" in statement["Resource"]:
            assert actions == ["cloudwatch:PutMetricData"]
            assert "cloudwatch:namespace" in statement["Condition"]["StringEquals"]


def test_keys_rotate_and_name_their_users(resources):
    keys = _of_type(resources, "AWS::KMS::Key")
    assert sorted(keys) == ["DataKey", "LogsKey", "NotifyKey"]
    assert all(k["Properties"]["EnableKeyRotation"] for k in keys.values())
    users = keys["DataKey"]["Properties"]["KeyPolicy"]["Statement"][1]["Principal"]["AWS"]
    assert sorted(u["Fn::GetAtt"][0] for u in users) == [
        "IngestionRole",
        "LandingRole",
        "ProcessingRole",
        "QualityRole",
    ]
    notify = keys["NotifyKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert notify[2]["Principal"]["Service"] == [
        "budgets.amazonaws.com",  # the reference spec has a budget
        "cloudwatch.amazonaws.com",
        "costalerts.amazonaws.com",
        "events.amazonaws.com",
    ]


def test_workflow_chains_jobs_by_reference(resources):
    triggers = _of_type(resources, "AWS::Glue::Trigger")
    chain = {}
    for trigger in triggers.values():
        props = trigger["Properties"]
        if props["Type"] == "CONDITIONAL":
            assert props["Predicate"]["Logical"] == "AND"
            (condition,) = props["Predicate"]["Conditions"]
            chain[condition["JobName"]["Ref"]] = [a["JobName"]["Ref"] for a in props["Actions"]]
        else:
            assert props["Type"] == "SCHEDULED"
            assert props["Schedule"] == "cron(0 2 * * ? *)"
            assert props["Actions"] == [{"JobName": {"Ref": "IngestionJob"}}]
    assert chain == {"IngestionJob": ["ProcessingJob"], "ProcessingJob": ["QualityJob"]}


def test_the_jobs_own_the_catalog_no_crawler_races_them(resources):
    """The runtime registers tables and partitions as it publishes (runtime/catalog.py): a
    crawler on the same tables would race the quality job and overwrite what it wrote. The jobs
    that publish (ingestion, quality) write the catalog; processing only reads it."""
    assert not _of_type(resources, "AWS::Glue::Crawler")
    catalog = {
        name: next(
            set(s["Action"])
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            if s["Sid"] == "UseCatalog"
        )
        for name, p in _of_type(resources, "AWS::IAM::Policy").items()
        if name != "LandingAccessPolicy"
    }
    writes = {"glue:BatchCreatePartition", "glue:BatchDeletePartition", "glue:CreateTable"}
    assert writes <= catalog["IngestionAccessPolicy"] and writes <= catalog["QualityAccessPolicy"]
    assert catalog["ProcessingAccessPolicy"] == {"glue:GetPartitions", "glue:GetTable"}


def test_jobs_use_the_catalog_api_only_and_leave_shuffle_to_the_cluster(resources):
    for job in _of_type(resources, "AWS::Glue::Job").values():
        arguments = job["Properties"]["DefaultArguments"]
        # Spark's Hive client would open the `default` database, which no role may use.
        assert "--enable-glue-datacatalog" not in arguments
        assert not any("shuffle" in k or "shuffle" in str(v) for k, v in arguments.items())


def test_glue_writes_its_logs_into_log_groups_the_stack_owns(resources):
    """Glue 5 writes to `<--custom-logGroup-prefix>/output` and `/error`; both are in the stack
    with the spec's retention and the logs key, so no group exists outside it."""
    groups = {
        r["Properties"]["LogGroupName"]: r["Properties"]
        for r in _of_type(resources, "AWS::Logs::LogGroup").values()
    }
    for job in _of_type(resources, "AWS::Glue::Job").values():
        prefix = job["Properties"]["DefaultArguments"]["--custom-logGroup-prefix"]
        for suffix in ("output", "error"):
            group = groups[f"{prefix}/{suffix}"]
            assert group["RetentionInDays"] == 30
            assert group["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}


def test_cost_alerts_wait_for_the_topic_policy_that_lets_them_publish(resources):
    for name in ("MonthlyBudget", "CostAnomalySubscription"):
        assert resources[name]["DependsOn"] == ["AlertTopicPolicy"], name


def test_run_state_is_read_by_index_and_expires_what_is_done(resources):
    table = resources["RunStateTable"]["Properties"]
    (index,) = table["GlobalSecondaryIndexes"]
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["stage", "run_id"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    scans = [
        a
        for p in _of_type(resources, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        for a in s["Action"]
        if a == "dynamodb:Scan"
    ]
    assert scans == []


def test_jobs_take_settings_from_the_spec(resources):
    jobs = _of_type(resources, "AWS::Glue::Job")
    assert {
        k: (v["Properties"]["Timeout"], v["Properties"]["NumberOfWorkers"]) for k, v in jobs.items()
    } == {"IngestionJob": (30, 2), "ProcessingJob": (30, 2), "QualityJob": (20, 2)}
    for job in jobs.values():
        assert job["Properties"]["SecurityConfiguration"] == {"Ref": "SecurityConfiguration"}
        assert "MaxCapacity" not in job["Properties"]


def test_prod_override_applies_only_to_prod():
    outputs = compile_all(REPO / "specs" / "flights.yaml")
    workers = {
        env: json.loads(files["template.json"])["Resources"]["IngestionJob"]["Properties"][
            "NumberOfWorkers"
        ]
        for env, files in outputs.items()
    }
    assert workers == {"dev": 2, "staging": 2, "prod": 10}
    quality = {
        env: json.loads(files["config/quality.json"])["quality"]["on_failure"]
        for env, files in outputs.items()
    }
    assert quality == {"dev": "alert", "staging": "alert", "prod": "block"}


def test_every_taggable_resource_carries_the_cost_tags(resources):
    untagged = (
        "AWS::S3::BucketPolicy",
        "AWS::IAM::Policy",
        "AWS::KMS::Alias",
        "AWS::Glue::Database",
        "AWS::Glue::SecurityConfiguration",
        # CloudFormation offers no Tags on these.
        "AWS::SNS::Subscription",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::Lambda::Permission",
        "AWS::Lambda::EventInvokeConfig",
    )
    for name, resource in resources.items():
        if resource["Type"] in untagged:
            continue
        props = resource["Properties"]
        tags = props.get("Tags", props.get("ResourceTags"))
        pairs = tags if isinstance(tags, dict) else {t["Key"]: t["Value"] for t in tags}
        assert pairs["pipegen:pipeline"] == "flights", name
        assert pairs["pipegen:environment"] == "dev", name
        assert pairs["pipegen:stack"] == "flights-dev", name
        assert pairs["cost-center"] == "1234", name
