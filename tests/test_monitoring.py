"""Integrity of what the stack watches: every alarm and widget reads a metric that exists.

The hand-built system this project generalises had alarms on job names that did not exist, so
they could never fire. Here each metric an alarm or the dashboard reads is checked against the
template's own resources (Glue jobs, the function, the queue, the rules) or against what the
runtime publishes, and every rule and alarm must reach the alert topic.
"""

from __future__ import annotations

import copy
import json
import re

import pytest

from helpers import REPO, compile_all, plan_all
from pipegen_compiler.logical_ids import notice_topic_id, rule_id
from pipegen_compiler.naming import JOBS, NOTICE_KINDS, notice_rule
from pipegen_runtime.messages import JOB_ENDED, QUALITY, placeholders, render
from pipegen_runtime.metrics import METRIC_NAMES, NAMESPACE, PUBLISHED

# Glue job metrics (Glue docs, "Monitoring AWS Glue using Amazon CloudWatch metrics").
GLUE_JOB_METRICS = {
    "glue.driver.aggregate.elapsedTime",
    "glue.driver.aggregate.numCompletedTasks",
    "glue.driver.aggregate.numFailedTasks",
    "glue.driver.aggregate.numKilledTasks",
}
# Glue observability metrics (Glue docs, "Monitoring with AWS Glue Observability metrics"):
# published only for jobs run with --enable-observability-metrics.
GLUE_OBSERVABILITY_METRICS = {"glue.driver.workerUtilization": "resource_utilization"}
LAMBDA_METRICS = {"Invocations", "Errors", "Throttles", "Duration"}
TOPIC = {"Ref": "AlertTopic"}


@pytest.fixture(scope="module")
def templates():
    found = {}
    for spec in ("flights", "minimal"):
        path = REPO / "tests" / "golden" / "valid" / spec / "spec.yaml"
        if spec == "flights":
            path = REPO / "specs" / "flights.yaml"
        for env, files in compile_all(path, f"{spec}.yaml").items():
            found[f"{spec}/{env}"] = json.loads(files["template.json"])
    return found


def _resource(template, value, kind):
    """The resource a Ref or GetAtt points at, if it is of the expected type."""
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
    elif isinstance(value, dict) and "Fn::GetAtt" in value:
        name = value["Fn::GetAtt"][0]
    else:
        return None
    resource = template["Resources"].get(name)
    return resource if resource and resource["Type"] == kind else None


def metric_problems(template, namespace, name, dimensions, region="${AWS::Region}") -> list[str]:
    """Why this metric can never have data, or [] when it is a real one."""
    dims = {d["Name"]: d["Value"] for d in dimensions}
    meta = template["Metadata"]["pipegen"]
    where = f"{namespace}/{name} {dims}"
    if namespace == "Glue" and name in GLUE_OBSERVABILITY_METRICS:
        job = _resource(template, dims.get("JobName"), "AWS::Glue::Job")
        ok = (
            set(dims) == {"JobName", "JobRunId", "Type", "ObservabilityGroup"}
            and dims["JobRunId"] == "ALL"
            and dims["Type"] == "gauge"
            and dims["ObservabilityGroup"] == GLUE_OBSERVABILITY_METRICS[name]
            and job
            and job["Properties"]["DefaultArguments"].get("--enable-observability-metrics")
            == "true"
        )
    elif namespace == "Glue":
        ok = (
            name in GLUE_JOB_METRICS
            and set(dims) == {"JobName", "JobRunId", "Type"}
            and dims["JobRunId"] == "ALL"
            and dims["Type"] in ("count", "gauge")
            and _resource(template, dims["JobName"], "AWS::Glue::Job")
        )
    elif namespace == "AWS/Events":
        ok = name == "TriggeredRules" and _resource(
            template, dims.get("RuleName"), "AWS::Events::Rule"
        )
    elif namespace == "AWS/Lambda":
        ok = name in LAMBDA_METRICS and _resource(
            template, dims.get("FunctionName"), "AWS::Lambda::Function"
        )
    elif namespace == "AWS/SQS":
        ok = name == "ApproximateNumberOfMessagesVisible" and _resource(
            template, dims.get("QueueName"), "AWS::SQS::Queue"
        )
    elif namespace == NAMESPACE:
        ok = name in METRIC_NAMES and _custom_dimensions_ok(meta, name, dims)
    elif namespace == "AWS/Billing":
        # AWS publishes the bill in us-east-1 only, per currency (and service).
        ok = name == "EstimatedCharges" and dims == {"Currency": "USD"} and region == "us-east-1"
    else:
        ok = False
    return [] if ok else [where]


def _custom_dimensions_ok(meta, name, dims) -> bool:
    job, dataset = PUBLISHED[name]
    expected = {"Pipeline", "Environment", "Job", *([dataset] if dataset else [])}
    return (
        set(dims) == expected
        and dims["Pipeline"] == meta["pipeline"]
        and dims["Environment"] == meta["environment"]
        and dims["Job"] == job
    )


