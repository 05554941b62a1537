"""The compiler's own policy checks: clean on what it generates, and each one trips on the
mistake it exists for (a template mutated the way a bad spec or a builder bug would)."""

from __future__ import annotations

import copy
import json

import pytest

from helpers import REPO, compile_all
from pipegen_compiler.pipeline import plan_all
from pipegen_compiler.policy import STAR_RESOURCE_ACTIONS, findings

SPEC = REPO / "specs" / "flights.yaml"


@pytest.fixture(scope="module")
def reference():
    plan = plan_all(SPEC, "flights.yaml")["dev"]
    return plan, json.loads(compile_all(SPEC, "flights.yaml")["dev"]["template.json"])


def _codes(template, plan):
    return sorted({code for code, _ in findings(template, plan)})


def test_every_generated_template_is_clean():
    for spec in (SPEC, REPO / "tests/golden/valid/minimal/spec.yaml"):
        for env, plan in plan_all(spec, spec.name).items():
            template = json.loads(compile_all(spec, spec.name)[env]["template.json"])
            assert list(findings(template, plan)) == [], (spec, env)


def _statement(template, policy, sid):
    statements = template["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"]
    return next(s for s in statements if s["Sid"] == sid)


def _mutate_sub(t):
    job = t["Resources"]["IngestionJob"]["Properties"]
    job["Description"] = {"Fn::Sub": "pipegen ${Injected}"}


def _mutate_arn(t):
    statement = _statement(t, "LandingAccessPolicy", "ReadArrivals")
    statement["Resource"] = [{"Fn::Sub": "${RawBucket.Arn}/incoming/*/flights/*"}]


def _mutate_question(t):
    statement = _statement(t, "LandingAccessPolicy", "ReadArrivals")
    statement["Resource"] = [{"Fn::Sub": "${RawBucket.Arn}/incoming/fl?ghts/"}]


def _mutate_bucket(t):
    t["Resources"]["RawBucket"]["Properties"]["BucketName"] = "xn--flights-raw"


def _mutate_capacity(t):
    t["Resources"]["IngestionJob"]["Properties"]["MaxCapacity"] = 10


def _mutate_concurrency(t):
    t["Resources"]["QualityJob"]["Properties"]["ExecutionProperty"]["MaxConcurrentRuns"] = 3


def _mutate_timeout(t):
    t["Resources"]["QualityJob"]["Properties"]["Timeout"] = 2880


def _mutate_multipart(t):
    rules = t["Resources"]["TempBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    rules[:] = [r for r in rules if "AbortIncompleteMultipartUpload" not in r]


def _mutate_star_action(t):
    _statement(t, "QualityAccessPolicy", "UseRunStateTable")["Action"] = ["dynamodb:*"]


def _mutate_wildcard_action(t):
    _statement(t, "IngestionAccessPolicy", "UseDataKey")["Action"] = ["kms:GenerateDataKey*"]


def _mutate_star_resource(t):
    _statement(t, "QualityAccessPolicy", "UseRunStateTable")["Resource"] = ["*"]


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (_mutate_sub, "PG701"),
        (_mutate_arn, "PG702"),
        (_mutate_question, "PG702"),
        (_mutate_bucket, "PG703"),
        (_mutate_capacity, "PG704"),
        (_mutate_concurrency, "PG705"),
        (_mutate_timeout, "PG706"),
        (_mutate_multipart, "PG707"),
        (_mutate_star_action, "PG708"),
        (_mutate_wildcard_action, "PG708"),
        (_mutate_star_resource, "PG708"),
    ],
)
def test_each_check_trips_on_its_mistake(reference, mutate, code):
    plan, template = reference
    broken = copy.deepcopy(template)
    mutate(broken)
    assert _codes(broken, plan) == [code]


def test_star_resources_in_the_reference_are_only_the_named_exceptions(reference):
    _, template = reference
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Resource"] == ["*"]:
                assert set(statement["Action"]) <= set(STAR_RESOURCE_ACTIONS), name
                assert statement["Condition"], name
