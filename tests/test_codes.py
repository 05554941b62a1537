"""The registry of diagnostic codes (compiler/codes.py) is their single owner: each code is
reported by the one module it names, the README's table is generated from it, and every code
a user can meet has a case that shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipegen_compiler import codes
from pipegen_compiler.diagnostics import Diagnostic, Span

REPO = Path(__file__).resolve().parents[1]
COMPILER = REPO / "compiler"
TESTS = REPO / "tests"
LITERAL = re.compile(r"\"(PG\d{3})\"")
# Codes about the built template or the estimate, not a spec's text: their tests build or
# mutate templates, so they are named by a test module rather than shown by a golden spec.
NOT_FROM_SPEC_TEXT = {"policy.py", "commands/lint.py", "budget_check.py", "builders/common.py"}
# Cases that cannot be committed as a file: an unreadable path, a file over 1 MiB, a template
# over 1 MB (the 500-resource limit comes first for every spec shape we know).
MADE_BY_A_TEST = {"PG100", "PG101", "PG506"}


def _reported() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in COMPILER.rglob("*.py"):
        if path.name == "codes.py":
            continue
        for code in LITERAL.findall(path.read_text()):
            found.setdefault(code, set()).add(path.relative_to(COMPILER).as_posix())
    return found


def _shown_by_cases() -> set[str]:
    shown = set()
    for expected in (TESTS / "golden" / "errors").glob("*/expected.txt"):
        shown |= set(re.findall(r"(?:error|warning)\[(PG\d{3})\]", expected.read_text()))
    for case in (TESTS / "hostile").glob("*.yaml"):
        header = case.read_bytes().split(b"\n", 1)[0].decode()
        shown |= set(header.split("expect:", 1)[1].split())
    return shown


def _named_by_tests() -> set[str]:
    return {
        code
        for path in TESTS.glob("test_*.py")
        if path.name != "test_codes.py"
        for code in re.findall(r"PG\d{3}", path.read_text())
    }


def test_every_code_is_registered_and_reported_by_its_own_module_alone():
    reported = _reported()
    assert sorted(reported) == sorted(codes.CODES)
    for code, modules in reported.items():
        assert modules == {codes.CODES[code].module}, code


def test_every_code_a_spec_can_cause_has_a_golden_or_hostile_case():
    from_spec = {c for c, e in codes.CODES.items() if e.module not in NOT_FROM_SPEC_TEXT}
    missing = from_spec - MADE_BY_A_TEST - _shown_by_cases()
    assert missing == set()
    assert _named_by_tests() >= MADE_BY_A_TEST


def test_every_other_code_is_named_by_a_test():
    others = {c for c, e in codes.CODES.items() if e.module in NOT_FROM_SPEC_TEXT}
    assert others - _named_by_tests() == set()


def test_the_readme_table_is_generated_from_the_registry():
    readme = (REPO / "README.md").read_text()
    assert codes.with_table(readme) == readme, "run: python -m pipegen_compiler.codes README.md"


def test_a_diagnostic_with_an_unregistered_code_is_refused():
    with pytest.raises(ValueError, match="PG999"):
        Diagnostic(Span("spec.yaml", 1, 1), "PG999", "nothing")
