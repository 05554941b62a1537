"""`pipegen cost`, the budget check, and the budget and anomaly resources in the stack."""

from __future__ import annotations

import json

import pytest

from helpers import REPO, compile_all, interface_endpoints, run_cli
from pipegen_compiler.cost_estimate import JobUsage, Usage, estimate, load_prices, usage_for
from pipegen_compiler.cost_levers import levers, without_vpc
from pipegen_compiler.pipeline import plan_all

SPEC = REPO / "specs" / "flights.yaml"


def _item(result, service, item):
    return sum(i.monthly_usd for i in result.items if i.service == service and i.item == item)


def test_the_seed_system_is_estimated_line_by_line_with_correct_figures():
    """The hand-built system of ../shared/seed/glue-etl-pipeline-guide.md: 3 NAT gateways (one
    per AZ), 5 interface endpoints, 3 jobs of 2 G.1X workers for 30 minutes 10 runs a month,
    12 alarms, 50 custom metrics reporting all month, 2 dashboards, 6 KMS keys.

    The seed's own figures are wrong in two places, and the test holds the correct ones:
    - Glue: the seed says $45.50 a month, $1.52 a run; a run is 2 DPUs x 0.5 h x $0.44 =
      $0.44, so 30 runs are $13.20.
    - Interface endpoints: billed per endpoint *per AZ*, $0.01 an hour: 5 x 3 x 730 h x $0.01 =
      $109.50 a month, not a few dollars. (NAT: 3 x 730 h x $0.045 = $98.55; the seed's
      $97.20 counts 720 hours.)
    The spec language cannot state NAT gateways or endpoints until the network issue; this
    Usage is what a spec with them will produce.
    """
    seed = Usage(
        region="us-east-1",
        jobs=tuple(JobUsage(k, "G.1X", 2, 30, 10) for k in ("ingestion", "processing", "quality")),
        nat_gateways=3,
        availability_zones=3,
        interface_endpoints=("glue", "kms", "logs", "monitoring", "sts"),
        alarm_metrics=12,
        custom_metrics=50,
        custom_metric_hours=730,
        dashboards=2,
        kms_keys=6,
    )
    result = estimate(seed)
    expected = {
        ("VPC", "NAT gateways"): 98.55,
        **{("VPC", f"interface endpoint {s}"): 21.90 for s in ("glue", "kms", "logs")},
        **{("VPC", f"interface endpoint {s}"): 21.90 for s in ("monitoring", "sts")},
        ("Glue", "ingestion job"): 4.40,
        ("Glue", "processing job"): 4.40,
        ("Glue", "quality job"): 4.40,
        ("CloudWatch", "alarm metrics"): 1.20,
        ("CloudWatch", "custom metrics"): 15.00,
        ("CloudWatch", "dashboards"): 6.00,
        ("KMS", "customer managed keys"): 6.00,
    }
    for (service, item), correct in expected.items():
        assert _item(result, service, item) == pytest.approx(correct, rel=0.05), (service, item)
    assert result.total == pytest.approx(sum(expected.values()), rel=0.05)


def test_units_come_from_the_versioned_price_table():
    prices = load_prices()
    assert prices["region"] == "us-east-1" and prices["version"] and prices["source"]
    assert prices["hours_per_month"] == 730
    doubled = json.loads(json.dumps(prices))
    doubled["vpc"]["nat_gateway_hour"] *= 2
    usage = Usage(region="us-east-1", nat_gateways=1)
    assert estimate(usage, doubled).total == pytest.approx(2 * estimate(usage, prices).total)


def test_reference_estimate_reads_the_stack_and_the_spec():
    plan = plan_all(SPEC, "flights.yaml")["dev"]
    template = json.loads(compile_all(SPEC, "flights.yaml")["dev"]["template.json"])
    usage = usage_for(plan, template)
    # Daily schedule (30.4 runs) plus the 30 expected arrivals.
    assert usage.jobs[0].runs == pytest.approx(60.42, abs=0.01)
    assert usage.kms_keys == 3 and usage.dashboards == 1
    alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert usage.alarm_metrics > len(alarms)  # metric math and anomaly bands bill per metric
    result = estimate(usage)
    # dev runs flex (G.1X at $0.29 a DPU-hour), each job for its stated minutes.
    expected = plan.budget.expected
    for job in ("ingestion", "processing", "quality"):
        glue = 2 * (expected.minutes_for(job) / 60) * usage.jobs[0].runs * 0.29
        assert _item(result, "Glue", f"{job} job") == pytest.approx(glue), job
    assert result.per_gb == pytest.approx(result.total / (usage.jobs[0].runs * 0.1))
    assert not [i for i in result.items if i.service == "VPC"]


