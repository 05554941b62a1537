"""The quality score and rule judgement: property tests (pure Python) and the single-pass
evaluation of a table's per-column rules (on the shared SparkSession)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import examples, local_context, quality_config
from pipegen_runtime import rules
from pipegen_runtime.quality import evaluate_table

ROW_KINDS = ("not_null", "in_set", "range")

rule_specs = st.lists(
    st.tuples(
        st.sampled_from(ROW_KINDS),
        st.floats(0.1, 10),
        st.floats(0, 100),
        st.sampled_from(["warn", "error"]),
    ),
    min_size=1,
    max_size=12,
)


def _judged(specs, checked: int, failures: list[int]) -> list[rules.RuleResult]:
    results = []
    for (kind, weight, min_pct, severity), failed in zip(specs, failures, strict=True):
        args = {"weight": weight, "min_pct": min_pct, "severity": severity}
        result = rules.new_result(kind, args, len(results))
        rules.judge_rows(result, args, checked, min(failed, checked))
        results.append(result)
    return results


@given(rule_specs, st.integers(0, 1000), st.data())
def test_score_is_always_between_0_and_100(specs, checked, data):
    failures = data.draw(st.lists(st.integers(0, 1000), min_size=len(specs), max_size=len(specs)))
    assert 0.0 <= rules.score(_judged(specs, checked, failures)) <= 100.0


@given(rule_specs, st.integers(0, 1000))
def test_score_is_100_when_every_rule_passes(specs, checked):
    assert rules.score(_judged(specs, checked, [0] * len(specs))) == 100.0


def _judged_each(specs, counts: list[tuple[int, int]]) -> list[rules.RuleResult]:
    results = []
    for (kind, weight, min_pct, severity), (checked, failed) in zip(specs, counts, strict=True):
        args = {"weight": weight, "min_pct": min_pct, "severity": severity}
        result = rules.new_result(kind, args, len(results))
        rules.judge_rows(result, args, checked, min(failed, checked))
        results.append(result)
    return results


@settings(max_examples=examples(200))
@given(rule_specs, st.integers(0, 1000), st.data())
def test_a_row_failing_every_rule_never_raises_the_score(specs, checked, data):
    failures = data.draw(st.lists(st.integers(0, 1000), min_size=len(specs), max_size=len(specs)))
    counts = [(checked, min(f, checked)) for f in failures]
    before = rules.score(_judged_each(specs, counts))
    after = rules.score(_judged_each(specs, [(c + 1, f + 1) for c, f in counts]))
    assert after <= before


@settings(max_examples=examples(200))
@given(rule_specs, st.integers(0, 1000), st.data())
def test_a_row_failing_one_rule_outside_the_others_filters_never_raises_it(specs, checked, data):
    failures = data.draw(st.lists(st.integers(0, 1000), min_size=len(specs), max_size=len(specs)))
    counts = [(checked, min(f, checked)) for f in failures]
    hit = data.draw(st.integers(0, len(specs) - 1))
    before = rules.score(_judged_each(specs, counts))
    counts[hit] = (counts[hit][0] + 1, counts[hit][1] + 1)
    assert rules.score(_judged_each(specs, counts)) <= before


def _compiled(kind: str, **spec) -> dict:
    """One rule's arguments as the compiler renders them (every default written out)."""
    return quality_config({"tables": {"t": [{kind: spec}]}})["tables"]["t"][0][kind]


def test_empty_set_passes_with_a_note():
    args = _compiled("not_null", columns=["a"])
    result = rules.new_result("not_null", args, 0)
    rules.judge_rows(result, args, 0, 0)
    assert (result.status, result.observed, result.message) == ("pass", 100.0, "no rows to check")


def test_warn_threshold_and_severity_are_separate():
    args = _compiled("regex", column="a", pattern="x", min_pct=90, warn_pct=99)
    result = rules.new_result("regex", args, 0)
    rules.judge_rows(result, args, 100, 5)
    assert (result.status, result.passed) == ("warn", True)
    warn_rule = _compiled("regex", column="a", pattern="x", severity="warn")
    result = rules.new_result("regex", warn_rule, 1)
    rules.judge_rows(result, warn_rule, 100, 1)
    assert (result.status, result.passed) == ("warn", False)


def test_zscore_and_trend():
    assert rules.zscore(10, [1, 2]) is None
    assert rules.zscore(10, [10, 10, 10]) == 0.0
    assert round(rules.zscore(13, [10, 11, 12]), 6) == 2.0  # mean 11, sample stdev 1
    assert rules.trend([100, 90, 80]) == -10.0


