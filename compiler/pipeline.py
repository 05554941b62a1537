"""The compiler's stages, in order, and nothing else.

load -> validate -> (per environment) resolve -> check -> render -> build -> policy -> emit
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from . import policy
from .builders import build
from .checks import check
from .checks.column_flow import dataset_columns
from .diagnostics import CompileError, Diagnostic, Span, raise_if_errors
from .emit import with_template_and_manifest
from .load import LoadedSpec, load_file
from .plan import PipelinePlan
from .render import render
from .resolve import resolve, with_environment
from .validate import validate


@dataclass(frozen=True)
class Compiled:
    plan: PipelinePlan
    files: dict[str, bytes]
    # Logical ID -> the spec position of the setting that made the resource (for lint).
    spans: dict[str, Span]


def plan_all(path: Path, display: str) -> dict[str, PipelinePlan]:
    """Load, validate, resolve and check every environment; all problems raised together."""
    loaded = load_file(path, display)
    spec = validate(loaded)
    plans: dict[str, PipelinePlan] = {}
    problems: list[Diagnostic] = []
    for env in sorted(spec.environments):
        try:
            plans[env] = _plan_environment(loaded, env)
        except CompileError as exc:
            problems += exc.diagnostics
    if any(d.is_error for d in problems):
        raise CompileError(problems)
    return plans


def _plan_environment(loaded: LoadedSpec, env: str) -> PipelinePlan:
    merged, problems = with_environment(loaded, env)
    try:
        spec = validate(merged)
    except CompileError as exc:
        raise CompileError([*problems, *exc.diagnostics]) from None
    plan = resolve(spec, env, merged.source_map)
    findings = [*problems, *check(plan)]
    if any(d.is_error for d in findings):
        raise CompileError(findings)
    return replace(plan, warnings=tuple(findings), dataset_columns=dataset_columns(plan))


def compile_plan(plan: PipelinePlan) -> Compiled:
    """Build and render one environment's output files, in memory."""
    artifacts = render(plan)
    release = release_of(artifacts)
    built = build(plan, release)
    raise_if_errors(policy.check(built.template, plan, built.spans))
    files = with_template_and_manifest(built.template_json, artifacts, release)
    return Compiled(plan, files, built.spans)


def release_of(artifacts: dict[str, bytes]) -> str:
    """The content hash of everything the jobs load: 16 hex digits of sha256."""
    digest = hashlib.sha256()
    for path, data in sorted(artifacts.items()):
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]