def test_prod_prices_standard_jobs_and_each_endpoint_the_template_holds():
    plan = plan_all(SPEC, "flights.yaml")["prod"]
    template = json.loads(compile_all(SPEC, "flights.yaml")["prod"]["template.json"])
    resources = template["Resources"].values()
    jobs = [r["Properties"] for r in resources if r["Type"] == "AWS::Glue::Job"]
    assert {j["ExecutionClass"] for j in jobs} == {"STANDARD"}
    endpoints = interface_endpoints(template)
    usage = usage_for(plan, template)
    result = estimate(usage)
    for service in endpoints:  # 3 AZs x 730 hours x $0.01
        assert _item(result, "VPC", f"interface endpoint {service}") == pytest.approx(21.90)
    # The reference's prod leaves sts out (nothing calls it): six endpoints.
    assert len([i for i in result.items if i.service == "VPC"]) == len(endpoints) == 6
    minutes = plan.budget.expected.minutes_for("quality")
    assert _item(result, "Glue", "quality job") == pytest.approx(
        10 * (minutes / 60) * usage.jobs[0].runs * 0.44
    )
    assert without_vpc(usage) == pytest.approx(result.total - 6 * 21.90)


def test_the_reference_dev_stack_costs_at_most_15_dollars_a_month():
    """#16's target, with the reference pipeline and its data volume as the spec states them."""
    plan = plan_all(SPEC, "flights.yaml")["dev"]
    template = json.loads(compile_all(SPEC, "flights.yaml")["dev"]["template.json"])
    assert estimate(usage_for(plan, template)).total <= 15.0


def test_compare_prints_the_environments_side_by_side(capsys):
    code, out, _ = run_cli(["cost", str(SPEC), "--compare", "staging", "--compare", "prod"], capsys)
    assert code == 0
    header, total = out.splitlines()[1:3]
    assert header.split() == ["dev", "staging", "prod"]
    figures = {
        env: json.loads(run_cli(["cost", str(SPEC), "--env", env, "--format", "json"], capsys)[1])
        for env in ("dev", "staging", "prod")
    }
    assert total.split()[1:] == [
        f"{figures[env]['monthly_total_usd']:,.2f}" for env in ("dev", "staging", "prod")
    ]
    endpoint = next(line for line in out.splitlines() if "interface endpoint glue" in line)
    assert endpoint.split()[-3:] == ["0.00", "0.00", "21.90"]
    code, out, _ = run_cli(["cost", str(SPEC), "--compare", "prod", "--format", "json"], capsys)
    assert sorted(json.loads(out)) == ["dev", "prod"]
    code, _, err = run_cli(["cost", str(SPEC), "--compare", "qa"], capsys)
    assert code == 2 and "environment 'qa' is not defined" in err


def test_prod_shows_what_it_costs_without_its_vpc(capsys):
    code, out, _ = run_cli(["cost", str(SPEC), "--env", "prod"], capsys)
    assert code == 0
    line = next(x for x in out.splitlines() if "without its VPC" in x)
    assert "the VPC adds $131.40" in line


def test_cost_json_is_stable_for_scripts(capsys):
    outputs = []
    for _ in range(2):
        code, out, _ = run_cli(["cost", str(SPEC), "--env", "prod", "--format", "json"], capsys)
        assert code == 0
        outputs.append(out)
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0])
    assert set(data) == {
        "assumptions",
        "by_service_usd",
        "currency",
        "gb_processed_per_month",
        "items",
        "monthly_total_usd",
        "per_gb_usd",
        "price_table",
        "region",
    }
    assert data["monthly_total_usd"] == pytest.approx(
        sum(i["monthly_usd"] for i in data["items"]), abs=0.05
    )
    assert {"service", "item", "quantity", "unit", "unit_usd", "monthly_usd", "detail"} == set(
        data["items"][0]
    )


def _spec_with_budget(tmp_path, monthly: float):
    text = SPEC.read_text().replace("  monthly_usd: 60\n", f"  monthly_usd: {monthly}\n")
    assert text != SPEC.read_text()
    path = tmp_path / "flights.yaml"
    path.write_text(text)
    return path


def test_validate_warns_when_the_estimate_exceeds_the_budget(tmp_path, capsys):
    path = _spec_with_budget(tmp_path, 5)
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 0
    (finding,) = [line for line in err.splitlines() if "PG601" in line and "'dev'" in line]
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "monthly_usd: 5" in t)
    assert finding.startswith(f"{path}:{line}:")
    assert "warning[PG601]" in finding and "over the budget of $5.00" in finding
    assert "CloudWatch dashboards $3.00" in finding  # dev's biggest line, with flex jobs
    # dev's jobs are flex already: the lever named is what is left, or none at all.
    assert "Biggest lever" not in finding or "flex" not in finding
    code, _, err = run_cli(["validate", "--strict", str(path)], capsys)
    assert code == 1 and "error[PG601]" in err


