"""specs/flights.yaml is the living example: it must use every step and rule the language has."""

from __future__ import annotations

from pathlib import Path

from helpers import REPO
from pipegen_compiler.load import load_file
from pipegen_compiler.spec.quality import RULE_TYPES
from pipegen_compiler.spec.sources import Format
from pipegen_compiler.spec.transforms import STEP_TYPES
from pipegen_compiler.validate import validate

SPEC = REPO / "specs" / "flights.yaml"


def _spec():
    return validate(load_file(Path(SPEC), "flights.yaml"))


def test_reference_uses_every_step_type():
    used = {
        next(iter(type(step).model_fields)) for t in _spec().transforms.values() for step in t.steps
    }
    assert used == set(STEP_TYPES)


def test_reference_uses_every_rule_type():
    used = {
        next(iter(type(rule).model_fields))
        for rules in _spec().quality.tables.values()
        for rule in rules
    }
    assert used == set(RULE_TYPES)


def test_reference_uses_source_kinds_detection_overrides_and_schedule():
    spec = _spec()
    assert {s.kind for s in spec.sources.values()} == {"append", "reference"}
    assert "auto" in {s.format for s in spec.sources.values()}
    assert {s.format for s in spec.sources.values()} <= set(Format.__args__)
    assert any(s.schema_ is None for s in spec.sources.values())
    assert any(e.overrides for e in spec.environments.values())
    assert spec.jobs and spec.schedule
    assert spec.alerts.email and "alerts" in spec.environments["prod"].overrides
    assert spec.budget and "network" in spec.environments["prod"].overrides
