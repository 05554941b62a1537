"""`pipegen validate SPEC... [--strict]`: every environment of every spec, and each estimate
against its budget; writes nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diagnostics import render_all
from .common import EXIT_FINDINGS, EXIT_OK, plans_for


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "validate", help="check specs in every environment; write nothing"
    )
    command.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    command.add_argument(
        "--strict", action="store_true", help="an estimate over the budget is an error"
    )
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..budget_check import budget_findings

    findings = []
    for plans in plans_for(args.specs):
        any_plan = plans[next(iter(plans))]
        print(f"{any_plan.spec_file}: ok ({', '.join(sorted(plans))})")
        for env in sorted(plans):
            findings += budget_findings(plans[env], args.strict)
    if findings:
        sys.stderr.write(render_all(findings))
    return EXIT_FINDINGS if any(f.is_error for f in findings) else EXIT_OK
