"""naming.py's output is a contract: a changed logical ID replaces a resource (and its data)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from helpers import REPO, compile_all
from pipegen_compiler.logical_ids import logical_id
from pipegen_compiler.naming import NOTICE_KINDS, Naming


def test_physical_names_are_pinned():
    naming = Naming("flights", "prod", "eu-west-1")
    assert naming.all_physical(NOTICE_KINDS) == [
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
        ("kms_alias", "alias/flights-prod-notify"),
        ("iam_role", "flights-prod-landing"),
        ("sns_topic", "flights-prod-alerts"),
        ("lambda_function", "flights-prod-landing"),
        ("sqs_queue", "flights-prod-landing-failures"),
        ("log_group", "/aws/lambda/flights-prod-landing"),
        ("log_group", "/aws-glue/jobs/flights-prod/output"),
        ("log_group", "/aws-glue/jobs/flights-prod/error"),
        ("dashboard", "flights-prod"),
        ("event_rule", "flights-prod-file-arrived"),
        ("event_rule", "flights-prod-run-succeeded"),
        ("event_rule", "flights-prod-ingestion-failed"),
        ("event_rule", "flights-prod-processing-failed"),
        ("event_rule", "flights-prod-quality-failed"),
        ("event_rule", "flights-prod-quality-result"),
        ("sns_topic", "flights-prod-run-started"),
        ("sns_topic", "flights-prod-run-succeeded"),
        ("event_rule", "flights-prod-notice-run-started"),
        ("event_rule", "flights-prod-notice-run-succeeded"),
    ]
    assert naming.bucket("raw") == "flights-prod-raw-${AWS::AccountId}-eu-west-1"
    assert naming.script_key("quality", "r1") == "pipegen/releases/r1/jobs/quality.py"
    assert naming.bundle_key("r1") == "pipegen/releases/r1/pipegen_runtime.zip"


def test_reference_logical_ids_are_pinned():
    template = compile_all(REPO / "specs" / "flights.yaml")["dev"]["template.json"]
    import json

    assert sorted(json.loads(template)["Resources"]) == [
        "AfterIngestionTrigger",
        "AfterProcessingTrigger",
        "AirlinesErrorRateAlarm",
        "AirportsErrorRateAlarm",
        "AlertEmail1",
        "AlertTopic",
        "AlertTopicPolicy",
        "CatalogDatabase",
        "CostAnomalyMonitor",
        "CostAnomalySubscription",
        "CuratedBucket",
        "CuratedBucketPolicy",
        "DailyDelaysQualityFailAlarm",
        "DailyDelaysQualityWarnAlarm",
        "Dashboard",
        "DataKey",
        "DataKeyAlias",
        "FileArrivedRule",
        "FileBookmarksTable",
        "FlightsEnrichedQualityFailAlarm",
        "FlightsEnrichedQualityWarnAlarm",
        "FlightsErrorRateAlarm",
        "FlightsRowsAnomalyAlarm",
        "GlueErrorLogGroup",
        "GlueOutputLogGroup",
        "IngestionAccessPolicy",
        "IngestionDurationAlarmAlarm",
        "IngestionDurationWarnAlarm",
        "IngestionFailedAlarm",
        "IngestionFailedRule",
        "IngestionJob",
        "IngestionRole",
        "IngestionUtilizationAlarm",
        "LandingAccessPolicy",
        "LandingErrorsAlarm",
        "LandingFailureQueue",
        "LandingFailureQueueAlarm",
        "LandingFailureQueuePolicy",
        "LandingFunction",
        "LandingFunctionInvokeConfig",
        "LandingFunctionInvokedByFileArrived",
        "LandingFunctionInvokedByIngestionFailed",
        "LandingFunctionInvokedByProcessingFailed",
        "LandingFunctionInvokedByQualityFailed",
        "LandingFunctionInvokedByRunSucceeded",
        "LandingLogGroup",
        "LandingRole",
        "LandingThrottlesAlarm",
        "LogsBucket",
        "LogsBucketPolicy",
        "LogsKey",
        "LogsKeyAlias",
        "MissedRunAlarm",
        "MonthlyBudget",
        "NoticeRunStartedRule",
        "NoticeRunSucceededRule",
        "NotifyKey",
        "NotifyKeyAlias",
        "ProcessedBucket",
        "ProcessedBucketPolicy",
        "ProcessingAccessPolicy",
        "ProcessingDurationAlarmAlarm",
        "ProcessingDurationWarnAlarm",
        "ProcessingFailedAlarm",
        "ProcessingFailedRule",
        "ProcessingJob",
        "ProcessingRole",
        "ProcessingUtilizationAlarm",
        "QualityAccessPolicy",
        "QualityDurationAlarmAlarm",
        "QualityDurationWarnAlarm",
        "QualityFailedAlarm",
        "QualityFailedRule",
        "QualityHistoryTable",
        "QualityJob",
        "QualityResultRule",
        "QualityRole",
        "QualityUtilizationAlarm",
        "RawBucket",
        "RawBucketPolicy",
        "RouteRankingQualityFailAlarm",
        "RouteRankingQualityWarnAlarm",
        "RunStartedNoticeEmail1",
        "RunStartedNoticeTopic",
        "RunStartedNoticeTopicPolicy",
        "RunStateTable",
        "RunSucceededNoticeEmail1",
        "RunSucceededNoticeEmail2",
        "RunSucceededNoticeTopic",
        "RunSucceededNoticeTopicPolicy",
        "RunSucceededRule",
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


def test_every_builder_takes_its_logical_ids_from_the_catalogue():
    """A resource ID spelled inside a builder (a literal, an f-string, a casing call) is one a
    rename can change without the catalogue, and its pinned test, noticing."""
    import ast

    from pipegen_compiler import logical_ids

    catalogue = set(vars(logical_ids))
    builders = REPO / "compiler" / "builders"
    spelled = []
    for path in sorted(builders.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            module = node.func.value
            if not (isinstance(module, ast.Name) and node.func.attr[:1].isupper() and node.args):
                continue
            first = node.args[0]
            # From the catalogue: one of its constants or functions, or a local variable that
            # holds what one of them returned.
            if isinstance(first, ast.Call):
                from_catalogue = isinstance(first.func, ast.Name) and first.func.id in catalogue
            else:
                from_catalogue = isinstance(first, ast.Name) and (
                    first.id in catalogue or first.id.islower()
                )
            if not from_catalogue:
                spelled.append(f"{path.name}:{node.lineno}: {ast.unparse(first)}")
    assert spelled == []
