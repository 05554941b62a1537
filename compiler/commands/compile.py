"""`pipegen compile SPEC... [--env ENV] [--out DIR]`: validate every environment, write one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..diagnostics import render_all
from .common import EXIT_OK, UsageError, plans_for


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("compile", help="validate specs and write out/<pipeline>/<env>/")
    command.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    command.add_argument("--env", default="dev", help="environment (default: dev)")
    command.add_argument(
        "--out", type=Path, default=Path("out"), help="output root (default: out/)"
    )
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..emit import emit
    from ..pipeline import compile_plan

    plans = plans_for(args.specs)
    missing = [p[next(iter(p))].spec_file for p in plans if args.env not in p]
    if missing:
        raise UsageError(f"environment '{args.env}' is not defined in {', '.join(missing)}")
    compiled = [compile_plan(p[args.env]) for p in plans]
    warnings = sorted({w for p in plans for w in p[args.env].warnings})
    if warnings:
        sys.stderr.write(render_all(warnings))
    for result in compiled:
        target = emit(args.out, result.plan.name, result.plan.env, result.files)
        _report_written(target, result.files)
    return EXIT_OK


def _report_written(target: Path, files: dict[str, bytes]) -> None:
    try:
        shown = target.relative_to(Path.cwd().resolve())
    except ValueError:
        shown = target
    resources = len(json.loads(files["template.json"])["Resources"])
    print(f"wrote {shown}/ ({len(files)} files, {resources} resources)")
    for name in sorted(files):
        print(f"  {name} ({len(files[name]):,} bytes)")
