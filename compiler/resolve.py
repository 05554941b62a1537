"""Stage `resolve`: a validated spec + an environment -> a `PipelinePlan`.

Environment overrides are deep-merged over the document (mappings merge, everything else is
replaced) before validation, with their own spans, so an error in `prod`'s overrides points at
the override. Transforms come out in dependency order; references that do not resolve and
cycles are left for the checks to report with their spans.
"""

from __future__ import annotations

import copy
import heapq

from pipegen_runtime.stage_config import SourceConfig, TransformConfig
from pipegen_runtime.typed_json import ShapeError, decode

from .cron import max_gap_hours
from .diagnostics import Diagnostic
from .load import LoadedSpec, SourceMap
from .naming import JOBS, Naming
from .plan import JobPlan, PipelinePlan, SourcePlan, TransformPlan
from .spec import PipelineSpec
from .spec.document import JobSettings
from .spec.sources import CSV_FORMATS, Source
from .spec.transforms import JoinStep, SqlStep, Transform

MAX_ALARM_HOURS = 7 * 24
NOT_OVERRIDABLE = ("apiVersion", "pipeline", "environments")


def with_environment(loaded: LoadedSpec, env: str) -> tuple[LoadedSpec, list[Diagnostic]]:
    """The document with `environments.<env>.overrides` deep-merged over it.

    Keys that may not be overridden are reported and left out, so that the merged document
    can still be validated and all problems reported together.
    """
    # `environments` may be absent (the default dev environment) and is validated already.
    declared = loaded.data.get("environments") or {}
    overrides = (declared.get(env) or {}).get("overrides") or {}
    base = ("environments", env, "overrides")
    problems = [
        Diagnostic(
            loaded.source_map.key_at((*base, key)),
            "PG401",
            f"environments.{env}.overrides: '{key}' cannot be overridden per environment",
        )
        for key in overrides
        if key in NOT_OVERRIDABLE
    ]
    overrides = {k: v for k, v in overrides.items() if k not in NOT_OVERRIDABLE}
    data = copy.deepcopy(loaded.data)
    values, keys = dict(loaded.source_map.values), dict(loaded.source_map.keys)
    _merge(data, overrides, (), base, loaded.source_map, values, keys)
    return LoadedSpec(data, SourceMap(loaded.source_map.file, values, keys)), problems


def _merge(
    target: dict,
    override: dict,
    path: tuple,
    opath: tuple,
    smap: SourceMap,
    values: dict,
    keys: dict,
) -> None:
    for key, value in override.items():
        here, there = (*path, key), (*opath, key)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value, here, there, smap, values, keys)
            continue
        target[key] = copy.deepcopy(value)
        for table in (values, keys):
            for stale in [p for p in table if p[: len(here)] == here]:
                del table[stale]
        for source, table in ((smap.values, values), (smap.keys, keys)):
            for p, span in source.items():
                if p[: len(there)] == there:
                    table[(*here, *p[len(there) :])] = span


def resolve(spec: PipelineSpec, env: str, smap: SourceMap) -> PipelinePlan:
    """Build the plan for one environment of a spec already merged for that environment."""
    environment = spec.environments[env]
    return PipelinePlan(
        name=spec.pipeline,
        env=env,
        region=environment.region,
        description=spec.description,
        owner=spec.owner,
        spec_file=smap.file,
        tags=tuple(sorted(spec.tags.items())),
        jobs=tuple(_job(spec, env, kind, smap) for kind in JOBS),
        sources=tuple(source_plan(n, s, smap) for n, s in sorted(spec.sources.items())),
        transforms=_ordered_transforms(spec, smap),
        quality=spec.quality,
        quality_span=smap.key_at(("quality",)),
        schedule=spec.schedule,
        retention=spec.retention,
        alerts=spec.alerts,
        budget=spec.budget,
        network=spec.network,
        missed_run_hours=missed_run_hours(spec),
        naming=Naming(spec.pipeline, env, environment.region),
        environments=tuple(sorted(spec.environments)),
        source_map=smap,
    )


def source_plan(name: str, source: Source, smap: SourceMap) -> SourcePlan:
    """A source resolved: read defaults filled in, its runtime config built."""
    resolved = with_read_defaults(source)
    config = runtime_config(SourceConfig, resolved.model_dump(mode="json", by_alias=True), name)
    return SourcePlan(name, resolved, smap.key_at(("sources", name)), config)


