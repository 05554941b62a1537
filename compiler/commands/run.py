"""`pipegen run SPEC [--home local|aws]`: the whole pipeline on Spark here, in one of its homes:
a local lake folder (local_home/), or the deployed stack at an emulator (aws_home/)."""

from __future__ import annotations

import argparse
import signal
import sys

from .common import EXIT_FINDINGS, UsageError, connect, local_options, local_plan


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "run",
        help="run the whole pipeline on Spark here: on a local lake, or on the deployed stack",
    )
    local_options(command)
    command.add_argument(
        "--home",
        choices=("local", "aws"),
        default="local",
        help="local: a lake folder (default); aws: the deployed stack at --endpoint-url, with "
        "this machine playing Glue, Lambda and EventBridge under the stack's roles",
    )
    command.add_argument("--endpoint-url", help="with --home aws: the AWS endpoint (an emulator)")
    command.add_argument("--region", help="with --home aws: default the environment's region")
    command.add_argument("--profile", help="with --home aws: an AWS CLI profile")
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..local_home.runner import run_pipeline, summary_table

    if args.home == "aws":
        return _run_on_aws(args)
    plan, lake = local_plan(args)
    print(f"pipegen run {plan.name} ({plan.env}) on {args.master}; lake: {lake}")
    # SIGTERM as Ctrl-C: the running job is stopped with pipegen, never left to commit alone.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = run_pipeline(plan, lake, args.out, args.master)
    except KeyboardInterrupt:
        print(
            "pipegen: stopped; the job that was running was stopped too and committed nothing. "
            "The next run repairs what it left.",
            file=sys.stderr,
        )
        raise
    if not result.nothing_to_do:
        print(summary_table(result))
    return result.exit_code


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _run_on_aws(args: argparse.Namespace) -> int:
    from ..aws_home.deployed import NotDeployed
    from ..aws_home.runner import run_on_aws
    from ..aws_home.s3a import JarsUnavailable
    from ..local_home.runner import summary_table

    if not args.endpoint_url:
        raise UsageError(
            "--home aws plays Glue, Lambda and EventBridge on this machine, against an AWS "
            "emulator given by --endpoint-url; on real AWS the deployed workflow already runs "
            "the jobs (two runners would race): `pipegen status` shows its runs"
        )
    plan, _ = local_plan(args)
    aws = connect(args, plan)
    work = (args.out / plan.name / plan.env / "aws-home").resolve()
    print(
        f"pipegen run {plan.name} ({plan.env}) on stack {plan.naming.prefix} at {aws.endpoint_url}"
    )
    try:
        result = run_on_aws(plan, aws, args.master, work)
    except (NotDeployed, JarsUnavailable) as exc:
        print(f"pipegen: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    if result.nothing_to_do:
        print("nothing to do: no workflow run was started (no new accepted files)")
    else:
        print(summary_table(result))
    return result.exit_code
