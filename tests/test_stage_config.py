"""The stage configs' one owner: the runtime's typed classes, read strictly, written by render.

The compiler writes every config through these classes and a job refuses any config whose shape
differs, naming the key; the plan's consumers read resolved configs, never the spec models.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from helpers import REPO, stage_configs
from pipegen_runtime.config import ConfigError, parse_config
from pipegen_runtime.stage_config import CONFIG_CLASSES, SourceConfig, TransformConfig
from pipegen_runtime.typed_json import ShapeError, decode, encode

COMPILER = REPO / "compiler"
REFERENCE_SPEC = REPO / "specs" / "flights.yaml"
# What reads a plan to make something (stacks, files, commands, runs): resolved configs only.
PLAN_CONSUMERS = ["builders", "commands", "local_home", "aws_home", "render.py", "emit.py"]


@dataclass(frozen=True)
class Inner:
    flag: bool
    size: float


@dataclass(frozen=True)
class Outer:
    name: str
    count: int
    inner: Inner
    tags: tuple[str, ...]
    note: str | None = None


GOOD = {"name": "a", "count": 2, "inner": {"flag": True, "size": 1}, "tags": ["x"], "note": None}


def test_decode_reads_a_well_formed_object_and_encode_gives_it_back():
    value = decode(Outer, GOOD)
    assert value == Outer("a", 2, Inner(True, 1.0), ("x",), None)
    assert encode(value) == {**GOOD, "inner": {"flag": True, "size": 1.0}}
    assert "note" not in encode(value, drop_none=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": None}, "config.count: expected int, got null"),
        ({"count": True}, "config.count: expected int, got True"),
        ({"inner": {"flag": 1, "size": 1}}, "config.inner.flag: expected bool, got 1"),
        ({"inner": {"flag": True}}, "config.inner: 'size' is missing"),
        ({"tags": "x"}, "config.tags: expected a list"),
        ({"extra": 1}, "config: unknown key 'extra'"),
    ],
)
def test_decode_names_the_key_that_does_not_fit(change, message):
    with pytest.raises(ShapeError, match=message.replace(".", r"\.")):
        decode(Outer, {**GOOD, **change})


def test_only_a_field_that_defaults_to_none_may_be_left_out():
    assert decode(Outer, {k: v for k, v in GOOD.items() if k != "note"}).note is None
    with pytest.raises(ShapeError, match="'count' is missing"):
        decode(Outer, {k: v for k, v in GOOD.items() if k != "count"})


def test_the_reference_configs_decode_strictly_and_encode_to_the_same_json():
    for stage, config in stage_configs(REFERENCE_SPEC).items():
        typed = parse_config(json.dumps(config), stage, f"{stage}.json")
        assert isinstance(typed, CONFIG_CLASSES[stage])
        assert encode(typed) == config


@pytest.mark.parametrize(
    ("quality", "key"),
    [
        (None, "'quality' is missing"),
        ({"tables": {}}, "stage config.quality: 'score' is missing"),
        ("rules", "stage config.quality: expected an object"),
    ],
)
def test_a_malformed_quality_config_fails_the_job_at_start_naming_the_key(quality, key):
    config = stage_configs(REFERENCE_SPEC)["quality"]
    if quality is None:
        del config["quality"]
    else:
        config["quality"] = quality
    with pytest.raises(ConfigError, match=key):
        parse_config(json.dumps(config), "quality", "quality.json")


def test_a_config_from_another_version_of_the_runtime_is_refused_by_key():
    config = stage_configs(REFERENCE_SPEC)["ingestion"]
    config["sources"]["flights"]["header_rows"] = 2  # a key this runtime does not know
    with pytest.raises(ConfigError, match=r"sources\.flights: unknown key 'header_rows'"):
        parse_config(json.dumps(config), "ingestion", "ingestion.json")


def test_the_spec_and_the_runtime_classes_have_the_same_fields():
    from pipegen_compiler.spec.sources import Source
    from pipegen_compiler.spec.transforms import Transform

    def keys(model) -> set[str]:
        return {f.alias or name for name, f in model.model_fields.items()}

    assert keys(Source) == {f.metadata.get("json", f.name) for f in fields(SourceConfig)}
    transform = {f.metadata.get("json", f.name) for f in fields(TransformConfig)}
    assert keys(Transform) | {"name"} == transform


def _spec_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [
        f"{path.relative_to(COMPILER)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "spec"
        and not (isinstance(node.value, ast.Name) and node.value.id == "args")
    ]


def test_plan_consumers_read_resolved_configs_never_the_spec_models():
    files = [p for entry in PLAN_CONSUMERS for p in sorted((COMPILER / entry).rglob("*.py"))]
    files += [COMPILER / e for e in PLAN_CONSUMERS if e.endswith(".py")]
    assert len(files) > 30
    assert [hit for f in files for hit in _spec_reads(f)] == []
