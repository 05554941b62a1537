"""`pipegen`: the command line. Exit codes: 0 ok, 1 findings in a spec, 2 usage, 3 internal."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .diagnostics import CompileError, render_all
from .plan import PipelinePlan

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
ISSUES_URL = "https://github.com/pipegen/pipegen/issues"


class UsageError(Exception):
    """The command line itself is wrong (exit code 2)."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CompileError as exc:
        sys.stderr.write(render_all(exc.diagnostics))
        return EXIT_FINDINGS
    except UsageError as exc:
        print(f"pipegen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`pipegen cost ... | head`); nothing left to tell anyone.
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - interpreter exit flushes it
        return EXIT_OK
    except Exception as exc:
        if not type(exc).__module__.startswith(("botocore", "boto3")):
            return _internal_error()
        # Credentials, permissions, a missing resource, an unreachable endpoint: the user's
        # AWS setup, not a bug in pipegen.
        print(f"pipegen: AWS error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS


def _internal_error() -> int:
    if os.environ.get("PIPEGEN_DEBUG"):
        traceback.print_exc()
    kind, value, _ = sys.exc_info()
    print(
        f"pipegen: internal error ({kind.__name__}: {value}). This is a bug in pipegen, not "
        f"in your spec; please report it at {ISSUES_URL} (PIPEGEN_DEBUG=1 shows the "
        "traceback).",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _version() -> str:
    try:
        return version("pipegen")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipegen", description="Compile pipeline specs into AWS Glue stacks and jobs."
    )
    parser.add_argument("--version", action="version", version=f"pipegen {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add(commands, "compile", "validate specs and write out/<pipeline>/<env>/", _compile)
    _add(commands, "validate", "check specs in every environment; write nothing", _validate)
    lint = commands.add_parser("lint", help="validate, compile and check specs (for pull requests)")
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="default: specs/")
    lint.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    lint.add_argument("--strict", action="store_true", help="warnings count as errors")
    lint.set_defaults(run=_lint)
    graph = commands.add_parser("graph", help="the workflow and the data flow of a spec")
    graph.add_argument("spec", type=Path)
    graph.add_argument("--env", default="dev")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph.set_defaults(run=_graph)
    diff = commands.add_parser("diff", help="what a change does to the stack and its consumers")
    diff.add_argument("spec", type=Path)
    diff.add_argument(
        "--against",
        default="HEAD",
        help="a git revision of the spec (default HEAD) or another spec",
    )
    diff.add_argument("--env", default="dev")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.set_defaults(run=_diff)
    new = commands.add_parser("new", help="write a starter spec inferred from a sample file")
    new.add_argument("name", help="pipeline name (lower kebab case)")
    new.add_argument("--from", dest="sample", type=Path, required=True, metavar="FILE")
    new.add_argument("--dir", type=Path, default=Path("specs"), help="where to write (specs/)")
    new.set_defaults(run=_new)
    deploy = commands.add_parser("deploy", help="deploy the stack with a change set (boto3)")
    _aws_options(deploy)
    deploy.add_argument("--plan", action="store_true", help="print the change set; change nothing")
    deploy.add_argument("--validate-only", action="store_true")
    deploy.add_argument("--no-upload", action="store_true", help="do not upload the artifacts")
    deploy.add_argument("--backup", action="store_true", help="keep what is replaced, for rollback")
    deploy.add_argument("--no-rollback", action="store_true", help="leave a failed update as is")
    deploy.set_defaults(run=_deploy)
    for name, run, text in (
        ("status", _status, "the stack, its last workflow runs and alarms in ALARM"),
        ("rollback", _rollback, "restore the template kept by the last `deploy --backup`"),
    ):
        command = commands.add_parser(name, help=text)
        _aws_options(command)
        command.set_defaults(run=run)
    cost = commands.add_parser("cost", help="estimate the monthly AWS cost of a spec's stack")
    cost.add_argument("spec", type=Path)
    cost.add_argument("--env", default="dev")
    cost.add_argument("--format", choices=("text", "json"), default="text")
    cost.set_defaults(run=_cost)
    schema = commands.add_parser("schema", help="print the JSON Schema of the spec language")
    schema.add_argument("--out", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(run=_schema)
    run = commands.add_parser(
        "run",
        help="run the whole pipeline on Spark here: on a local lake, or on the deployed stack",
    )
    _local_options(run)
    run.add_argument(
        "--home",
        choices=("local", "aws"),
        default="local",
        help="local: a lake folder (default); aws: the deployed stack at --endpoint-url, with "
        "this machine playing Glue, Lambda and EventBridge under the stack's roles",
    )
    run.add_argument("--endpoint-url", help="with --home aws: the AWS endpoint (an emulator)")
    run.add_argument("--region", help="with --home aws: default the environment's region")
    run.add_argument("--profile", help="with --home aws: an AWS CLI profile")
    run.set_defaults(run=_run)
    watch = commands.add_parser(
        "watch", help="run the pipeline locally whenever files land (Ctrl-C stops)"
    )
    _local_options(watch)
    watch.add_argument("--interval", type=float, default=2.0, help="seconds between looks")
    watch.add_argument("--max-runs", type=int, help="stop after this many runs")
    watch.set_defaults(run=_watch)
    upload = commands.add_parser("upload", help="upload compiled artifacts to the scripts bucket")
    upload.add_argument("spec", type=Path)
    upload.add_argument("--env", default="dev")
    upload.add_argument("--out", type=Path, default=Path("out"))
    upload.add_argument("--bucket", help="scripts bucket (default: the stack's ScriptsBucket)")
    upload.add_argument("--stack", help="stack name (default: <pipeline>-<env>)")
    upload.add_argument("--region")
    upload.add_argument("--endpoint-url", help="AWS endpoint (e.g. a local moto server)")
    upload.set_defaults(run=_upload)
    return parser


def _aws_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("spec", type=Path)
    command.add_argument("--env", required=True)
    command.add_argument("--region", help="default: the environment's region in the spec")
    command.add_argument("--profile", help="an AWS CLI profile")
    command.add_argument("--endpoint-url", help="an AWS endpoint (e.g. a local moto server)")


def _local_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("spec", type=Path)
    command.add_argument("--env", default="dev")
    command.add_argument(
        "--lake", type=Path, help="local lake folder (default: lake/<pipeline>-<env>)"
    )
    command.add_argument("--master", default="local[2]", help="Spark master (default: local[2])")
    command.add_argument("--out", type=Path, default=Path("out"))


def _add(
    commands: argparse._SubParsersAction,
    name: str,
    help_text: str,
    run: Callable[[argparse.Namespace], int],
) -> None:
    command = commands.add_parser(name, help=help_text)
    command.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    if name == "validate":
        command.add_argument(
            "--strict", action="store_true", help="an estimate over the budget is an error"
        )
    if name == "compile":
        command.add_argument("--env", default="dev", help="environment (default: dev)")
        command.add_argument(
            "--out", type=Path, default=Path("out"), help="output root (default: out/)"
        )
    command.set_defaults(run=run)


def _display(path: Path) -> str:
    """How diagnostics name a spec: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _existing(paths: list[Path]) -> list[Path]:
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise UsageError(f"no such spec file: {missing[0]}")
    return paths


def _plans_for(paths: list[Path]) -> list[dict]:
    """Plans of every spec; problems of all specs are reported together."""
    from .pipeline import plan_all

    plans, problems = [], []
    for path in _existing(paths):
        try:
            plans.append(plan_all(path, _display(path)))
        except CompileError as exc:
            problems += exc.diagnostics
    if problems:
        raise CompileError(problems)
    return plans


def _compile(args: argparse.Namespace) -> int:
    from .emit import emit
    from .pipeline import compile_plan

    plans = _plans_for(args.specs)
    missing = [p[next(iter(p))].spec_file for p in plans if args.env not in p]
    if missing:
        raise UsageError(f"environment '{args.env}' is not defined in {', '.join(missing)}")
    compiled = [compile_plan(p[args.env]) for p in plans]
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


def _validate(args: argparse.Namespace) -> int:
    from .budget_check import budget_findings

    findings = []
    for plans in _plans_for(args.specs):
        any_plan = plans[next(iter(plans))]
        print(f"{any_plan.spec_file}: ok ({', '.join(sorted(plans))})")
        for env in sorted(plans):
            findings += budget_findings(plans[env], args.strict)
    if findings:
        sys.stderr.write(render_all(findings))
    return EXIT_FINDINGS if any(f.is_error for f in findings) else EXIT_OK


def _lint(args: argparse.Namespace) -> int:
    from . import lint

    paths = args.paths or [Path("specs")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    specs = lint.discover(paths)
    if not specs:
        raise UsageError(f"no spec files (*.yaml, *.yml) under {', '.join(map(str, paths))}")
    findings = lint.lint(paths, _display, args.strict)
    if args.format == "json":
        sys.stdout.write(lint.as_json(findings))
    elif args.format == "sarif":
        sys.stdout.write(lint.as_sarif(findings, _version()))
    elif args.format == "github":
        sys.stdout.write(lint.as_github(findings))
    else:
        sys.stdout.write(render_all(findings) if findings else f"{len(specs)} spec(s): ok\n")
    return EXIT_FINDINGS if any(f.is_error for f in findings) else EXIT_OK


def _plan_for_env(args: argparse.Namespace) -> PipelinePlan:
    plans = _plans_for([args.spec])[0]
    if args.env not in plans:
        raise UsageError(f"environment '{args.env}' is not defined in {args.spec}")
    return plans[args.env]


def _graph(args: argparse.Namespace) -> int:
    from .graph import build_graph, dot, mermaid

    graph = build_graph(_plan_for_env(args))
    sys.stdout.write(mermaid(graph) if args.format == "mermaid" else dot(graph))
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from . import diff

    _existing([args.spec])
    try:
        old, new = diff.plans_against(args.spec, args.against, args.env)
    except diff.GitError as exc:
        raise UsageError(str(exc)) from None
    except KeyError:
        raise UsageError(f"environment '{args.env}' is missing on one side of the diff") from None
    result = diff.diff_plans(old, new)
    sys.stdout.write(diff.as_json(result) if args.format == "json" else diff.as_text(result))
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    import re

    from . import new
    from .spec.base import KEBAB

    if not re.match(KEBAB, args.name) or len(args.name) > 40:
        raise UsageError(f"'{args.name}' is not a pipeline name: lower kebab case, at most 40")
    if not args.sample.is_file():
        raise UsageError(f"no such sample file: {args.sample}")
    try:
        target = new.write_spec(args.name, args.sample, args.dir)
    except (FileExistsError, new.SampleError) as exc:
        raise UsageError(str(exc)) from None
    try:
        _plans_for([target])
    except CompileError:
        target.unlink()
        raise
    print(f"wrote {target}; try: pipegen run {target} (after copying the file to its landing)")
    return EXIT_OK


def _connect(args: argparse.Namespace, plan: PipelinePlan):
    from .deploy import Aws

    return Aws.connect(args.region or plan.region, args.profile, args.endpoint_url)


def _deploy(args: argparse.Namespace) -> int:
    from .deploy import DeployError
    from .pipeline import compile_plan
    from .stack_ops import DeployOptions, deploy_pipeline

    plan = _plan_for_env(args)
    files = compile_plan(plan).files
    options = DeployOptions(
        plan_only=args.plan,
        validate_only=args.validate_only,
        upload=not args.no_upload,
        backup=args.backup,
        rollback=not args.no_rollback,
    )
    try:
        return deploy_pipeline(plan, files, _connect(args, plan), options, print)
    except DeployError as exc:
        print(f"pipegen: deploy failed: {exc}", file=sys.stderr)
        return EXIT_FINDINGS


def _status(args: argparse.Namespace) -> int:
    from .stack_ops import show_status

    plan = _plan_for_env(args)
    return show_status(plan, _connect(args, plan), print)


def _rollback(args: argparse.Namespace) -> int:
    from .deploy import DeployError
    from .stack_ops import rollback_pipeline

    plan = _plan_for_env(args)
    try:
        return rollback_pipeline(plan, _connect(args, plan), print)
    except DeployError as exc:
        print(f"pipegen: rollback failed: {exc}", file=sys.stderr)
        return EXIT_FINDINGS


def _cost(args: argparse.Namespace) -> int:
    from .cost import as_json, as_text, estimate, usage_for
    from .pipeline import compile_plan

    plan = _plan_for_env(args)
    template = json.loads(compile_plan(plan).files["template.json"])
    result = estimate(usage_for(plan, template))
    if args.format == "json":
        print(json.dumps(as_json(result), indent=2, sort_keys=True))
    else:
        print(as_text(result, f"{plan.name} ({plan.env}, {plan.region})"))
        if plan.budget:
            print(f"  budget: ${plan.budget.monthly_usd:,.2f} a month")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    text = schema_text()
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from .run import run_pipeline, summary_table

    if args.home == "aws":
        return _run_on_aws(args)
    plan, lake = _local_plan(args)
    print(f"pipegen run {plan.name} ({plan.env}) on {args.master}; lake: {lake}")
    result = run_pipeline(plan, lake, args.out, args.master)
    if not result.nothing_to_do:
        print(summary_table(result))
    return result.exit_code


def _run_on_aws(args: argparse.Namespace) -> int:
    from .aws_home.deployed import NotDeployed
    from .aws_home.runner import run_on_aws
    from .aws_home.s3a import JarsUnavailable
    from .run import summary_table

    if not args.endpoint_url:
        raise UsageError(
            "--home aws plays Glue, Lambda and EventBridge on this machine, against an AWS "
            "emulator given by --endpoint-url; on real AWS the deployed workflow already runs "
            "the jobs (two runners would race): `pipegen status` shows its runs"
        )
    plan, _ = _local_plan(args)
    aws = _connect(args, plan)
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


def _local_plan(args: argparse.Namespace) -> tuple[PipelinePlan, Path]:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UsageError(
            f"pipegen {args.command} needs Spark: pip install 'pipegen[local]'"
        ) from None
    plan = _plan_for_env(args)
    return plan, (args.lake or Path("lake") / f"{plan.name}-{plan.env}").resolve()


def _watch(args: argparse.Namespace) -> int:
    from .watch import watch

    plan, lake = _local_plan(args)
    if args.interval <= 0:
        raise UsageError("--interval must be above 0")
    return watch(plan, lake, args.out, args.master, args.interval, max_runs=args.max_runs)


def _upload(args: argparse.Namespace) -> int:
    from .upload import upload

    plan = _plan_for_env(args)
    folder = args.out / plan.name / plan.env
    uploaded = upload(
        folder,
        plan,
        bucket=args.bucket,
        stack=args.stack,
        region=args.region or plan.region,
        endpoint_url=args.endpoint_url,
    )
    for key in uploaded:
        print(f"uploaded s3://{key}")
    return EXIT_OK
