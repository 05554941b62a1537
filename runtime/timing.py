"""Phase timings in the job log: where a job spends its time, for operators and benchmarks."""

from __future__ import annotations

import sys
import time


class PhaseClock:
    def __init__(self, label: str):
        self.label = label
        self.last = time.monotonic()

    def lap(self, phase: str) -> float:
        now = time.monotonic()
        took, self.last = now - self.last, now
        print(f"pipegen {self.label}: {phase} {took:.1f}s", file=sys.stderr)
        return took
