"""`pipegen status SPEC --env ENV`: the stack, its last workflow runs and alarms in ALARM."""

from __future__ import annotations

import argparse

from .common import aws_options, connect, plan_for_env


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "status", help="the stack, its last workflow runs and alarms in ALARM"
    )
    aws_options(command)
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..aws_home.stack_ops import show_status

    plan = plan_for_env(args)
    return show_status(plan, connect(args, plan), print)
