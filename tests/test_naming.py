"""naming.py's output is a contract: a changed logical ID replaces a resource (and its data)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from helpers import REPO, compile_all
from pipegen_compiler.naming import Naming, logical_id


def test_physical_names_are_pinned():
    naming = Naming("flights", "prod", "eu-west-1")
    assert naming.all_physical() == [
        ("s3_bucket", "flights-prod-raw-111111111111-eu-west-1"),
        ("s3_bucket", "flights-prod-processed-111111111111-eu-west-1"),
        ("s3_bucket", "flights-prod-curated-111111111111-eu-west-1"),
        ("s3_bucket", "flights-prod-scripts-111111111111-eu-west-1"),
        ("s3_bucket", "flights-prod-temp-111111111111-eu-west-1"),
        ("s3_bucket", "flights-prod-logs-111111111111-eu-west-1"),
        ("glue_job", "flights-prod-ingestion"),
        ("glue_job", "flights-prod-processing"),
        ("glue_job", "flights-prod-quality"),
        ("iam_role", "flights-prod-ingestion"),
        ("iam_role", "flights-prod-processing"),
        ("iam_role", "flights-prod-quality"),
        ("iam_role", "flights-prod-crawler"),
        ("glue_crawler", "flights-prod-processed-crawler"),
        ("glue_crawler", "flights-prod-curated-crawler"),
        ("glue_workflow", "flights-prod-workflow"),
        ("glue_name", "flights-prod-security"),
        ("glue_database", "flights_prod"),
        ("dynamodb_table", "flights-prod-run-state"),
        ("dynamodb_table", "flights-prod-file-bookmarks"),
        ("dynamodb_table", "flights-prod-quality-history"),
        ("kms_alias", "alias/flights-prod-data"),
        ("kms_alias", "alias/flights-prod-logs"),
        ("glue_trigger", "flights-prod-start"),
        ("glue_trigger", "flights-prod-after-ingestion"),
        ("glue_trigger", "flights-prod-after-processing"),
    ]
    assert naming.bucket("raw") == "flights-prod-raw-${AWS::AccountId}-eu-west-1"
    assert naming.script_key("quality") == "pipegen/jobs/quality.py"
    assert naming.bundle_key == "pipegen/pipegen_runtime.zip"


def test_reference_logical_ids_are_pinned():
    template = compile_all(REPO / "specs" / "flights.yaml")["dev"]["template.json"]
    import json

    assert sorted(json.loads(template)["Resources"]) == [
        "AfterIngestionTrigger",
        "AfterProcessingTrigger",
        "CatalogDatabase",
        "CrawlerRole",
        "CrawlerRolePolicy",
        "CuratedBucket",
        "CuratedBucketPolicy",
        "CuratedCrawler",
        "DataKey",
        "DataKeyAlias",
        "FileBookmarksTable",
        "IngestionJob",
        "IngestionRole",
        "IngestionRolePolicy",
        "LogsBucket",
        "LogsBucketPolicy",
        "LogsKey",
        "LogsKeyAlias",
        "ProcessedBucket",
        "ProcessedBucketPolicy",
        "ProcessedCrawler",
        "ProcessingJob",
        "ProcessingRole",
        "ProcessingRolePolicy",
        "QualityHistoryTable",
        "QualityJob",
        "QualityRole",
        "QualityRolePolicy",
        "RawBucket",
        "RawBucketPolicy",
        "RunStateTable",
        "ScriptsBucket",
        "ScriptsBucketPolicy",
        "SecurityConfiguration",
        "StartTrigger",
        "TempBucket",
        "TempBucketPolicy",
        "Workflow",
    ]


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=4))
def test_logical_ids_are_alphanumeric_and_stable(parts):
    result = logical_id(*parts)
    assert result == logical_id(*parts)
    assert result == "" or (result.isascii() and result.isalnum())