@pytest.mark.spark
def test_per_column_rules_run_in_one_scan_and_bad_rules_are_errors(spark, tmp_path):
    path = tmp_path / "table"
    spark.createDataFrame(
        [(i, f"c{i % 3}", float(i), None if i % 10 == 0 else "x") for i in range(100)],
        "id int, code string, amount double, note string",
    ).write.parquet(str(path))
    frame = spark.read.parquet(str(path))
    table_rules = [
        {"not_null": {"columns": ["note"]}},
        {"in_set": {"column": "code", "values": ["c0", "c1", "c2"]}},
        {"range": {"column": "amount", "min": 0, "max": 50}},
        {"regex": {"column": "code", "pattern": "^c[0-9]$"}},
        {"length": {"column": "code", "min": 2, "max": 2}},
        {"completeness": {"column": "note", "min_pct": 85}},
        {"statistic": {"column": "amount", "stat": "mean", "min": 49, "max": 50}},
        {"row_count": {"min": 100, "max": 100}},
        {"distinct_count": {"column": "code", "min": 3, "max": 3}},
        {"expression": {"check": "amount >= id"}},
        {"not_null": {"columns": ["no_such_column"]}},
        {"unique": ["id"]},
        {"primary_key": ["code"]},
    ]
    config = {
        "apiVersion": "pipegen/v1",
        "pipeline": "t",
        "environment": "dev",
        "sources": {},
        "tables": ["table"],
        "quality": quality_config(
            {
                "tables": {"table": table_rules},
                "history_runs": 5,
                "score": {"fail_below": 80, "warn_below": 95},
                "failed_rows_per_rule": 20,
            }
        ),
    }
    ctx = local_context(spark, tmp_path / "lake", config, "quality")
    batch = ctx.state.begin_batch("quality", "b1", "2026-01-01T00:00:00", {})
    report = evaluate_table(ctx, "table", frame, {"table": frame}, batch)
    assert report["single_pass_scans"] == 1
    by_kind = [(r["kind"], r["status"], r["failed"], r["observed"]) for r in report["rules"]]
    assert by_kind[0] == ("not_null", "fail", 10, 90.0)
    assert by_kind[2] == ("range", "fail", 49, 51.0)
    assert by_kind[5][:2] == ("completeness", "pass")
    assert by_kind[6] == ("statistic", "pass", None, 49.5)
    assert by_kind[10][1] == "error"
    assert "no_such_column" in report["rules"][10]["message"]
    # Key rules take no thresholds: every row must pass (100 distinct ids; 3 codes, 97 repeats).
    assert by_kind[11] == ("unique", "pass", 0, 100.0)
    assert by_kind[12] == ("primary_key", "fail", 100, 0.0)
    assert report["outcome"] == "fail"
    _assert_failed_rows_stored(spark, ctx, report, frame)


def _assert_failed_rows_stored(spark, ctx, report, frame):
    """Each failing row rule keeps its failing rows (capped), with the batch, rule, offending
    column and reason, catalogued; the report's samples are the first of them."""
    rules = report["rules"]
    stored = {r["rule_id"]: r["failed_rows"]["stored"] for r in rules if r["failed_rows"]}
    assert stored == {
        rules[0]["rule_id"]: 10,  # not_null: 10 rows fail, under the cap of 20
        rules[2]["rule_id"]: 20,  # range: 49 fail, capped
        rules[5]["rule_id"]: 10,  # completeness: passes at 90% >= 85%, its 10 rows still kept
        rules[12]["rule_id"]: 20,  # primary_key: 100 fail, capped
    }
    assert report["failed_rows_stored"] == 60
    by_rule = {}
    for rule_id in stored:
        location = rules[[r["rule_id"] for r in rules].index(rule_id)]["failed_rows"]["location"]
        rows = spark.read.parquet(location).collect()
        by_rule[rule_id] = rows
        assert {r["pipegen_batch"] for r in rows} == {"b1"}
        assert {r["pipegen_rule"] for r in rows} == {rule_id}
        assert set(frame.columns) < set(rows[0].asDict())
    assert {(r["pipegen_column"], r["pipegen_reason"]) for r in by_rule[rules[0]["rule_id"]]} == {
        ("note", "note is null")
    }
    assert all(
        r["amount"] > 50
        and r["pipegen_reason"] == f"amount = {r['amount']} is above the maximum 50"
        for r in by_rule[rules[2]["rule_id"]]
    )
    assert all("rows share this key" in r["pipegen_reason"] for r in by_rule[rules[12]["rule_id"]])
    samples = rules[2]["samples"]
    assert len(samples) == 10 and all(s["column"] == "amount" for s in samples)
    assert all(float(s["row"]["amount"]) > 50 for s in samples)
    for rule in rules:
        if rule["failed_rows"]:
            entry = ctx.catalog.get_table(rule["failed_rows"]["table"])
            assert entry["location"] == rule["failed_rows"]["location"]
