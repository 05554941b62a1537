"""Measured run times for `pipegen cost --lake`: what the last runs of a lake took per job.

A local run leaves each job's summary in `<lake>/_runs/<run>/<job>.json` with its duration, and
the ingestion summary says how many bytes the run read. The estimate scales a job's median
duration by the spec's expected volume (`budget.expected.gb_per_run`) against the median volume
measured, and only when the two are within MAX_SCALE of each other: a run on a 1 MB sample says
little about a 10 GB one (its time is mostly start-up), so such evidence is reported and set
aside instead of multiplied.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from .naming import JOBS

LAST_RUNS = 5
MAX_SCALE = 10.0
GB = 1e9


@dataclass(frozen=True)
class Measured:
    """A job's median duration over the runs that read data, and their median volume."""

    job: str
    seconds: float
    gb: float
    runs: int
    where: str

    def scaled_minutes(self, gb_per_run: float) -> float | None:
        """Minutes a run of `gb_per_run` takes, or None when the volumes are too far apart."""
        if self.gb <= 0 or gb_per_run <= 0:
            return None
        scale = gb_per_run / self.gb
        if not 1 / MAX_SCALE <= scale <= MAX_SCALE:
            return None
        return self.seconds * scale / 60

    def describe(self) -> str:
        return (
            f"median of {self.runs} run(s) in {self.where}: {self.seconds:.0f} s "
            f"at {self.gb:.4g} GB a run"
        )


def from_lake(lake: Path, last: int = LAST_RUNS) -> dict[str, Measured]:
    """Job -> its measurement over the lake's last `last` complete runs that read data."""
    runs = [r for r in _complete_runs(lake) if r["gb"] > 0][-last:]
    if not runs:
        return {}
    gb = statistics.median(r["gb"] for r in runs)
    return {
        job: Measured(
            job, statistics.median(r["seconds"][job] for r in runs), gb, len(runs), str(lake)
        )
        for job in JOBS
    }


def _complete_runs(lake: Path) -> list[dict]:
    """Runs (oldest first) whose three jobs all finished and said how long they took."""
    found = []
    for folder in sorted((lake / "_runs").glob("*/")):
        summaries = [_summary(folder / f"{job}.json") for job in JOBS]
        if any(s is None or "duration_seconds" not in s or "error" in s for s in summaries):
            continue
        read = sum(s.get("bytes_in", 0) for s in summaries[0].get("sources", []))
        seconds = {
            job: float(s["duration_seconds"]) for job, s in zip(JOBS, summaries, strict=True)
        }
        found.append({"gb": read / GB, "seconds": seconds})
    return found


def _summary(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
