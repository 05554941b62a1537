"""#15's local loop, without Spark: the chain driver runs each job script as its own `__main__`
with its own argv and log, stops at the first stage that does not exit 0, and the runner turns
its progress (or a death mid-stage) into the stage lines a user reads. Shuffle partitions of a
local run follow the master's cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipegen_compiler.local_home.runner import CHAIN_DRIVER, _ProgressEcho
from pipegen_runtime.context import local_shuffle_partitions
from pipegen_runtime.lake_layout import LakeLayout

SCRIPT = """import sys
print("stdout of", __name__, sys.argv[1:])
print("stderr of", sys.argv[0], file=sys.stderr)
sys.exit({code})
"""


def _chain(tmp_path: Path, codes: list[int]) -> tuple[subprocess.CompletedProcess, dict]:
    stages = ["ingestion", "processing", "quality"][: len(codes)]
    jobs = []
    for stage, code in zip(stages, codes, strict=True):
        script = tmp_path / f"{stage}.py"
        script.write_text(SCRIPT.format(code=code))
        argv = ["--pipegen-config", f"{stage}.json"]
        jobs.append({"stage": stage, "script": str(script), "argv": argv, "log": f"{script}.log"})
    plan = {"progress": str(tmp_path / "progress.log"), "jobs": jobs}
    (tmp_path / "chain.json").write_text(json.dumps(plan))
    done = subprocess.run(
        [sys.executable, str(CHAIN_DRIVER), str(tmp_path / "chain.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, plan


def _events(plan: dict) -> list[tuple]:
    lines = Path(plan["progress"]).read_text().splitlines()
    return [(e["stage"], e["event"], e.get("code")) for e in map(json.loads, lines)]


def test_each_script_runs_as_main_with_its_own_argv_and_log(tmp_path):
    done, plan = _chain(tmp_path, [0, 0, 0])
    assert done.returncode == 0, done.stderr
    assert _events(plan) == [
        (stage, event, code)
        for stage in ("ingestion", "processing", "quality")
        for event, code in (("start", None), ("end", 0))
    ]
    for job in plan["jobs"]:
        log = Path(job["log"]).read_text()
        assert f"stdout of __main__ ['--pipegen-config', '{job['stage']}.json']" in log
        assert f"stderr of {job['script']}" in log
        assert log.count("stdout of") == 1  # nothing of another stage
    assert "stdout of" not in done.stdout + done.stderr


def test_the_first_stage_that_does_not_exit_0_ends_the_chain(tmp_path):
    done, plan = _chain(tmp_path, [0, 4, 0])
    assert done.returncode == 4
    assert _events(plan)[-1] == ("processing", "end", 4)
    assert ("quality", "start", None) not in _events(plan)
    assert not Path(plan["jobs"][2]["log"]).exists()


def _watched(tmp_path: Path, lines: list[dict]) -> tuple[_ProgressEcho, list[str]]:
    layout = LakeLayout(tmp_path)
    progress = layout.run_log("r1", "progress")
    progress.parent.mkdir(parents=True)
    progress.write_text("".join(json.dumps(line) + "\n" for line in lines))
    said: list[str] = []
    watcher = _ProgressEcho(progress, layout, "r1", said.append)
    watcher.poll()
    return watcher, said


def test_a_death_mid_stage_fails_that_stage_with_the_process_code(tmp_path):
    watcher, said = _watched(
        tmp_path,
        [
            {"stage": "ingestion", "event": "start"},
            {"stage": "ingestion", "event": "end", "code": 0, "seconds": 2.5},
            {"stage": "processing", "event": "start"},
        ],
    )
    assert watcher.outcomes(-9) == [("ingestion", 0), ("processing", -9)]
    assert said[1].startswith("[1/3] ingestion done in 2.5s")
    assert said[-1].startswith("[2/3] processing FAILED (exit -9)")
    assert "spark.log" in said[-1]


def test_a_half_written_progress_line_waits_for_its_end(tmp_path):
    watcher, said = _watched(tmp_path, [{"stage": "ingestion", "event": "start"}])
    with watcher.progress.open("a") as handle:
        handle.write('{"code": 0, "event": "end", "sec')
    watcher.poll()
    assert said == ["[1/3] ingestion ..."]


@pytest.mark.parametrize(
    ("master", "partitions"),
    [
        ("local", 4),
        ("local[2]", 8),
        ("local[3,2]", 12),
        ("local[*]", 4 * (os.cpu_count() or 1)),
        ("local-cluster[2,1,1024]", 8),
        ("local-cluster[3, 2, 1024]", 24),
    ],
)
def test_local_shuffle_partitions_follow_the_masters_cores(master, partitions):
    assert local_shuffle_partitions(master) == partitions


def test_a_small_run_starts_its_jvm_with_c1_only_and_a_large_one_does_not(tmp_path):
    from helpers import REPO, lake_with_samples
    from pipegen_compiler.local_home.jvm_options import (
        SMALL_RUN_BYTES,
        driver_java_options,
        run_data_bytes,
    )
    from pipegen_compiler.pipeline import plan_all
    from pipegen_runtime.state import SqliteState
    from pipegen_runtime.storage import LocalStorage

    assert driver_java_options(SMALL_RUN_BYTES - 1) == [
        "--driver-java-options",
        "-XX:TieredStopAtLevel=1",
    ]
    assert driver_java_options(SMALL_RUN_BYTES) == []
    plan = plan_all(REPO / "specs" / "flights.yaml", "flights.yaml")["dev"]
    lake = lake_with_samples(tmp_path)
    state = SqliteState(LakeLayout(lake).state_file)
    raw = sum(p.stat().st_size for p in (lake / "raw").rglob("*") if p.is_file())
    assert run_data_bytes(plan, LocalStorage(lake), state) == raw
    (lake / "processed" / "t").mkdir(parents=True)
    (lake / "processed" / "t" / "part-0.parquet").write_bytes(b"x" * 1000)
    assert run_data_bytes(plan, LocalStorage(lake), state) == raw + 1000
