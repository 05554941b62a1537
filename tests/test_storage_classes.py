"""Storage classes (#18): raw files move to an archive class and processed and curated objects
to Intelligent-Tiering after the days the spec sets; the buckets' lifecycle rules and the
estimate's S3 lines come from the same settings, and a move S3 would refuse is PG423."""

from __future__ import annotations

import json

import pytest

from helpers import cfn_lint_findings, compile_all
from pipegen_compiler.cost_estimate import estimate, usage_for
from pipegen_compiler.pipeline import plan_all

SPEC = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
retention: {retention}
budget: {{monthly_usd: 100, expected: {{gb_per_run: 1.0, arrivals_per_month: 30}}}}
sources:
  orders: {{format: csv, landing: incoming/orders/, schema: {{id: int}}}}
"""


@pytest.fixture
def compiled(tmp_path):
    def compiled(retention: str) -> tuple[object, dict, dict]:
        path = tmp_path / "orders.yaml"
        path.write_text(SPEC.format(retention=retention))
        files = compile_all(path, "orders.yaml")["dev"]
        return plan_all(path, "orders.yaml")["dev"], json.loads(files["template.json"]), files

    return compiled


def _transitions(template: dict) -> dict[str, list]:
    found = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::S3::Bucket":
            rules = resource["Properties"]["LifecycleConfiguration"]["Rules"]
            found[name] = [t for r in rules for t in r.get("Transitions", [])]
    return found


def test_the_buckets_move_their_objects_on_the_days_the_spec_sets(compiled):
    _, template, files = compiled("{raw_archive_days: 14, tiering_days: 45}")
    moves = _transitions(template)
    assert moves["RawBucket"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 14}]
    for zone in ("ProcessedBucket", "CuratedBucket"):
        assert moves[zone] == [{"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": 45}]
    assert moves["ScriptsBucket"] == moves["TempBucket"] == moves["LogsBucket"] == []
    assert cfn_lint_findings(files["template.json"].decode()) == []
    _, template, _ = compiled("{raw_archive_days: null, tiering_days: null}")
    assert not any(_transitions(template).values())


def test_the_estimate_prices_each_class_for_the_days_objects_spend_in_it(compiled):
    plan, template, _ = compiled("{raw_days: 90, raw_archive_days: 30, raw_archive_class: GLACIER}")
    usage = usage_for(plan, template)
    gb = usage.gb_processed  # raw written a month
    raw = {s.storage_class: s.gb_months for s in usage.s3_stored if s.zone == "raw"}
    # 30 days in Standard, then Glacier billed for its 90-day minimum (the file expires at 60).
    assert raw == {
        "STANDARD": pytest.approx(gb * 30 / 30.4),
        "GLACIER": pytest.approx(gb * 90 / 30.4),
    }
    lines = {i.item: i for i in estimate(usage).items if i.service == "S3"}
    assert lines["raw storage, Glacier Flexible Retrieval"].monthly_usd == pytest.approx(
        gb * 90 / 30.4 * 0.0036
    )
    curated = [s for s in usage.s3_stored if s.zone == "curated"]
    assert sum(s.gb_months for s in curated) == pytest.approx(gb * 0.25 * 12)  # kept a year
    assert [s.storage_class for s in curated] == [
        "STANDARD",
        "INTELLIGENT_TIERING_FREQUENT",
        "INTELLIGENT_TIERING_INFREQUENT",
        "INTELLIGENT_TIERING_ARCHIVE_INSTANT",
    ]


def test_moving_objects_costs_less_than_keeping_them_in_standard(compiled):
    def storage(retention: str) -> float:
        plan, template, _ = compiled(retention)
        items = estimate(usage_for(plan, template)).items
        return sum(i.monthly_usd for i in items if i.service == "S3" and "storage" in i.item)

    kept = storage("{raw_archive_days: null, tiering_days: null}")
    moved = storage("{}")
    assert moved < 0.6 * kept, (moved, kept)
