"""`pipegen validate SPEC|FOLDER... [--strict]`: every environment of every spec, built in
memory, and each estimate against its budget; writes nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diagnostics import render_all
from .common import EXIT_FINDINGS, EXIT_OK, display, spec_files, spec_findings


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
    findings = []
    for path in spec_files(args.specs):
        envs, problems = spec_findings(path, args.strict)
        if envs and not any(f.is_error for f in problems):
            print(f"{display(path)}: ok ({', '.join(envs)})")
        findings += problems
    if findings:
        sys.stderr.write(render_all(sorted(set(findings))))
    return EXIT_FINDINGS if any(f.is_error for f in findings) else EXIT_OK
