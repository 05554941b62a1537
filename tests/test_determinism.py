"""Same spec, same bytes: from another working directory and another PYTHONHASHSEED."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from helpers import REPO


def _compile_in(cwd: Path, out: Path, seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipegen_compiler",
            "compile",
            str(REPO / "specs" / "flights.yaml"),
            "--env",
            "prod",
            "--out",
            str(out),
        ],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
    )
    root = out / "flights" / "prod"
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_compile_twice_gives_identical_bytes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _compile_in(tmp_path / "a", tmp_path / "a" / "out", "1")
    second = _compile_in(tmp_path / "b", tmp_path / "b" / "elsewhere", "4242")
    assert len(first) == 9
    assert first == second


def test_output_holds_no_machine_specific_text(tmp_path):
    _compile_in(tmp_path, tmp_path / "out", "0")
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".py"):
            text = path.read_text()
            assert str(REPO) not in text and str(tmp_path) not in text, path