def alarm_problems(template) -> list[str]:
    problems = []
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        if props.get("AlarmActions") != [TOPIC] or "TreatMissingData" not in props:
            problems.append(f"{name}: no action to the topic or no missing-data decision")
        if "Metrics" in props:
            stats = [q["MetricStat"] for q in props["Metrics"] if "MetricStat" in q]
            metrics = [
                (s["Metric"]["Namespace"], s["Metric"]["MetricName"], s["Metric"]) for s in stats
            ]
        else:
            metrics = [(props["Namespace"], props["MetricName"], props)]
        for namespace, metric, holder in metrics:
            found = metric_problems(template, namespace, metric, holder.get("Dimensions", []))
            problems += [f"{name}: {p}" for p in found]
    return problems


def dashboard_problems(template) -> list[str]:
    body, variables = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    problems = []
    for widget in json.loads(body)["widgets"]:
        if widget["type"] == "alarm":
            names = {
                r["Properties"]["AlarmName"]
                for r in template["Resources"].values()
                if r["Type"] == "AWS::CloudWatch::Alarm"
            }
            for arn in widget["properties"]["alarms"]:
                prefix = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
                if not arn.startswith(prefix) or arn.removeprefix(prefix) not in names:
                    problems.append(f"alarm widget: {arn} is no alarm of the template")
            continue
        if widget["type"] == "text":
            continue
        ids = {line[-1].get("id") for line in widget["properties"]["metrics"]}
        for line in widget["properties"]["metrics"]:
            if "expression" in line[0]:
                used = set(re.findall(r"[a-z][A-Za-z0-9_]*", line[0]["expression"])) - {"IF"}
                if not used <= ids:
                    problems.append(f"expression {line[0]['expression']}: unknown {used - ids}")
                continue
            namespace, name, *rest = line[:-1]
            dims = [
                {"Name": k, "Value": variables[v[2:-1]] if v.startswith("${") else v}
                for k, v in zip(rest[::2], rest[1::2], strict=True)
            ]
            region = widget["properties"]["region"]
            problems += metric_problems(template, namespace, name, dims, region)
    return problems


def test_every_alarm_watches_a_real_metric_and_tells_the_topic(templates):
    for label, template in templates.items():
        assert alarm_problems(template) == [], label
        assert sum(r["Type"] == "AWS::CloudWatch::Alarm" for r in template["Resources"].values())


def test_every_dashboard_widget_reads_a_real_metric(templates):
    for label, template in templates.items():
        assert dashboard_problems(template) == [], label


@pytest.mark.parametrize(
    ("alarm", "path", "wrong"),
    [
        # The seed's bug: a JobName that names no job.
        ("IngestionDurationWarnAlarm", ("Dimensions", 0, "Value"), "flights-dev-ingest"),
        ("IngestionDurationWarnAlarm", ("Dimensions", 1, "Value"), "latest"),
        ("QualityFailedAlarm", ("MetricName",), "FailedInvocations"),
        ("FlightsEnrichedQualityFailAlarm", ("Dimensions", 2, "Name"), "JobName"),
        ("FlightsEnrichedQualityFailAlarm", ("MetricName",), "QualityScores"),
        ("LandingErrorsAlarm", ("Dimensions", 0, "Value"), {"Ref": "IngestionJob"}),
        (
            "FlightsErrorRateAlarm",
            ("Metrics", 0, "MetricStat", "Metric", "Dimensions", 3, "Name"),
            "Table",
        ),
        ("LandingFailureQueueAlarm", ("AlarmActions",), []),
        (
            "IngestionUtilizationAlarm",
            ("Metrics", 0, "MetricStat", "Metric", "Dimensions", 3, "Value"),
            "memory",
        ),
        (
            "QualityUtilizationAlarm",
            ("Metrics", 0, "MetricStat", "Metric", "MetricName"),
            "glue.driver.workerUtilisation",
        ),
    ],
)
def test_a_misnamed_alarm_is_caught(templates, alarm, path, wrong):
    template = copy.deepcopy(templates["flights/dev"])
    holder = template["Resources"][alarm]["Properties"]
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = wrong
    assert [p for p in alarm_problems(template) if p.startswith(alarm)]


def test_utilisation_needs_the_job_to_publish_observability_metrics(templates):
    template = copy.deepcopy(templates["flights/dev"])
    arguments = template["Resources"]["IngestionJob"]["Properties"]["DefaultArguments"]
    del arguments["--enable-observability-metrics"]
    problems = alarm_problems(template)
    assert [p for p in problems if p.startswith("IngestionUtilization")]
    assert dashboard_problems(template)