def runtime_config(cls: type, data: dict, where: str):
    """The runtime's typed config from a spec model's dump. Strict both ways: a spec field the
    runtime does not read, or one it reads that the spec lacks, fails every compile (and so
    the test suite), never a job."""
    try:
        return decode(cls, data, where)
    except ShapeError as exc:
        raise AssertionError(f"the spec and the runtime's {cls.__name__} disagree: {exc}") from None


def with_read_defaults(source: Source) -> Source:
    """A CSV file has a header line unless the spec says otherwise. Resolved here, once, so the
    jobs read the setting instead of each assuming its own default (a null header once reached
    Spark as "none" and failed every CSV source that left it out)."""
    if source.format in CSV_FORMATS and source.read.header is None:
        read = source.read.model_copy(update={"header": True})
        return source.model_copy(update={"read": read})
    return source


def missed_run_hours(spec: PipelineSpec) -> int | None:
    """The spec's own figure, else the schedule's longest gap plus a whole workflow run
    at its slowest (three jobs, each at the longest timeout)."""
    if spec.alerts.missed_run_hours is not None:
        return spec.alerts.missed_run_hours
    gap = max_gap_hours(spec.schedule) if spec.schedule else None
    if gap is None:
        return None
    slack = -(-max(_settings(spec, kind)["timeout_minutes"] for kind in JOBS) * 3 // 60)
    hours = gap + slack
    # CloudWatch looks back at most 7 days; a longer schedule needs another watch.
    return hours if hours <= MAX_ALARM_HOURS else None


def _settings(spec: PipelineSpec, kind: str) -> dict:
    settings = spec.defaults.jobs.model_dump()
    override = spec.jobs.get(kind)
    if override is not None:
        settings.update({k: v for k, v in override.model_dump().items() if v is not None})
    return settings


# Environments whose runs may start late: Glue's flex class (spare capacity) is their default.
# Any other name, production or not, gets the standard class unless the spec says otherwise.
FLEX_BY_DEFAULT = ("dev", "development", "test", "testing", "qa", "staging", "stage", "sandbox")


def default_execution_class(env: str) -> str:
    return "flex" if env.lower() in FLEX_BY_DEFAULT else "standard"


def _job(spec: PipelineSpec, env: str, kind: str, smap: SourceMap) -> JobPlan:
    settings = _settings(spec, kind)
    settings["execution_class"] = settings["execution_class"] or default_execution_class(env)
    override = spec.jobs.get(kind)
    span = smap.key_at(("jobs", kind)) if override else smap.key_at(("defaults", "jobs"))
    return JobPlan(kind, JobSettings.model_validate(settings), span)


def transform_inputs(transform: Transform) -> tuple[str, ...]:
    """Every dataset a transform reads: its `from`, each join's `with`, each SQL input."""
    names = [transform.from_]
    for step in transform.steps:
        if isinstance(step, JoinStep):
            names.append(step.join.with_)
        elif isinstance(step, SqlStep):
            names.extend(step.sql.inputs)
    return tuple(dict.fromkeys(names))


def _ordered_transforms(spec: PipelineSpec, smap: SourceMap) -> tuple[TransformPlan, ...]:
    plans = {
        name: TransformPlan(
            name,
            t,
            smap.key_at(("transforms", name)),
            transform_inputs(t),
            runtime_config(
                TransformConfig, {"name": name, **t.model_dump(mode="json", by_alias=True)}, name
            ),
        )
        for name, t in spec.transforms.items()
    }
    return tuple(
        plans[name]
        for name in topological_order(
            {n: [i for i in p.inputs if i in plans] for n, p in plans.items()}
        )
    )


def topological_order(edges: dict[str, list[str]]) -> list[str]:
    """Kahn's algorithm, the smallest ready name first; nodes on a cycle come last, sorted
    (the checks report them)."""
    waiting = {node: len(set(deps)) for node, deps in edges.items()}
    dependents: dict[str, list[str]] = {node: [] for node in edges}
    for node, deps in edges.items():
        for dep in set(deps):
            dependents[dep].append(node)
    ready = [node for node, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for dependent in dependents[node]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    placed = set(order)
    return order + sorted(n for n in edges if n not in placed)


def find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """One dependency cycle as a path [a, b, ..., a], or None.

    Iterative depth-first search: a spec may chain thousands of transforms, far past Python's
    recursion limit.
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(edges):
        if root in state:
            continue
        path = [root]
        pending = [iter(sorted(edges[root]))]
        state[root] = 1
        while pending:
            dep = next(pending[-1], None)
            if dep is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            elif dep in edges and dep not in state:
                state[dep] = 1
                path.append(dep)
                pending.append(iter(sorted(edges[dep])))
    return None
