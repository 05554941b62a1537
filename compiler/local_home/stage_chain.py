"""The driver of a local run: every stage's generated job script, one after another, in one
spark-submit, so the whole run pays for one JVM and one SparkSession.

Run by spark-submit as the application (never imported by pipegen): `stage_chain.py PLAN`,
where PLAN is a JSON file the runner writes: the progress file and, per stage, its script, the
script's arguments and its log. Each script runs as its own `__main__` with its own argv,
exactly as spark-submit would run it alone; its `SparkSession.builder.getOrCreate()` finds the
session the first stage started. The scripts and the runtime are the same as on Glue.

Each stage commits per batch as before: a kill mid-stage leaves what a killed lone job leaves,
and the next run repairs it. The first stage that does not exit 0 ends the chain, as a failed
job ends the Glue workflow. Standard library only: this runs in Spark's Python.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import time
import traceback


def main(plan_path: str) -> int:
    with open(plan_path) as handle:
        plan = json.load(handle)
    with open(plan["progress"], "a", buffering=1) as progress:
        for job in plan["jobs"]:
            _say(progress, stage=job["stage"], event="start")
            started = time.monotonic()
            code = _run_script(job["script"], job["argv"], job["log"])
            _say(
                progress,
                stage=job["stage"],
                event="end",
                code=code,
                seconds=round(time.monotonic() - started, 3),
            )
            _forget_cached_data()
            if code != 0:
                return code
    return 0


def _say(progress, **event) -> None:
    progress.write(json.dumps(event, sort_keys=True) + "\n")


def _run_script(script: str, argv: list[str], log: str) -> int:
    """The script as `__main__` with its own argv; its Python output to its own log (the JVM's
    log lines go to the run's JVM log, which Spark opened at start)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "a") as target:
        os.dup2(target.fileno(), 1)
        os.dup2(target.fileno(), 2)
        sys.argv = [script, *argv]
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = _exit_code(stop.code)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
    return code


def _exit_code(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _forget_cached_data() -> None:
    """What one stage cached is not the next stage's: free it, as a lone job's exit did."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.catalog.clearCache()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
