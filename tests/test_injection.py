"""Spec values reach generated code only as data: hostile text is rejected or stays inert."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from helpers import compile_all, run_cli

CANARY = "'''\"\"\"\n__import__('os').system('touch CANARY')#${AWS::AccountId}"
# The canary inside a Spark SQL string literal: valid SQL, so it passes the SQL checks and
# must then stay data on its way to the job.
SQL_CANARY = "'" + CANARY.replace("\\", "\\\\").replace("'", "\\'") + "' IS NOT NULL"

SPEC = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
description: {text}
sources:
  class:
    description: {text}
    format: csv
    landing: in/orders/
    accept: {{name_pattern: {text}}}
transforms:
  lambda:
    description: {text}
    from: class
    steps:
      - filter: {sql}
      - derive: {{note: {sql}}}
quality:
  tables:
    lambda:
      - expression: {{check: {sql}}}
"""


def _write(tmp_path: Path, text: str, sql: str = SQL_CANARY) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(text=json.dumps(text), sql=json.dumps(sql)))
    return path


def _scripts(files: dict[str, bytes]) -> dict[str, str]:
    return {p: ast.dump(ast.parse(d)) for p, d in files.items() if p.endswith(".py")}


def test_canary_in_every_free_text_field_stays_inert(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hostile = compile_all(_write(tmp_path, CANARY))["dev"]
    (tmp_path / "clean").mkdir()
    clean = compile_all(_write(tmp_path / "clean", "plain text", "true"))["dev"]
    assert _scripts(hostile) == _scripts(clean)
    config = json.loads(hostile["config/processing.json"])
    assert config["transforms"][0]["steps"][0]["filter"] == SQL_CANARY
    assert not (tmp_path / "CANARY").exists()


def test_spec_text_never_reaches_a_sub_expression(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = json.loads(compile_all(_write(tmp_path, CANARY))["dev"]["template.json"])
    subs = []

    def walk(node):
        if isinstance(node, dict):
            if "Fn::Sub" in node:
                subs.append(json.dumps(node["Fn::Sub"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template)
    assert subs, "the template uses Fn::Sub for ARNs and bucket names"
    assert not any("CANARY" in s for s in subs)
    assert CANARY not in json.dumps(template["Resources"])


@pytest.mark.parametrize("name", ['a"b', "a\nb", "${x}", "../up", "a*", "a\u2028b", "a\x00b"])
def test_hostile_names_are_rejected_with_a_position(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    spec = SPEC.format(text='"x"', sql='"true"').replace(
        "  class:\n", f"  {json.dumps(name)}:\n", 1
    )
    (tmp_path / "spec.yaml").write_text(spec)
    code, _out, err = run_cli(["compile", "spec.yaml"], capsys)
    assert code == 1
    assert err.startswith("spec.yaml:")
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
