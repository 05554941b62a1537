"""A local job as a child process that stops when pipegen stops.

Before: the job ran in its own session, so killing `pipegen` left the Spark job running on as
an orphan, which then committed. Now whatever ends pipegen's wait (Ctrl-C, SIGTERM, an error)
stops the job's whole process group, and if pipegen is killed outright the kernel sends the job
SIGTERM (Linux's parent-death signal). A stopped job commits nothing; the next run repairs it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from collections.abc import Callable
from typing import IO

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Spark's shutdown hooks (stop the context, delete temp files) get this long after SIGTERM.
STOP_GRACE_SECONDS = 20
POLL_SECONDS = 0.2


def stoppable_call(
    command: list[str],
    log: IO[str],
    environment: dict[str, str],
    while_running: Callable[[], None] = lambda: None,
) -> int:
    """Run a job and wait for it, calling `while_running` every few tenths of a second and once
    at its end; whatever ends the wait (Ctrl-C, SIGTERM turned into SystemExit by the command,
    an error) stops the job too, and if pipegen itself is killed the kernel stops it. A stopped
    job commits nothing: the next run repairs its batch."""
    job = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
        # Its own process group, so that Ctrl-C reaches pipegen only (watch decides whether to
        # finish the run) and stopping the job reaches Spark's Python driver too.
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    try:
        while True:
            try:
                code = job.wait(POLL_SECONDS)
            except subprocess.TimeoutExpired:
                while_running()
                continue
            while_running()
            return code
    except BaseException:
        _stop(job)
        raise


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when pipegen's process dies (Linux; elsewhere the
    job outlives a killed pipegen, as before)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _stop(job: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(job.pid, sig)
        except ProcessLookupError:
            return
        try:
            job.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue
