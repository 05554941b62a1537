"""Golden cases: valid specs with their expected output trees, bad specs with their exact
diagnostics. `pytest --update-golden` rewrites the expectations for review."""

from __future__ import annotations

import ast
import shutil

import pytest

from helpers import GOLDEN, REPO, cfn_lint_findings, compile_all, run_cli

# The bundle (and the manifest holding its hash) change whenever the runtime changes; they are
# covered by the determinism tests instead of golden bytes.
NOT_GOLDEN = ("pipegen_runtime.zip", "manifest.json")
VALID = {"flights": REPO / "specs" / "flights.yaml"} | {
    p.parent.name: p for p in sorted((GOLDEN / "valid").glob("*/spec.yaml"))
}
ERRORS = sorted(p.name for p in (GOLDEN / "errors").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def compiled() -> dict[str, dict[str, dict[str, bytes]]]:
    return {case: compile_all(spec, spec.name) for case, spec in VALID.items()}


@pytest.mark.parametrize("case", sorted(VALID))
def test_valid_spec_output_matches_golden_tree(case, compiled, update_golden):
    expected_root = GOLDEN / "valid" / case / "expected"
    actual = {
        f"{env}/{path}": data
        for env, files in compiled[case].items()
        for path, data in files.items()
        if path not in NOT_GOLDEN
    }
    if update_golden:
        shutil.rmtree(expected_root, ignore_errors=True)
        for path, data in actual.items():
            (expected_root / path).parent.mkdir(parents=True, exist_ok=True)
            (expected_root / path).write_bytes(data)
    expected = {
        p.relative_to(expected_root).as_posix(): p.read_bytes()
        for p in expected_root.rglob("*")
        if p.is_file()
    }
    assert sorted(actual) == sorted(expected)
    for path in sorted(actual):
        assert actual[path] == expected[path], f"{case}/{path} differs from its golden file"


@pytest.mark.parametrize("case", sorted(VALID))
def test_every_golden_template_passes_cfn_lint(case, compiled):
    for env, files in compiled[case].items():
        assert cfn_lint_findings(files["template.json"].decode()) == [], f"{case}/{env}"


@pytest.mark.parametrize("case", sorted(VALID))
def test_every_generated_script_parses(case, compiled):
    scripts = [
        (env, path, data)
        for env, files in compiled[case].items()
        for path, data in files.items()
        if path.endswith(".py")
    ]
    assert len(scripts) == 3 * len(compiled[case])
    for env, path, data in scripts:
        ast.parse(data, filename=f"{case}/{env}/{path}")


@pytest.mark.parametrize("case", ERRORS)
def test_bad_spec_gives_exact_diagnostics(case, tmp_path, monkeypatch, capsys, update_golden):
    case_dir = GOLDEN / "errors" / case
    shutil.copy(case_dir / "spec.yaml", tmp_path / "spec.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["compile", "spec.yaml", "--out", "out"], capsys)
    if update_golden:
        (case_dir / "expected.txt").write_text(err)
    assert err == (case_dir / "expected.txt").read_text()
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists(), "nothing may be written for a bad spec"
