"""What must hold before a local run touches its lake: one run at a time, and a state that
belongs to the lake.

On AWS the workflow and every job allow one concurrent run (Glue refuses a second). Here a lock
file names its holder (host, pid, start); a second run exits with that name, and a lock whose
holder is gone is taken over. A lake with committed data but no state file would ingest every
file again under new batch IDs (every row doubled), so that run is refused and nothing changes.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipegen_runtime.lake_layout import LakeLayout

from ..user_problems import UserProblem


@contextmanager
def run_lease(lake: Path, echo=print) -> Iterator[None]:
    """Hold the lake's run lock for the duration; refuse if a live run holds it."""
    lock = LakeLayout(lake).run_lock
    lock.parent.mkdir(parents=True, exist_ok=True)
    _acquire(lock, echo)
    try:
        yield
    finally:
        holder = _holder(lock)
        if holder is not None and _is_me(holder):
            lock.unlink(missing_ok=True)


def refuse_a_lake_without_its_state(lake: Path) -> None:
    layout = LakeLayout(lake)
    if layout.state_file.exists():
        return
    processed = lake / "processed"
    if processed.is_dir() and any(p.is_file() for p in processed.rglob("*")):
        raise UserProblem(
            f"{lake} holds processed data but no state file ({layout.state_file}): a run now "
            "would ingest every landed file again and double its rows",
            f"restore {layout.state_file.name} from a backup, or move {lake} aside to start "
            "a new lake",
        )


def _acquire(lock: Path, echo) -> None:
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if holder is not None and _alive(holder):
                raise UserProblem(
                    f"another pipegen run holds {lock.parent.parent} (pid {holder['pid']} on "
                    f"{holder['host']}, since {holder.get('since', '?')})",
                    f"wait for it to end; if it is not running, delete {lock}",
                ) from None
            echo(f"taking over {lock.name}: its holder ({holder}) is gone")
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(descriptor, "w") as handle:
            since = datetime.now(UTC).isoformat(timespec="seconds")
            json.dump({"host": socket.gethostname(), "pid": os.getpid(), "since": since}, handle)
        return
    raise UserProblem(f"could not take {lock}", "another run is starting; try again")


def _is_me(holder: dict) -> bool:
    return holder.get("host") == socket.gethostname() and holder["pid"] == os.getpid()


def _holder(lock: Path) -> dict | None:
    """The lock's holder, or None for a lock that is unreadable (a crash mid-write)."""
    try:
        holder = json.loads(lock.read_text())
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) and isinstance(holder.get("pid"), int) else None


def _alive(holder: dict) -> bool:
    if holder.get("host") != socket.gethostname():
        return True  # a run on another machine sharing the lake: cannot tell, so assume so
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
