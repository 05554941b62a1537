"""Locally, `pipegen run` records what the stack would send: the landing function's rejection
message and FilesRejected metric, the job-failed message, the quality-result event."""

from __future__ import annotations

import json

from helpers import REPO
from pipegen_compiler.local_home.runner import _job_failed, landing_check
from pipegen_compiler.pipeline import plan_all
from pipegen_runtime.events import LocalEvents
from pipegen_runtime.messages import FILE_REJECTED, QUALITY_RESULT, render
from pipegen_runtime.notify import LogNotifier
from pipegen_runtime.state import SqliteState
from pipegen_runtime.storage import LocalStorage


def _plan():
    return plan_all(REPO / "specs" / "flights.yaml", "flights.yaml")["dev"]


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_rejected_file_is_reported_like_the_landing_function_reports_it(tmp_path):
    plan = _plan()
    landing = tmp_path / "raw" / "incoming" / "flights"
    landing.mkdir(parents=True)
    (landing / "notes.csv").write_text("a,b\n1,2\n")
    storage = LocalStorage(tmp_path)
    accepted, rejected = landing_check(
        plan, storage, SqliteState(tmp_path / "_state" / "s.sqlite"), lambda _: None
    )
    assert accepted == 0 and rejected[0][0] == "incoming/flights/notes.csv"
    (metric,) = _lines(tmp_path / "_metrics" / "metrics.jsonl")
    assert metric["name"] == "FilesRejected"
    assert metric["dimensions"] == {
        "Pipeline": "flights",
        "Environment": "dev",
        "Job": "landing",
        "Source": "flights",
    }
    (note,) = _lines(tmp_path / "_notifications.jsonl")
    expected = {
        "pipeline": "flights",
        "environment": "dev",
        "key": "incoming/flights/notes.csv",
        "source": "flights",
        "reason": rejected[0][1],
        "rejected_key": "_rejected/incoming/flights/notes.csv",
    }
    assert note["message"] == render(FILE_REJECTED, expected)
    assert (tmp_path / "raw" / "_rejected" / "incoming" / "flights" / "notes.csv").is_file()


def test_a_failed_job_is_reported_with_the_job_failed_rules_message(tmp_path):
    _job_failed(_plan(), tmp_path, "processing", "run-1", {"error": "ValueError: boom"})
    (note,) = _lines(tmp_path / "_notifications.jsonl")
    assert note["message"].startswith(
        "pipegen flights/dev: job flights-dev-processing ended FAILED"
    )
    assert note["message"].endswith("(run run-1): ValueError: boom")


def test_quality_results_are_recorded_and_only_warn_or_fail_notify(tmp_path):
    events = LocalEvents(tmp_path / "_events.jsonl", LogNotifier(tmp_path / "_n.jsonl"))
    base = {
        "pipeline": "flights",
        "environment": "dev",
        "batch": "b1",
        "score": 99,
        "warn_below": 95,
        "fail_below": 80,
        "published": "yes",
        "report": "file:///r.html",
    }
    events.emit(QUALITY_RESULT, {**base, "outcome": "pass"})
    assert not (tmp_path / "_n.jsonl").exists()
    events.emit(QUALITY_RESULT, {**base, "outcome": "fail", "score": 70, "published": "no"})
    assert [e["detail"]["outcome"] for e in _lines(tmp_path / "_events.jsonl")] == ["pass", "fail"]
    (note,) = _lines(tmp_path / "_n.jsonl")
    assert "quality fail, score 70" in note["message"] and "published: no" in note["message"]