def test_validate_is_quiet_within_budget(capsys):
    code, _, err = run_cli(["validate", str(SPEC)], capsys)
    assert code == 0 and "PG601" not in err


def test_budget_and_anomaly_alerts_filter_on_this_stack_and_reach_the_topic():
    template = json.loads(compile_all(SPEC, "flights.yaml")["dev"]["template.json"])
    resources = template["Resources"]
    budget = resources["MonthlyBudget"]["Properties"]
    assert budget["Budget"]["BudgetLimit"] == {"Amount": 60.0, "Unit": "USD"}
    assert budget["Budget"]["CostFilters"] == {"TagKeyValue": ["user:pipegen:stack$flights-dev"]}
    kinds = sorted(
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"])
        for n in budget["NotificationsWithSubscribers"]
    )
    assert kinds == [(k, p) for k in ("ACTUAL", "FORECASTED") for p in (50.0, 80.0, 100.0)]
    subscribers = budget["NotificationsWithSubscribers"][0]["Subscribers"]
    assert {"SubscriptionType": "SNS", "Address": {"Ref": "AlertTopic"}} in subscribers
    assert {"SubscriptionType": "EMAIL", "Address": "data-team@example.com"} in subscribers
    monitor = json.loads(resources["CostAnomalyMonitor"]["Properties"]["MonitorSpecification"])
    assert monitor["Tags"] == {
        "Key": "pipegen:stack",
        "MatchOptions": ["EQUALS"],
        "Values": ["flights-dev"],
    }
    threshold = json.loads(
        resources["CostAnomalySubscription"]["Properties"]["ThresholdExpression"]
    )
    assert threshold["Dimensions"]["Values"] == ["20"]
    publishers = resources["AlertTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    cost = next(s for s in publishers if s["Sid"] == "PublishByThisAccountsCostAlerts")
    assert cost["Principal"]["Service"] == ["budgets.amazonaws.com", "costalerts.amazonaws.com"]
    prod = json.loads(compile_all(SPEC, "flights.yaml")["prod"]["template.json"])
    assert (
        prod["Resources"]["MonthlyBudget"]["Properties"]["Budget"]["BudgetLimit"]["Amount"] == 400
    )


def test_a_budget_where_cloudformation_cannot_create_one_is_an_error(tmp_path, capsys):
    path = tmp_path / "spec.yaml"
    path.write_text(
        "apiVersion: pipegen/v1\npipeline: p\nowner: a@b.c\n"
        "environments: {dev: {region: eu-north-1}}\n"
        "sources: {s: {format: csv, landing: in/s/}}\n"
        "budget: {monthly_usd: 10}\n"
    )
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 1 and "PG410" in err and f"{path}:6:9:" in err
    # The way out the message gives: no budget in that environment.
    path.write_text(
        path.read_text().replace(
            "{dev: {region: eu-north-1}}",
            "{dev: {region: eu-north-1, overrides: {budget: null}}, prod: {region: us-east-1}}",
        )
    )
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 0, err


def test_over_budget_names_the_setting_that_saves_most(tmp_path, capsys):
    text = SPEC.read_text().replace("budget: {monthly_usd: 400}", "budget: {monthly_usd: 100}")
    path = tmp_path / "flights.yaml"
    path.write_text(text)
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 0  # a warning unless --strict
    (finding,) = [line for line in err.splitlines() if "PG601" in line and "'prod'" in line]
    plan = plan_all(path, "flights.yaml")["prod"]
    template = json.loads(compile_all(path, "flights.yaml")["prod"]["template.json"])
    usage = usage_for(plan, template)
    found = levers(usage)
    best = found[0]
    assert f"Biggest lever: {best.change} saves ${best.saves_usd:,.2f}" in finding
    savings = {lever.change.split("`")[1]: lever.saves_usd for lever in found}
    # Six endpoints in three AZs: two AZs save 6 x 730 h x $0.01; flex bills $0.29 a
    # DPU-hour, not $0.44. sts is out already, so no endpoint is named.
    assert savings["network.availability_zones: 2"] == pytest.approx(43.80)
    assert "network.endpoints" not in savings
    glue = sum(i.monthly_usd for i in estimate(usage).items if i.service == "Glue")
    assert savings["execution_class: flex"] == pytest.approx(glue * 0.15 / 0.44, rel=1e-3)
    assert best.saves_usd == max(savings.values())


def test_the_endpoint_lever_names_only_what_pipegen_does_not_call():
    usage = Usage(
        region="us-east-1",
        availability_zones=2,
        interface_endpoints=("events", "glue", "kms", "logs", "monitoring", "sns", "sts"),
    )
    (lever,) = levers(usage)
    assert "the sts endpoint(s)" in lever.change and lever.saves_usd == pytest.approx(14.60)
