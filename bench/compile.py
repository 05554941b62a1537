"""Compile-time benchmark: `pipegen compile` as a whole process, once and for 100 specs.

Prints medians over several runs (this machine is noisy) and the ratio to the issue's aims:
at most 0.3 s for the reference spec, at most 5 s for 100 generated specs in one call (#15).
Python's bytecode cache is on, as on a user's machine (a warm-up run fills it in a temporary
folder), even where the environment turns it off with PYTHONDONTWRITEBYTECODE.
Run: .venv/bin/python bench/compile.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "specs" / "flights.yaml"
AIM_ONE, AIM_HUNDRED = 0.3, 5.0


def timed(command: list[str], cwd: Path, environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=environment, check=True, capture_output=True)
    return time.perf_counter() - start


def with_bytecode_cache(folder: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**environment, "PYTHONPYCACHEPREFIX": str(folder)}


def generated_specs(folder: Path, count: int) -> list[Path]:
    """`count` variants of the reference spec, each its own pipeline (own names, own stack)."""
    text = REFERENCE.read_text()
    paths = []
    for i in range(count):
        path = folder / f"p{i:03d}.yaml"
        path.write_text(text.replace("pipeline: flights", f"pipeline: flights{i:03d}", 1))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100, help="specs in the one-call run")
    args = parser.parse_args()
    pipegen = [sys.executable, "-m", "pipegen_compiler", "compile"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        environment = with_bytecode_cache(work / "pycache")
        reference = [*pipegen, str(REFERENCE), "--out", "out1"]
        timed(reference, work, environment)  # fills the bytecode cache
        one = [timed(reference, work, environment) for _ in range(args.runs)]
        specs = [str(p) for p in generated_specs(work, args.batch)]
        hundred = [
            timed([*pipegen, *specs, "--out", "out100"], work, environment)
            for _ in range(max(1, min(3, args.runs)))
        ]
    m1, m100 = statistics.median(one), statistics.median(hundred)
    print(
        f"compile reference spec (whole process): median {m1:.3f} s over {len(one)} runs "
        f"(min {min(one):.3f}, max {max(one):.3f}); aim {AIM_ONE} s -> {m1 / AIM_ONE:.2f}x aim"
    )
    print(
        f"compile {args.batch} specs in one call:          median {m100:.3f} s over {len(hundred)} "
        f"runs (min {min(hundred):.3f}); aim for 100: {AIM_HUNDRED} s -> "
        f"{m100 * 100 / args.batch / AIM_HUNDRED:.2f}x aim"
    )
    per_spec = m100 / args.batch
    print(f"per spec in the batch: {per_spec * 1000:.1f} ms; batch/single ratio {m100 / m1:.1f}")


if __name__ == "__main__":
    main()
