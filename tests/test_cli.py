"""The command line: exit codes, validate across environments, schema, atomic output."""

from __future__ import annotations

import json
import shutil

from helpers import GOLDEN, REPO, run_cli
from pipegen_compiler.commands.spec_schema import schema_text


def test_compile_writes_the_documented_layout(tmp_path, capsys):
    code, out, _ = run_cli(
        ["compile", str(REPO / "specs/flights.yaml"), "--out", str(tmp_path)], capsys
    )
    assert code == 0
    root = tmp_path / "flights" / "dev"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "config/ingestion.json",
        "config/processing.json",
        "config/quality.json",
        "jobs/ingestion.py",
        "jobs/processing.py",
        "jobs/quality.py",
        "manifest.json",
        "pipegen_runtime.zip",
        "template.json",
    ]
    assert "98 resources" in out


def test_recompile_replaces_the_folder_whole(tmp_path, capsys):
    spec = str(REPO / "specs/flights.yaml")
    run_cli(["compile", spec, "--out", str(tmp_path)], capsys)
    stray = tmp_path / "flights" / "dev" / "stale.txt"
    stray.write_text("left over")
    assert run_cli(["compile", spec, "--out", str(tmp_path)], capsys)[0] == 0
    assert not stray.exists()
    assert sorted(p.name for p in (tmp_path / "flights").iterdir()) == ["dev"]


def test_validate_checks_every_environment_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs/flights.yaml", "flights.yaml")
    code, out, _ = run_cli(["validate", "flights.yaml"], capsys)
    assert (code, out) == (0, "flights.yaml: ok (dev, prod, staging)\n")
    text = (tmp_path / "flights.yaml").read_text()
    (tmp_path / "flights.yaml").write_text(
        text.replace("quality: {on_failure: block}", "quality: {on_failure: blok}")
    )
    code, _, err = run_cli(["validate", "flights.yaml"], capsys)
    assert code == 1
    assert "error[PG203] quality.on_failure: 'blok' is not allowed" in err
    assert list(tmp_path.iterdir()) == [tmp_path / "flights.yaml"]


def test_errors_of_several_specs_are_reported_together(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for case in ("join_cycle", "unknown_keys"):
        shutil.copy(GOLDEN / "errors" / case / "spec.yaml", f"{case}.yaml")
    code, _, err = run_cli(["validate", "join_cycle.yaml", "unknown_keys.yaml"], capsys)
    assert code == 1
    assert "join_cycle.yaml:7:3: error[PG302]" in err
    assert "unknown_keys.yaml:8:5: error[PG201]" in err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert run_cli(["compile", str(tmp_path / "missing.yaml")], capsys)[0] == 2
    spec = str(REPO / "specs/flights.yaml")
    code, _, err = run_cli(["compile", spec, "--env", "qa", "--out", str(tmp_path)], capsys)
    assert code == 2
    assert "environment 'qa' is not defined" in err
    assert not any(tmp_path.iterdir())


def test_committed_schema_is_fresh():
    committed = (REPO / "schema" / "pipegen-v1.schema.json").read_text()
    assert committed == schema_text(), "run: pipegen schema --out schema/pipegen-v1.schema.json"
    assert "sources" in json.loads(committed)["required"]


def test_the_aws_home_needs_an_emulator_endpoint(capsys):
    """On real AWS the deployed workflow runs the jobs; a second runner here would race it."""
    code, _, err = run_cli(["run", str(REPO / "specs/flights.yaml"), "--home", "aws"], capsys)
    assert code == 2
    assert "--endpoint-url" in err and "race" in err
