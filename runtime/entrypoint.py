"""What every generated job script calls: `main(stage, argv)`."""

from __future__ import annotations

import sys

from .config import STAGES, ConfigError, parse_arguments


def main(stage: str, argv: list[str]) -> int:
    """Run one stage. Returns the process exit code."""
    if stage not in STAGES:
        print(f"pipegen runtime: unknown stage {stage!r}", file=sys.stderr)
        return 2
    try:
        arguments = parse_arguments(argv)
        arguments["config"]
    except ConfigError as exc:
        print(f"pipegen runtime: {exc}", file=sys.stderr)
        return 2
    # The stage jobs themselves (ingestion, processing, quality on Spark) are issue #3; until
    # they land the runtime says so instead of pretending to have run.
    print(f"pipegen runtime: the {stage} job is not implemented in this version", file=sys.stderr)
    return 3
