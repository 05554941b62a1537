"""The distribution users install: the wheel, built from this tree and installed into a fresh
virtual environment with its declared dependencies only, compiles the reference spec to the
same bytes as the source tree does."""

from __future__ import annotations

import subprocess
import sys
import venv
from importlib.metadata import version

import pytest

from helpers import REPO, compile_all

DISTRIBUTION = "pipegen-glue"


def _run(*args, cwd) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


@pytest.mark.slow
def test_the_wheel_installs_alone_and_compiles_the_reference_spec(tmp_path):
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        str(REPO),
        "--no-deps",
        "-q",
        "-w",
        "dist",
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name.startswith("pipegen_glue-")
    venv.create(tmp_path / "fresh", with_pip=True)
    python = tmp_path / "fresh" / "bin" / "python"
    _run(str(python), "-m", "pip", "install", "-q", str(wheel), cwd=tmp_path)
    pipegen = str(tmp_path / "fresh" / "bin" / "pipegen")
    # Run outside the repo, so nothing is imported from the source tree.
    assert _run(pipegen, "--version", cwd=tmp_path).strip() == f"pipegen {version(DISTRIBUTION)}"
    spec = tmp_path / "flights.yaml"
    spec.write_bytes((REPO / "specs" / "flights.yaml").read_bytes())
    _run(pipegen, "compile", "flights.yaml", "--env", "prod", "--out", "out", cwd=tmp_path)
    built = tmp_path / "out" / "flights" / "prod"
    expected = compile_all(spec, "flights.yaml")["prod"]
    assert {p: (built / p).read_bytes() for p in expected} == expected
