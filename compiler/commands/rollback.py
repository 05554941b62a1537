"""`pipegen rollback SPEC --env ENV`: restore what the last `deploy --backup` kept."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_FINDINGS, aws_options, connect, plan_for_env


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "rollback", help="restore the template kept by the last `deploy --backup`"
    )
    aws_options(command)
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..aws_home.change_sets import DeployError
    from ..aws_home.stack_ops import rollback_pipeline

    plan = plan_for_env(args)
    try:
        return rollback_pipeline(plan, connect(args, plan), print)
    except DeployError as exc:
        print(f"pipegen: rollback failed: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
