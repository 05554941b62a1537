"""`pipegen deploy SPEC --env ENV`: the stack through a change set (see aws_home/change_sets.py)."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_FINDINGS, aws_options, connect, plan_for_env


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("deploy", help="deploy the stack with a change set (boto3)")
    aws_options(command)
    command.add_argument("--plan", action="store_true", help="print the change set; change nothing")
    command.add_argument("--validate-only", action="store_true")
    command.add_argument("--no-upload", action="store_true", help="do not upload the artifacts")
    command.add_argument(
        "--backup", action="store_true", help="keep what is replaced, for rollback"
    )
    command.add_argument("--no-rollback", action="store_true", help="leave a failed update as is")
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..aws_home.change_sets import DeployError
    from ..aws_home.stack_ops import DeployOptions, deploy_pipeline
    from ..pipeline import compile_plan

    plan = plan_for_env(args)
    files = compile_plan(plan).files
    options = DeployOptions(
        plan_only=args.plan,
        validate_only=args.validate_only,
        upload=not args.no_upload,
        backup=args.backup,
        rollback=not args.no_rollback,
    )
    try:
        return deploy_pipeline(plan, files, connect(args, plan), options, print)
    except DeployError as exc:
        print(f"pipegen: deploy failed: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
