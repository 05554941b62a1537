"""`pipegen watch`: the local twin of S3 -> landing function -> workflow.

Polls the local landing prefixes; when a file has appeared (and stayed the same across two polls,
so a copy still in progress is not taken), it runs the whole workflow exactly as `pipegen run`
does. Ctrl-C (or SIGTERM) stops the watch between runs; a run in progress finishes first, and a
second Ctrl-C stops that run too (the next run repairs whatever it left).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from pipegen_runtime.lake_layout import LakeLayout
from pipegen_runtime.state import SqliteState
from pipegen_runtime.storage import LocalStorage

from ..plan import PipelinePlan
from .runner import run_pipeline, summary_table


class StopRequest:
    """The first signal asks to stop between runs; the second interrupts."""

    def __init__(self, echo):
        self.requested = False
        self.echo = echo
        self.previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.echo("stopping after the current step (Ctrl-C again to interrupt)")

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def arrived(plan: PipelinePlan, lake: Path) -> set[str]:
    """Object IDs under the landing prefixes that no committed batch has taken."""
    storage = LocalStorage(lake)
    state = SqliteState(LakeLayout(lake).state_file)
    found = set()
    for source in plan.sources:
        done = state.committed_objects(source.name)
        found |= {
            f"{source.name}/{o.object_id}"
            for o in storage.list("raw", source.config.landing)
            if o.object_id not in done
        }
    return found


def watch(
    plan: PipelinePlan,
    lake: Path,
    out_root: Path,
    master: str,
    interval: float,
    echo=print,
    max_runs: int | None = None,
) -> int:
    for source in plan.sources:
        (lake / "raw" / source.config.landing).mkdir(parents=True, exist_ok=True)
    stop = StopRequest(echo)
    landing = ", ".join(str(lake / "raw" / s.config.landing) for s in plan.sources)
    echo(f"watching {landing} every {interval:g}s; Ctrl-C stops")
    attempted: set[str] = set()
    # Files already waiting when the watch starts are work too: they count as arrived.
    previous = arrived(plan, lake)
    runs = 0
    try:
        while not stop.requested and (max_runs is None or runs < max_runs):
            _sleep(interval, stop)
            current = arrived(plan, lake)
            ready = (current & previous) - attempted
            previous = current
            if not ready or stop.requested:
                continue
            echo(f"{len(ready)} new file(s): running the workflow")
            result = run_pipeline(plan, lake, out_root, master, echo)
            attempted |= ready
            runs += 1
            if not result.nothing_to_do:
                echo(summary_table(result))
            echo(f"run {runs} ended with exit code {result.exit_code}; watching again")
    except KeyboardInterrupt:
        echo("interrupted; the next run repairs what this one left")
        return 130
    finally:
        stop.restore()
    echo("stopped")
    return 0


def _sleep(seconds: float, stop: StopRequest) -> None:
    end = time.monotonic() + seconds
    while not stop.requested and time.monotonic() < end:
        time.sleep(min(0.1, seconds))
