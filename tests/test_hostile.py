"""The hostile-spec corpus (tests/hostile/, written by generate.py): every case is rejected
with `file:line:col` and its expected code, exit code 1, no traceback, nothing written; the
loader's work stays bounded whatever the file expands to (a count of nodes built, not a clock)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import run_cli
from pipegen_compiler import load

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(HOSTILE.glob("*.yaml"))
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>PG\d{3})\] .+")


def _expected(path: Path) -> set[str]:
    header = path.read_bytes().split(b"\n", 1)[0].decode()
    return set(header.split("expect:", 1)[1].split())


def test_the_corpus_is_large_and_covers_the_categories():
    categories = {
        p.read_bytes().split(b";", 1)[0].decode().removeprefix("# hostile: ") for p in CASES
    }
    assert len(CASES) >= 60
    for needed in (
        "syntax",
        "duplicate keys",
        "deep nesting",
        "alias bomb",
        "unsafe tags",
        "unknown keys",
        "wrong types",
        "YAML 1.1 booleans",
        "names over limits",
        "S3 reserved forms",
        "${",
        "*",
        "quotes",
        "newline",
        "NUL",
        "U+2028",
        "../",
        "absolute paths",
        "collisions",
        "cycles",
        "unknown references",
    ):
        assert needed in categories, needed


def _check(path: Path, tmp_path: Path, capsys, expected: set[str]) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["compile", str(path), "--out", str(out)], capsys)
    assert code == 1, stderr
    assert "Traceback" not in stdout + stderr and "internal error" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[-1].endswith("warning(s)")
    found = [LINE.match(line) for line in lines[:-1] if not line.startswith("... and")]
    assert found and all(found), stderr
    assert all(Path(m["file"]).resolve() == path.resolve() for m in found), stderr
    assert all(int(m["line"]) >= 1 and int(m["col"]) >= 1 for m in found), stderr
    assert expected <= {m["code"] for m in found}, stderr
    assert not out.exists()


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_hostile_spec_is_rejected_cleanly(path, tmp_path, capsys):
    _check(path, tmp_path, capsys, _expected(path))


def test_an_alias_bomb_stops_building_at_the_node_limit(monkeypatch):
    """A billion-node expansion is refused after the limit: the builder is never asked for more
    than the limit plus the siblings it was already iterating."""
    calls = 0
    build = load._Builder.build

    def counted(self, node, path, depth):
        nonlocal calls
        calls += 1
        return build(self, node, path, depth)

    monkeypatch.setattr(load._Builder, "build", counted)
    with pytest.raises(load.CompileError) as caught:
        load.load_file(HOSTILE / "alias_bomb.yaml", "alias_bomb.yaml")
    assert {d.code for d in caught.value.diagnostics} == {"PG107"}
    assert load.MAX_NODES < calls <= load.MAX_NODES + 100


def test_a_file_over_one_mib_is_rejected_before_parsing(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    path.write_text("apiVersion: pipegen/v1\ndescription: |\n" + "  x\n" * 300_000)
    assert path.stat().st_size > 1024 * 1024
    _check(path, tmp_path, capsys, {"PG101"})
