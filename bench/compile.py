"""Compile-time benchmark: `pipegen compile` as a whole process, once and for 100 specs.

Prints medians over several runs (this machine is noisy) and the ratio to the issue's aims:
under 0.5 s for the reference spec, under 10 s for 100 generated specs in one call.
Run: .venv/bin/python bench/compile.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "specs" / "flights.yaml"
AIM_ONE, AIM_HUNDRED = 0.5, 10.0


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


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
    args = parser.parse_args()
    pipegen = [sys.executable, "-m", "pipegen_compiler", "compile"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        one = [timed([*pipegen, str(REFERENCE), "--out", "out1"], work) for _ in range(args.runs)]
        specs = [str(p) for p in generated_specs(work, 100)]
        hundred = [
            timed([*pipegen, *specs, "--out", "out100"], work)
            for _ in range(max(3, args.runs // 2))
        ]
    m1, m100 = statistics.median(one), statistics.median(hundred)
    print(
        f"compile reference spec (whole process): median {m1:.3f} s over {len(one)} runs "
        f"(min {min(one):.3f}, max {max(one):.3f}); aim {AIM_ONE} s -> {m1 / AIM_ONE:.2f}x aim"
    )
    print(
        f"compile 100 specs in one call:          median {m100:.3f} s over {len(hundred)} "
        f"runs (min {min(hundred):.3f}); aim {AIM_HUNDRED} s -> {m100 / AIM_HUNDRED:.2f}x aim"
    )
    print(f"per spec in the batch: {m100 / 100 * 1000:.1f} ms; batch/single ratio {m100 / m1:.1f}")


if __name__ == "__main__":
    main()