def test_the_dashboard_shows_utilisation_quarantine_rate_and_freshness(templates):
    body = templates["flights/dev"]["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
    widgets = {w["properties"].get("title"): w for w in json.loads(body["Fn::Sub"][0])["widgets"]}
    utilisation = widgets["Worker utilisation (% of workers in use)"]["properties"]["metrics"]
    assert [line[0]["label"] for line in utilisation if "expression" in line[0]] == list(JOBS)
    rate = widgets["Quarantine rate (% of rows read)"]["properties"]["metrics"]
    assert sum("expression" in line[0] for line in rate) == 3  # one per source
    (freshness,) = [w for t, w in widgets.items() if t and t.startswith("Freshness")]
    assert freshness["type"] == "alarm"


def test_the_cost_panel_shows_the_estimate_pipegen_cost_gives_for_this_stack(templates):
    """The panel's figure is computed while the stack is built; it must equal what
    `pipegen cost` says of the finished template (the panel itself included)."""
    from pipegen_compiler.cost_estimate import estimate, usage_for

    plans = {
        f"flights/{e}": p
        for e, p in plan_all(REPO / "specs" / "flights.yaml", "flights.yaml").items()
    }
    minimal = REPO / "tests" / "golden" / "valid" / "minimal" / "spec.yaml"
    plans |= {f"minimal/{e}": p for e, p in plan_all(minimal, "minimal.yaml").items()}
    assert plans.keys() == templates.keys()
    for label, template in templates.items():
        plan = plans[label]
        total = round(estimate(usage_for(plan, template)).total, 2)
        body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
        widgets = json.loads(body)["widgets"]
        (chart,) = [w for w in widgets if w["properties"].get("title", "").startswith("Charges")]
        lines = {a["label"]: a["value"] for a in chart["properties"]["annotations"]["horizontal"]}
        assert lines[f"pipegen estimate ${total:,.2f}"] == total, label
        (text,) = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
        assert f"**${total:,.2f} a month**" in text
        if plan.budget is not None:
            limit = plan.budget.monthly_usd
            assert lines[f"budget ${limit:,.2f}"] == limit
            assert f"{plan.naming.prefix}-monthly: ${limit:,.2f}" in text
        else:
            assert len(lines) == 1 and "Budget" not in text


def test_every_rule_targets_the_topic_or_the_landing_function(templates):
    function = {"Fn::GetAtt": ["LandingFunction", "Arn"]}
    for label, template in templates.items():
        rules = {
            n: r["Properties"]
            for n, r in template["Resources"].items()
            if r["Type"] == "AWS::Events::Rule"
        }
        notices = {rule_id(notice_rule(k)): {"Ref": notice_topic_id(k)} for k in NOTICE_KINDS}
        for name, rule in rules.items():
            arns = [t["Arn"] for t in rule["Targets"]]
            if name in notices:  # an opt-in notice goes to its own topic only
                assert arns == [notices[name]], (label, name)
                assert _resource(template, arns[0], "AWS::SNS::Topic"), (label, name)
                continue
            assert arns and all(a in (TOPIC, function) for a in arns), (label, name)
            notifies = name not in ("FileArrivedRule", "RunSucceededRule")
            assert (TOPIC in arns) == notifies, (label, name)
            detail = rule["EventPattern"].get("detail", {})
            for job in detail.get("jobName", []):
                assert _resource(template, job, "AWS::Glue::Job"), (label, name)
            for crawler in detail.get("crawlerName", []):
                assert _resource(template, crawler, "AWS::Glue::Crawler"), (label, name)


def test_rule_messages_are_the_runtime_templates_filled_from_the_event(templates):
    rules = templates["flights/dev"]["Resources"]
    target = rules["IngestionFailedRule"]["Properties"]["Targets"][0]["InputTransformer"]
    text = json.loads(target["InputTemplate"])
    assert text == JOB_ENDED.replace("<pipeline>", "flights").replace("<environment>", "dev")
    assert set(target["InputPathsMap"]) == set(placeholders(text))
    quality = rules["QualityResultRule"]["Properties"]
    assert quality["EventPattern"]["detail"]["outcome"] == ["warn", "fail"]
    event = {
        "pipeline": "flights",
        "environment": "dev",
        "outcome": "warn",
        "score": 90.5,
        "warn_below": 95,
        "fail_below": 80,
        "published": "yes",
        "report": "s3://b/r.html",
    }
    # What EventBridge would send for this event equals what the local run records.
    transformer = quality["Targets"][0]["InputTransformer"]
    sent = re.sub(
        r"<([a-z_]+)>",
        lambda m: str(event[transformer["InputPathsMap"][m.group(1)].removeprefix("$.detail.")]),
        json.loads(transformer["InputTemplate"]),
    )
    assert sent == render(QUALITY, event)


def test_job_alarm_thresholds_follow_the_spec(templates):
    resources = templates["flights/dev"]["Resources"]
    # quality: 20-minute timeout; warn at 50%, alarm at 75% (specs/flights.yaml).
    assert resources["QualityDurationWarnAlarm"]["Properties"]["Threshold"] == 600_000
    assert resources["QualityDurationAlarmAlarm"]["Properties"]["Threshold"] == 900_000
    missed = resources["MissedRunAlarm"]["Properties"]
    # Daily at 02:00: 24 h between runs + 3 jobs x 30 min rounded up to 2 h.
    assert missed["EvaluationPeriods"] == 26 and missed["TreatMissingData"] == "breaching"
    assert "MissedRunAlarm" not in templates["minimal/dev"]["Resources"]
