"""#14 items 8 and 9: a stopped `pipegen run` stops its Spark job; a failed job says why.

Before: killing `pipegen` left the job running on as an orphan, which then committed; a failed
job printed the last 15 lines of its log (Java frames, or a 25-line Spark plan for a typo).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import REPO, lake_with_samples
from pipegen_runtime.state import SqliteState

pytestmark = pytest.mark.spark

# A source without a schema (columns known only at run time, so the compiler cannot check
# them) and a step whose function Spark does not have: both pass `validate`, both fail in Spark.
TYPO_SPEC = """apiVersion: pipegen/v1
pipeline: typo
owner: team@example.com
sources:
  airlines:
    format: csv
    landing: reference/airlines/
transforms:
  carriers:
    from: airlines
    steps:
      - filter: "carrier IS NOT NULL"
      - derive:
          label: "upper_case(name)"
"""


def _processes_using(lake: Path) -> list[int]:
    """Processes whose command line names the lake: the job's JVM and its Python driver."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(lake).encode() in command and b"pipegen_compiler" not in command:
            found.append(int(entry.name))
    return found


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_stopping_pipegen_stops_its_job_and_nothing_commits(tmp_path, sig):
    lake = lake_with_samples(tmp_path)
    command = [sys.executable, "-m", "pipegen_compiler", "run", str(REPO / "specs/flights.yaml")]
    command += ["--lake", str(lake), "--out", str(tmp_path / "out")]
    pipegen = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert _wait_for(lambda: _processes_using(lake), 120), "the ingestion job never started"
        time.sleep(3)  # well into the JVM's start
        pipegen.send_signal(sig)
        pipegen.wait(60)
        # SIGTERM: pipegen stops the job's process group; SIGKILL: the kernel's parent-death
        # signal stops the JVM, and its Python driver loses the JVM.
        assert _wait_for(lambda: not _processes_using(lake), 60), _processes_using(lake)
    finally:
        pipegen.kill()
        for pid in _processes_using(lake):
            os.kill(pid, signal.SIGKILL)
    state = lake / "_state" / "state.sqlite"
    if state.exists():  # the job got as far as its first batch: it must not have committed
        assert SqliteState(state).committed_batches("ingestion") == []
    if sig == signal.SIGTERM:
        assert pipegen.returncode == 130


def test_a_failed_step_shows_its_cause_and_spec_line_not_java_frames(tmp_path, capsys):
    from pipegen_compiler.local_home.runner import run_pipeline
    from pipegen_compiler.pipeline import plan_all

    spec = tmp_path / "typo.yaml"
    spec.write_text(TYPO_SPEC)
    plan = plan_all(spec, "typo.yaml")["dev"]
    lake = tmp_path / "lake"
    (lake / "raw" / "reference" / "airlines").mkdir(parents=True)
    (lake / "raw" / "reference" / "airlines" / "airlines.csv").write_text(
        "carrier,name\n9E,Endeavor Air Inc.\nAA,American Airlines Inc.\n"
    )
    lines: list[str] = []
    result = run_pipeline(plan, lake, tmp_path / "out", "local[1]", echo=lines.append)
    text = "\n".join(lines)
    assert result.exit_code == 1
    assert "cause: transform 'carriers', step 2 (derive): " in text
    assert "upper_case" in text.split("cause:", 1)[1].splitlines()[0]
    assert "in the spec at typo.yaml:13:9" in text
    assert "at org.apache" not in text and "+- " not in text  # no Java frames, no plan
