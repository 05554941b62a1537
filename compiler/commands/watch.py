"""`pipegen watch SPEC`: run the pipeline locally whenever files land (local_home/poller.py)."""

from __future__ import annotations

import argparse

from .common import UsageError, local_options, local_plan


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "watch", help="run the pipeline locally whenever files land (Ctrl-C stops)"
    )
    local_options(command)
    command.add_argument("--interval", type=float, default=2.0, help="seconds between looks")
    command.add_argument("--max-runs", type=int, help="stop after this many runs")
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..local_home.poller import watch

    plan, lake = local_plan(args)
    if args.interval <= 0:
        raise UsageError("--interval must be above 0")
    return watch(plan, lake, args.out, args.master, args.interval, max_runs=args.max_runs)
