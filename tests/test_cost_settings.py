"""#16's settings in the stack: flex execution by environment, auto scaling, the VPC's
interface endpoints by choice, and the run time per job; what Glue or the VPC would refuse is a
diagnostic at the spec's line."""

from __future__ import annotations

import json

from helpers import cfn_lint_findings, compile_all, interface_endpoints, run_cli, template_of

SPEC = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
defaults:
  jobs: {{worker_type: {worker_type}}}
environments:
  dev: {{region: us-east-1}}
  live:
    region: us-east-1
    overrides: {live}
sources:
  orders: {{format: csv, landing: incoming/orders/, schema: {{id: int}}}}
"""


def _spec(tmp_path, worker_type="G.1X", live="{}"):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(worker_type=worker_type, live=live))
    return path


def _jobs(files) -> dict[str, dict]:
    template = template_of(files)
    return {
        r["Properties"]["Name"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Glue::Job"
    }


def test_dev_runs_flex_and_other_environments_standard_unless_the_spec_says(tmp_path):
    compiled = compile_all(_spec(tmp_path))
    assert {j["ExecutionClass"] for j in _jobs(compiled["dev"]).values()} == {"FLEX"}
    assert {j["ExecutionClass"] for j in _jobs(compiled["live"]).values()} == {"STANDARD"}
    # Per job and environment: the quality job of `live` on flex, the others standard.
    live = "{jobs: {quality: {execution_class: flex}}}"
    jobs = _jobs(compile_all(_spec(tmp_path, live=live))["live"])
    assert {n.rsplit("-", 1)[1]: j["ExecutionClass"] for n, j in jobs.items()} == {
        "ingestion": "STANDARD",
        "processing": "STANDARD",
        "quality": "FLEX",
    }
    assert cfn_lint_findings(compile_all(_spec(tmp_path, live=live))["live"]["template.json"]) == []


def test_auto_scaling_is_on_with_the_worker_count_as_its_ceiling(tmp_path):
    for job in _jobs(compile_all(_spec(tmp_path))["dev"]).values():
        assert job["DefaultArguments"]["--enable-auto-scaling"] == "true"
        assert job["NumberOfWorkers"] == 2
    live = "{defaults: {jobs: {auto_scaling: false, workers: 5}}}"
    for job in _jobs(compile_all(_spec(tmp_path, live=live))["live"]).values():
        assert "--enable-auto-scaling" not in job["DefaultArguments"]
        assert job["NumberOfWorkers"] == 5


def test_flex_on_a_worker_type_glue_does_not_offer_it_is_an_error_at_the_spec(tmp_path, capsys):
    path = _spec(tmp_path, worker_type="G.4X")
    code, out, err = run_cli(["validate", str(path)], capsys)
    assert code == 1, out + err
    findings = [line for line in err.splitlines() if "PG421" in line]
    # dev (flex by default) fails for each job; `live` (standard) is fine.
    assert len(findings) == 3 and all(f.startswith(f"{path}:5:3:") for f in findings)
    assert all("'dev'" in f and "execution_class: standard" in f for f in findings)
    path.write_text(path.read_text().replace("G.4X}", "G.4X, execution_class: standard}"))
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 0, err


def test_a_vpc_without_an_endpoint_the_jobs_call_is_an_error_unless_a_nat_gateway_routes(
    tmp_path, capsys
):
    live = "{network: {vpc: true, endpoints: [glue, logs, kms, sns, events]}}"
    path = _spec(tmp_path, live=live)
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 1
    (finding,) = [line for line in err.splitlines() if "PG422" in line]
    assert finding.startswith(f"{path}:10:") and "leaves out monitoring" in finding
    path.write_text(path.read_text().replace("events]}", "events], nat_gateways: 1}"))
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 0, err
    # The stack holds exactly the endpoints chosen; the estimate prices exactly those.
    template = template_of(compile_all(path)["live"])
    interface = interface_endpoints(template)
    assert interface == ["events", "glue", "kms", "logs", "sns"]
    code, out, _ = run_cli(["cost", str(path), "--env", "live", "--format", "json"], capsys)
    items = [i["item"] for i in json.loads(out)["items"] if i["item"].startswith("interface")]
    assert items == [f"interface endpoint {s}" for s in interface]


def test_run_time_per_job_and_a_stated_figure_over_a_timeout_points_at_that_job(tmp_path, capsys):
    path = _spec(tmp_path)
    path.write_text(
        path.read_text()
        + "budget:\n  monthly_usd: 50\n  expected:\n    arrivals_per_month: 30\n"
        + "    job_minutes: {ingestion: 3, processing: 45, quality: 1}\n"
    )
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 1
    (finding,) = [line for line in err.splitlines() if "PG411" in line]  # same in both envs
    assert finding.startswith(f"{path}:17:") and "processing" in finding
    path.write_text(path.read_text().replace("processing: 45", "processing: 2"))
    code, out, _ = run_cli(["cost", str(path), "--format", "json"], capsys)
    details = {i["item"]: i["detail"] for i in json.loads(out)["items"]}
    assert "3 min a run" in details["ingestion job"] and "2 min a run" in details["processing job"]
