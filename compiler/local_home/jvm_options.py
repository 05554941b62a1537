"""The local run's JVM flags: a run on a few megabytes compiles with C1 only.

The JVM's optimising compiler (C2) spends CPU seconds on code that pays back only in a long
run; on small data the run ends first. On the 3,368-row sample, C1 only took the same wall
time and 37% less CPU (93 s -> 58 s of user time), which is what a laptop running other
things, or a test suite running two runs at once, is short of. Larger runs keep the default.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipegen_runtime.state import SqliteState
from pipegen_runtime.storage import LocalStorage

from ..plan import PipelinePlan

# The full flights file (30 MB) is past it; the sample (0.3 MB) and a day's drops are under it.
SMALL_RUN_BYTES = 16 * 2**20
QUICK_START = "-XX:TieredStopAtLevel=1"


def driver_java_options(data_bytes: int) -> list[str]:
    return ["--driver-java-options", QUICK_START] if data_bytes < SMALL_RUN_BYTES else []


def run_data_bytes(plan: PipelinePlan, storage: LocalStorage, state: SqliteState) -> int:
    """What a run may read: the raw files not yet ingested, and the processed zone (which
    processing reads whole when it recomputes a table)."""
    new = 0
    for source in plan.sources:
        done = state.committed_objects(source.name)
        new += sum(
            o.size for o in storage.list("raw", source.config.landing) if o.object_id not in done
        )
    return new + _folder_bytes(storage.path("processed"))


def _folder_bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total
