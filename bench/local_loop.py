"""Local-loop benchmark: `pipegen run` of the reference spec on the repo's sample (3,368 flights,
a fresh lake each time) against a bare `spark-submit` of an empty job (start a SparkSession,
stop it), alternated in one run, `--runs` times each. Prints medians and the ratio (aim: at
most 2x), and the per-stage times of pipegen's last run.

The empty job is the floor any local Spark run pays (a JVM and a SparkSession); the ratio is
what pipegen's three stages cost on top of it.

Run: .venv/bin/python bench/local_loop.py [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from helpers import lake_with_samples  # noqa: E402

AIM = 2.0
EMPTY_JOB = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.config("spark.ui.enabled", "false").getOrCreate()
spark.stop()
"""


def spark_submit() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent / "bin" / "spark-submit")


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return took, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bare, ours, last = [], [], ""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        empty = work / "empty_job.py"
        empty.write_text(EMPTY_JOB)
        submit = [spark_submit(), "--master", "local[2]", "--driver-memory", "4g", str(empty)]
        for run in range(args.runs):
            bare.append(timed(submit)[0])
            root = work / f"run{run}"
            lake = lake_with_samples(root)
            pipegen = [sys.executable, "-m", "pipegen_compiler", "run"]
            pipegen += [str(REPO / "specs" / "flights.yaml"), "--lake", str(lake)]
            took, last = timed([*pipegen, "--out", str(root / "out")])
            ours.append(took)
            shutil.rmtree(root)
    m_bare, m_ours = statistics.median(bare), statistics.median(ours)
    print(f"bare spark-submit, empty job: median {m_bare:.1f} s over {len(bare)} runs {_all(bare)}")
    print(f"pipegen run, the sample:      median {m_ours:.1f} s over {len(ours)} runs {_all(ours)}")
    print(f"ratio {m_ours / m_bare:.2f}x (aim {AIM}x)")
    for line in last.splitlines():
        if re.match(r"\[\d/\d\] \w+ (done|FAILED)", line):
            print("  last run:", line.split(" (log:")[0])


def _all(times: list[float]) -> str:
    return "(" + ", ".join(f"{t:.1f}" for t in times) + ")"


if __name__ == "__main__":
    main()
