"""What every generated job script calls: `main(stage, sys.argv)` -> process exit code.

`argv` is the script's whole argv, its path first, as Glue's `getResolvedOptions` expects it.

Exit codes: 0 done, 1 the job failed (the traceback goes to the job's log: a failed job is an
operational event, not a user's typo), 2 bad arguments or config, 4 quality blocked the batch.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any

from .config import STAGES, ConfigError, parse_arguments
from .failures import StepFailed, cause_of
from .lake_layout import LakeLayout

if TYPE_CHECKING:
    from .context import Context

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BLOCKED = 0, 1, 2, 4


def _job(stage: str):
    if stage == "ingestion":
        from .ingest import run
    elif stage == "processing":
        from .process import run
    else:
        from .quality import run
    return run


def main(stage: str, argv: list[str]) -> int:
    """Run one stage with the script's argv (its path first). Returns the process exit code."""
    if stage not in STAGES:
        print(f"pipegen runtime: unknown stage {stage!r}", file=sys.stderr)
        return EXIT_CONFIG
    from .context import open_context

    try:
        context = open_context(stage, parse_arguments(argv[1:]), argv)
    except ConfigError as exc:
        print(f"pipegen runtime: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        summary = _job(stage)(context)
        context.finish()  # metrics the alarms read: failing to publish them fails the job
    except Exception as exc:
        cause = cause_of(exc)
        # The cause first: the trace after it is for whoever debugs pipegen itself.
        print(f"pipegen: the {stage} job failed: {cause}", file=sys.stderr, flush=True)
        traceback.print_exc()
        # No notification from here: on AWS the job-failed rule reports every failed run,
        # including the timeouts and crashes this code never sees; locally the runner does.
        _flush_what_can_be(context)
        failed = {"stage": stage, "error": cause}
        if isinstance(exc, StepFailed):
            failed["failed_step"] = exc.where
        _save_summary(context, failed)
        return EXIT_FAILED
    took = round(time.monotonic() - context.started, 3)
    _save_summary(context, {**summary, **context.facts, "duration_seconds": took})
    if summary.get("blocked"):
        # Glue marks the run FAILED (a non-zero exit); this line is the reason in its log.
        print(
            f"pipegen: quality blocked batch {summary['batch_id']}: the curated tables were not "
            f"published; report: {summary.get('report', '')}",
            file=sys.stderr,
        )
        return EXIT_BLOCKED
    return EXIT_OK


def _flush_what_can_be(context: Context) -> None:
    try:
        context.metrics.flush()
    except Exception:  # the job has failed already; its first error is the one to report
        traceback.print_exc()


def _save_summary(context: Context, summary: dict[str, Any]) -> None:
    """Locally, the runner reads each job's summary from the lake; on Glue it goes to the log."""
    text = json.dumps(summary, sort_keys=True, default=str)
    if context.lake is not None:
        path = LakeLayout(context.lake).run_summary(context.run_id, context.stage)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    print(f"pipegen summary: {text}")
