"""How the report and the console write a rule's expectation and observation: in the rule's
unit, numbers formatted for people, never `None` or `nan` (pure Python)."""

from __future__ import annotations

import math

import pytest

from helpers import quality_config
from pipegen_runtime import rules
from pipegen_runtime.charts import line_chart, nice_range
from pipegen_runtime.rule_units import expected, number, observed


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3286.0, "3,286"),
        (13.278149726110772, "13.28"),
        (113185.927, "113,185.93"),
        (95.24, "95.24"),
        (-14.2857, "-14.29"),
        (0.5, "0.5"),
        (None, "—"),
        (math.nan, "—"),
        (math.inf, "∞"),
    ],
)
def test_numbers_are_formatted_for_people(value, text):
    assert number(value) == text


def _rule(kind: str, **args) -> tuple[dict, rules.RuleResult]:
    compiled = quality_config({"tables": {"t": [{kind: args}]}})["tables"]["t"][0][kind]
    return compiled, rules.new_result(kind, compiled, 0)


def test_a_row_rule_says_its_share_and_its_counts():
    args, result = _rule("range", column="amount", min=0, max=1000, min_pct=90, warn_pct=99)
    rules.judge_rows(result, args, 850, 20)
    assert expected("range", args) == ">= 90% of rows pass (warn below 99%)"
    assert observed(result.to_dict(), args) == "97.65% pass (20 of 850 rows fail)"
    args, result = _rule("not_null", columns=["a"], max_failures=3)
    assert expected("not_null", args) == "<= 3 failing rows"


def test_value_rules_speak_in_their_own_unit():
    args, result = _rule("freshness", column="t", max_age_hours=48)
    result.observed = 113185.927
    assert expected("freshness", args) == "newest value <= 48 hours old"
    assert observed(result.to_dict(), args) == "113,185.9 hours (4,716.1 days)"
    args, result = _rule("statistic", column="amount", stat="percentile", percentile=0.95, max=9)
    rules.judge_value(result, args, 562.98631764)
    assert expected("statistic", args) == "<= 9 (p95 of amount)"
    assert observed(result.to_dict(), args) == "562.99 (p95 of amount)"
    args, result = _rule("row_count", min=1)
    rules.judge_value(result, args, 3286.0)
    assert observed(result.to_dict(), args) == "3,286 rows"


def test_a_value_never_seen_is_a_dash_with_a_reason():
    args, result = _rule("statistic", column="amount", stat="mean", min=1)
    rules.judge_value(result, args, math.nan)
    text = observed(result.to_dict(), args)
    assert "nan" not in text.lower() and "None" not in text
    assert result.message == "no value (no rows, or only nulls)" and text == result.message


def test_a_chart_has_a_point_per_value_axes_and_the_thresholds_in_range():
    svg = line_chart("score", [90.0, 42.5], ["a", "b"], (0.0, 100.0), {"fail below": 80}, "t")
    assert svg.count('class="point"') == 2 and svg.count('class="axis') == 2
    assert "fail below 80" in svg
    assert nice_range([850, 400]) == (0.0, 1000.0) and nice_range([3]) == (0.0, 5.0)
