"""What the subcommands share: exit codes, usage errors, finding specs and their plans."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..diagnostics import CompileError, Diagnostic
from ..plan import PipelinePlan

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
# The name on PyPI (`pipegen` there is an unrelated project); the command is `pipegen`.
DISTRIBUTION = "pipegen-glue"


class UsageError(Exception):
    """The command line itself is wrong (exit code 2)."""


def pipegen_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # slow to import: on demand

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def display(path: Path) -> str:
    """How diagnostics name a spec: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


SPEC_SUFFIXES = (".yaml", ".yml")


def spec_files(paths: list[Path]) -> list[Path]:
    """Spec files under the given files and folders, sorted; folders are searched recursively."""
    found: set[Path] = set()
    for path in existing(paths, folders=True):
        if path.is_dir():
            found |= {p for p in path.rglob("*") if p.suffix in SPEC_SUFFIXES and p.is_file()}
        else:
            found.add(path)
    return sorted(found)


def spec_findings(path: Path, strict: bool, more=None) -> tuple[list[str], list[Diagnostic]]:
    """Environments and findings of one spec: every environment planned, built in memory (the
    policy, limit and logical-ID checks run on the stack) and checked against its budget;
    `more(plan, compiled)` adds findings per environment (lint's cfn-lint)."""
    from ..budget_check import budget_findings
    from ..pipeline import compile_plan, plan_all

    try:
        plans = plan_all(path, display(path))
    except CompileError as exc:
        return [], list(exc.diagnostics)
    findings: list[Diagnostic] = []
    for _, plan in sorted(plans.items()):
        findings += plan.warnings
        try:
            compiled = compile_plan(plan)
        except CompileError as exc:
            findings += exc.diagnostics
            continue
        findings += more(plan, compiled) if more else []
        findings += budget_findings(plan, strict, json.loads(compiled.files["template.json"]))
    return sorted(plans), findings


def existing(paths: list[Path], folders: bool = False) -> list[Path]:
    missing = [p for p in paths if not (p.is_file() or (folders and p.is_dir()))]
    if missing:
        raise UsageError(f"no such spec file: {missing[0]}")
    return paths


def plans_for(paths: list[Path]) -> list[dict[str, PipelinePlan]]:
    """Plans of every spec; problems of all specs are reported together."""
    from ..pipeline import plan_all

    plans, problems = [], []
    for path in existing(paths):
        try:
            plans.append(plan_all(path, display(path)))
        except CompileError as exc:
            problems += exc.diagnostics
    if problems:
        raise CompileError(problems)
    return plans


def plan_for_env(args: argparse.Namespace) -> PipelinePlan:
    plans = plans_for([args.spec])[0]
    if args.env not in plans:
        raise UsageError(f"environment '{args.env}' is not defined in {args.spec}")
    return plans[args.env]


def spec_options(command: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """One spec, one environment (dev by default), one output format (the first by default)."""
    command.add_argument("spec", type=Path)
    command.add_argument("--env", default="dev")
    command.add_argument("--format", choices=formats, default=formats[0])


def aws_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("spec", type=Path)
    command.add_argument("--env", required=True)
    command.add_argument("--region", help="default: the environment's region in the spec")
    command.add_argument("--profile", help="an AWS CLI profile")
    command.add_argument("--endpoint-url", help="an AWS endpoint (e.g. a local moto server)")


def connect(args: argparse.Namespace, plan: PipelinePlan):
    from ..aws_home.change_sets import Aws

    return Aws.connect(args.region or plan.region, args.profile, args.endpoint_url)


def local_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("spec", type=Path)
    command.add_argument("--env", default="dev")
    command.add_argument(
        "--lake", type=Path, help="local lake folder (default: lake/<pipeline>-<env>)"
    )
    command.add_argument("--master", default="local[2]", help="Spark master (default: local[2])")
    command.add_argument("--out", type=Path, default=Path("out"))


def local_plan(args: argparse.Namespace) -> tuple[PipelinePlan, Path]:
    """The plan to run here, and its lake folder; Spark must be installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UsageError(
            f"pipegen {args.command} needs Spark: pip install 'pipegen-glue[local]'"
        ) from None
    plan = plan_for_env(args)
    return plan, (args.lake or Path("lake") / f"{plan.name}-{plan.env}").resolve()
