"""Opt-in notices (`alerts.notices`): run started and run succeeded, each kind to its own
addresses through its own encrypted topic, and the same sentence from EventBridge on AWS and in
the local run's notifications."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from helpers import REPO, compile_all, plan_all, run_cli
from pipegen_compiler.logical_ids import (
    NOTIFY_KEY,
    notice_subscription_id,
    notice_topic_id,
    notice_topic_policy_id,
    rule_id,
)
from pipegen_compiler.naming import NOTICE_KINDS, notice_rule
from pipegen_runtime.events import LocalEvents, announce, event_time
from pipegen_runtime.notify import LogNotifier

SPEC = REPO / "specs" / "flights.yaml"


@pytest.fixture(scope="module")
def reference():
    plans = plan_all(SPEC, "flights.yaml")
    files = compile_all(SPEC, "flights.yaml")
    return {env: (plans[env], json.loads(files[env]["template.json"])) for env in plans}


def test_each_notice_kind_has_its_own_encrypted_topic_addresses_and_publisher(reference):
    for env, (plan, template) in reference.items():
        resources = template["Resources"]
        assert set(plan.alerts.notices) == set(NOTICE_KINDS), env
        for kind, addresses in plan.alerts.notices.items():
            topic = resources[notice_topic_id(kind)]["Properties"]
            assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [NOTIFY_KEY, "Arn"]}
            assert topic["TopicName"] == f"flights-{env}-{kind.replace('_', '-')}"
            endpoints = [
                resources[notice_subscription_id(kind, i)]["Properties"]["Endpoint"]
                for i in range(1, len(addresses) + 1)
            ]
            assert endpoints == addresses
            assert notice_subscription_id(kind, len(addresses) + 1) not in resources
            policy = resources[notice_topic_policy_id(kind)]["Properties"]["PolicyDocument"]
            allow, deny = policy["Statement"]
            rule = {"Fn::GetAtt": [rule_id(notice_rule(kind)), "Arn"]}
            assert allow["Principal"] == {"Service": "events.amazonaws.com"}
            assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": rule}}
            assert deny["Effect"] == "Deny" and deny["Condition"]["Bool"]


def _matches(pattern, event) -> bool:
    """EventBridge's matching for the patterns these rules use (lists of exact values)."""
    for key, wanted in pattern.items():
        value = event.get(key)
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not _matches(wanted, value):
                return False
        elif value not in wanted:
            return False
    return True


def _transformed(transformer, event) -> str:
    """What EventBridge's input transformer sends for an event."""

    def value(match):
        path = transformer["InputPathsMap"][match.group(1)].removeprefix("$.").split(".")
        found = event
        for step in path:
            found = found[step]
        return str(found)

    return re.sub(r"<([a-z_]+)>", value, json.loads(transformer["InputTemplate"]))


@pytest.mark.parametrize("kind", NOTICE_KINDS)
def test_the_rule_sends_what_the_local_run_records(reference, tmp_path, kind):
    plan, template = reference["dev"]
    log = tmp_path / "_notifications.jsonl"
    notices = {k: tuple(v) for k, v in plan.alerts.notices.items()}
    events = LocalEvents(tmp_path / "_events.jsonl", LogNotifier(log), notices)
    config = SimpleNamespace(notices=notices, environment="dev")
    ctx = SimpleNamespace(config=config, pipeline="flights", run_id="wr_1", events=events)
    detail = {"tables": 3, "outcome": "warn", "score": "97.5", "report": "s3://b/r.html"}
    announce(ctx, kind, detail if kind == "run_succeeded" else {})

    (recorded,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert recorded["details"]["to"] == list(plan.alerts.notices[kind])
    (put,) = [json.loads(line) for line in (tmp_path / "_events.jsonl").read_text().splitlines()]
    at = datetime.fromisoformat(put["at"]).astimezone(UTC)
    # The event as EventBridge delivers it to the rule.
    event = {
        "source": put["source"],
        "detail-type": put["detail-type"],
        "time": event_time(at),
        "detail": put["detail"],
    }
    rule = template["Resources"][rule_id(notice_rule(kind))]["Properties"]
    assert _matches(rule["EventPattern"], event)
    assert not _matches(
        rule["EventPattern"], {**event, "detail": {**put["detail"], "environment": "prod"}}
    )
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": notice_topic_id(kind)}
    sent = _transformed(target["InputTransformer"], event)
    assert sent == recorded["message"]
    assert sent.startswith(f"pipegen flights/dev: run wr_1 {kind.removeprefix('run_')} at ")
    assert "<" not in sent and "None" not in sent


def test_notices_are_opt_in_and_grant_only_what_they_use(tmp_path):
    minimal = REPO / "tests" / "golden" / "valid" / "minimal" / "spec.yaml"
    text = minimal.read_text()
    assert "notices" not in text
    quiet = json.loads(compile_all(minimal, "minimal.yaml")["dev"]["template.json"])
    kinds = {r["Type"] for r in quiet["Resources"].values()}
    assert not [n for n in quiet["Resources"] if "Notice" in n] and "AWS::SNS::Topic" in kinds
    assert "events:PutEvents" not in json.dumps(_policy(quiet, "Ingestion"))

    spec = tmp_path / "spec.yaml"
    assert "\nalerts:" not in text
    spec.write_text(text + "alerts:\n  notices: {run_succeeded: [team@example.com]}\n")
    told = json.loads(compile_all(spec, "spec.yaml")["dev"]["template.json"])
    assert notice_topic_id("run_succeeded") in told["Resources"]
    assert notice_topic_id("run_started") not in told["Resources"]
    # Only the quality job announces (its result, and the success); ingestion stays silent.
    assert "events:PutEvents" not in json.dumps(_policy(told, "Ingestion"))
    assert "events:PutEvents" in json.dumps(_policy(told, "Quality"))


def _policy(template, job):
    return template["Resources"][f"{job}AccessPolicy"]["Properties"]["PolicyDocument"]


@pytest.mark.parametrize(
    ("notices", "wrong"),
    [("{run_finished: [a@example.com]}", "run_finished"), ("{run_started: []}", "run_started")],
)
def test_a_wrong_notice_is_a_diagnostic_at_its_line(tmp_path, capsys, notices, wrong):
    text = SPEC.read_text()
    marker = "  notices:"
    start = text.index(marker)
    end = text.index("\n", text.index("run_succeeded:", start)) + 1
    spec = tmp_path / "flights.yaml"
    spec.write_text(text[:start] + f"  notices: {notices}\n" + text[end:])
    line = text[:start].count("\n") + 1
    code, out, err = run_cli(["validate", str(spec)], capsys)
    assert code == 1 and "Traceback" not in out + err
    assert re.search(rf"flights\.yaml:{line}:\d+: error\[PG2\d\d\] .*{wrong}", out + err), out + err
