"""The committed JSON Schema is the spec language for editors and CI tools: a standard validator
accepts every valid spec in the repo and every spec `pipegen new` writes, rejects typos, and
every property says what it is."""

from __future__ import annotations

import json

import jsonschema
import pytest

from helpers import GOLDEN, REPO, SAMPLES, run_cli
from pipegen_compiler.load import load_file

SCHEMA = json.loads((REPO / "schema" / "pipegen-v1.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
VALID_SPECS = [REPO / "specs" / "flights.yaml", *sorted(GOLDEN.glob("valid/*/spec.yaml"))]


def _data(path):
    return load_file(path, path.name).data  # YAML 1.2, as editors' YAML servers read it


def _problems(data) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(data)]


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("spec", VALID_SPECS, ids=lambda p: p.parent.name)
def test_every_valid_spec_in_the_repo_passes(spec):
    assert _problems(_data(spec)) == []


@pytest.mark.parametrize("sample", ["planes.csv", "weather_sample.csv", "airlines.csv"])
def test_every_spec_new_writes_passes(sample, tmp_path, capsys):
    code, _, err = run_cli(
        ["new", "made", "--from", str(SAMPLES / sample), "--dir", str(tmp_path)], capsys
    )
    assert code == 0, err
    written = tmp_path / "made.yaml"
    assert "# yaml-language-server: $schema=" in written.read_text()
    assert _problems(_data(written)) == []


@pytest.mark.parametrize(
    ("path", "typo"),
    [
        (("sources", "flights"), {"partiton_by": {"column": "time_hour"}}),
        (("sources", "flights"), {"format": "cvs"}),
        (("transforms", "flights_enriched", "steps", 0), {"dedup": {"keys": ["carrier"]}}),
        (("quality", "tables", "daily_delays", 0), {"rnage": {"column": "x", "min": 0}}),
        (("defaults", "jobs"), {"workers": "2"}),
    ],
)
def test_typos_are_rejected(path, typo):
    data = _data(REPO / "specs" / "flights.yaml")
    node = data
    for part in path[:-1]:
        node = node[part]
    if isinstance(node[path[-1]], dict) and not isinstance(path[-1], int):
        node[path[-1]] = {**node[path[-1]], **typo}
        if "format" in typo:
            node[path[-1]]["format"] = typo["format"]
    else:
        node[path[-1]] = typo
    assert _problems(data) != []


def test_every_property_has_a_description():
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if not (prop.get("description") or ("$ref" in prop and _described(prop))):
                    missing.append(f"{where}.{name}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(SCHEMA, "#")
    assert missing == []


def _described(prop) -> bool:
    return bool(prop.get("description"))


def test_the_rule_reference_is_generated_from_the_models():
    from pipegen_compiler.spec.rule_reference import reference

    spec_text = (REPO / "specs" / "flights.yaml").read_text()
    committed = (REPO / "docs" / "RULES.md").read_text()
    assert committed == reference(spec_text), (
        "run: python -m pipegen_compiler.spec.rule_reference docs/RULES.md specs/flights.yaml"
    )
    assert committed.count("### `") == 26 and committed.count("```yaml") == 26
