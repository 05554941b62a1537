"""Fault injection for the crash tests: with PIPEGEN_CRASH_AT=<point>, the job kills itself
with SIGKILL (by its own pid) at that point, like a lost driver. Unset, it does nothing."""

from __future__ import annotations

import os
import signal

POINTS = (
    "ingestion.mid-write",
    "ingestion.before-commit",
    "ingestion.between-sources",
    "processing.mid-write",
    "quality.mid-publish",
)


def crash_point(name: str) -> None:
    if os.environ.get("PIPEGEN_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
