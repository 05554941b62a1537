"""Helpers shared by tests: compile a spec in memory, run the CLI, lint a template."""

from __future__ import annotations

import json
from pathlib import Path

from pipegen_compiler.cli import main
from pipegen_compiler.pipeline import compile_plan, plan_all

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


def compile_all(spec: Path, display: str = "spec.yaml") -> dict[str, dict[str, bytes]]:
    """env -> output files, for every environment of a spec."""
    return {env: compile_plan(plan).files for env, plan in plan_all(spec, display).items()}


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cfn_lint_findings(template_text: str) -> list[str]:
    """cfn-lint errors and warnings (informational notes excluded), offline, via its API."""
    from cfnlint.api import lint_all

    return [str(m) for m in lint_all(template_text) if m.rule.id[0] in ("E", "W")]


def template_of(files: dict[str, bytes]) -> dict:
    return json.loads(files["template.json"])
