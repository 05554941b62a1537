"""`pipegen diff`: renaming a source is flagged as replacing its resources; adding a quality
rule is not breaking; git revisions work as the other side."""

from __future__ import annotations

import json
import subprocess

from helpers import REPO, run_cli

SPEC = (REPO / "specs" / "flights.yaml").read_text()


def _pair(tmp_path, new_text: str):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old, new = tmp_path / "old" / "flights.yaml", tmp_path / "new" / "flights.yaml"
    old.write_text(SPEC)
    new.write_text(new_text)
    return old, new


def _diff(capsys, new, against):
    code, out, err = run_cli(
        ["diff", str(new), "--against", str(against), "--format", "json"], capsys
    )
    assert code == 0, err
    return json.loads(out)


def test_renaming_a_source_is_flagged_as_replacing_its_resources(tmp_path, capsys):
    renamed = SPEC.replace(
        "  flights:\n    description: One row", "  departures:\n    description: One row"
    )
    renamed = renamed.replace("from: flights\n", "from: departures\n").replace(
        "table: flights,", "table: departures,"
    )
    old, new = _pair(tmp_path, renamed)
    result = _diff(capsys, new, old)
    removed = {c["logical_id"] for c in result["resources"] if c["kind"] == "removed"}
    assert removed == {"FlightsErrorRateAlarm", "FlightsRowsAnomalyAlarm"}
    assert all(c["breaking"] for c in result["resources"] if c["kind"] == "removed")
    assert {
        "dataset": "flights",
        "message": "dataset removed or renamed: its readers find nothing",
    } in result["schema"]


def test_adding_a_quality_rule_is_not_breaking(tmp_path, capsys):
    more = SPEC.replace(
        "      - column_count: {min: 6, max: 6}\n",
        "      - column_count: {min: 6, max: 6}\n      - not_null: [origin]\n",
    )
    assert more != SPEC
    old, new = _pair(tmp_path, more)
    result = _diff(capsys, new, old)
    assert result["breaking"] == []


def test_a_bucket_name_change_and_a_removed_column_are_breaking(tmp_path, capsys):
    changed = SPEC.replace("pipeline: flights\n", "pipeline: flights2\n").replace(
        "      - select: [flight_date, origin, carrier, flights, avg_dep_delay, delayed_pct]",
        "      - select: [flight_date, origin, carrier, flights, avg_dep_delay]",
    )
    changed = changed.replace(
        "      - range: {column: delayed_pct, min: 0, max: 100, weight: 2}\n", ""
    )
    changed = changed.replace("      - column_count: {min: 6, max: 6}\n", "")
    old, new = _pair(tmp_path, changed)
    result = _diff(capsys, new, old)
    raw = next(c for c in result["resources"] if c["logical_id"] == "RawBucket")
    assert "BucketName" in raw["properties"] and raw["breaking"].startswith("replacement")
    assert {"dataset": "daily_delays", "message": "column 'delayed_pct' removed"} in result[
        "schema"
    ]


def test_against_a_git_revision(tmp_path, capsys):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    spec = tmp_path / "flights.yaml"
    spec.write_text(SPEC)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "flights.yaml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    assert _diff(capsys, spec, "HEAD")["resources"] == []
    spec.write_text(SPEC.replace("workers: 2,", "workers: 3,"))
    changed = _diff(capsys, spec, "HEAD")["resources"]
    jobs = {"IngestionJob", "ProcessingJob", "QualityJob"}
    # More workers cost more: the dashboard's cost panel shows the new estimate.
    assert {c["logical_id"] for c in changed} == {*jobs, "Dashboard"}
    assert all(
        c["properties"] == (["NumberOfWorkers"] if c["logical_id"] in jobs else ["DashboardBody"])
        and not c["breaking"]
        for c in changed
    )


def test_exit_code_says_whether_anything_changed(tmp_path, capsys):
    more = SPEC.replace(
        "      - column_count: {min: 6, max: 6}\n",
        "      - column_count: {min: 6, max: 6}\n      - not_null: [origin]\n",
    )
    old, new = _pair(tmp_path, more)
    changed = run_cli(["diff", str(new), "--against", str(old), "--exit-code"], capsys)
    same = run_cli(["diff", str(old), "--against", str(old), "--exit-code"], capsys)
    assert (changed[0], same[0]) == (1, 0)
    assert run_cli(["diff", str(new), "--against", str(old)], capsys)[0] == 0
