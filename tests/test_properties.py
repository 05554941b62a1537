"""Property test over generated valid specs (200 examples in CI): every one compiles, compiles
to the same bytes again, gives scripts that parse, unique logical IDs, names within AWS limits,
no file outside the output folder, and templates within CloudFormation's limits."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import examples
from pipegen_compiler.checks.aws_limits import LIMITS
from pipegen_compiler.emit import emit
from pipegen_compiler.load import resolve_plain_scalar
from pipegen_compiler.logical_ids import logical_id
from pipegen_compiler.pipeline import compile_plan, plan_all

TEMPLATE_BYTES = 1_000_000  # CloudFormation's limit for a template in S3
RESOURCES = 500
WORDS = ["orders", "items", "users", "events", "clicks", "rates", "stock", "trips", "plans"]
TYPES = ["string", "int", "bigint", "double", "boolean", "date", "timestamp", "decimal(10,2)"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
CRONS = [
    "cron(0 2 * * ? *)",
    "cron(0/30 * * * ? *)",
    "cron(15 6 ? * MON-FRI *)",
    "cron(0 0 1 * ? *)",
]


@st.composite
def columns(draw):
    names = draw(
        st.lists(
            st.sampled_from(["id", "name", "amount", "day", "at", "flag", "qty"]),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    return {n: draw(st.sampled_from(TYPES)) for n in names}


@st.composite
def sources(draw):
    names = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4, unique=True))
    found = {}
    for name in names:
        source = {
            "format": draw(
                st.sampled_from(["csv", "json", "jsonl", "parquet", "orc", "avro", "auto"])
            ),
            "landing": f"incoming/{name}/",
            "kind": draw(st.sampled_from(["append", "reference"])),
        }
        if draw(st.booleans()):
            schema = draw(columns())
            source["schema"] = schema
            dated = [c for c, t in schema.items() if t in ("date", "timestamp")]
            if dated and draw(st.booleans()):
                source["partition_by"] = {
                    "column": dated[0],
                    "granularity": draw(st.sampled_from(["year", "month", "day"])),
                }
        if source["format"] == "csv":
            source["read"] = {"header": draw(st.booleans())}
        found[name] = source
    return found


@st.composite
def specs(draw):
    srcs = draw(sources())
    # Short enough that every derived name fits (bucket names are the tightest: 63).
    pipeline = draw(st.from_regex(r"[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,3})?", fullmatch=True))
    envs = draw(
        st.lists(st.sampled_from(["dev", "qa", "prod"]), min_size=1, max_size=3, unique=True)
    )
    spec = {
        "apiVersion": "pipegen/v1",
        "pipeline": pipeline,
        "owner": "team@example.com",
        "description": draw(
            st.text(
                st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                max_size=60,
            )
        ),
        "environments": {e: {"region": draw(st.sampled_from(REGIONS))} for e in envs},
        "sources": srcs,
        "defaults": {
            "jobs": {
                "workers": draw(st.integers(2, 20)),
                "timeout_minutes": draw(st.integers(10, 120)),
            }
        },
    }
    transforms = {}
    for i in range(draw(st.integers(0, 3))):
        source = draw(st.sampled_from(sorted(srcs) + sorted(transforms)))
        transforms[f"t{i}_{source}"] = {"from": source, "steps": [{"filter": "1 = 1"}]}
    if transforms:
        spec["transforms"] = transforms
        table = draw(st.sampled_from(sorted(transforms)))
        spec["quality"] = {"tables": {table: [{"row_count": {"min": 0}}]}}
    if draw(st.booleans()):
        spec["schedule"] = draw(st.sampled_from(CRONS))
    spec["alerts"] = {
        "email": draw(
            st.lists(st.sampled_from(["a@example.com", "b@example.org"]), max_size=2, unique=True)
        )
    }
    if draw(st.booleans()):
        spec["budget"] = {"monthly_usd": draw(st.integers(1, 5000)), "expected": {"job_minutes": 5}}
    if draw(st.booleans()):
        zones = draw(st.integers(2, 3))
        spec["network"] = {
            "vpc": True,
            "availability_zones": zones,
            "nat_gateways": draw(st.integers(0, zones)),
        }
    return spec


class _Yaml12Dumper(yaml.SafeDumper):
    """PyYAML writes YAML 1.1: it leaves `0E0` plain, which the spec loader (YAML 1.2 core
    schema, as a user's editor reads it) takes for a number. Quote every such string."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    plain = resolve_plain_scalar(value) == value and isinstance(resolve_plain_scalar(value), str)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, None if plain else '"')


_Yaml12Dumper.add_representer(str, _represent_str)


def _compile(path: Path) -> dict[str, dict[str, bytes]]:
    return {env: compile_plan(plan).files for env, plan in plan_all(path, path.name).items()}


@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=specs())
def test_generated_specs_compile_canonically_within_limits(spec, tmp_path_factory):
    folder = tmp_path_factory.mktemp("spec")
    path = folder / "spec.yaml"
    path.write_text(yaml.dump(spec, Dumper=_Yaml12Dumper, sort_keys=False, allow_unicode=True))
    first, second = _compile(path), _compile(path)
    assert first == second
    for env, files in first.items():
        for name, data in files.items():
            if name.endswith(".py"):
                ast.parse(data)
        text = files["template.json"]
        template = json.loads(text)
        resources = template["Resources"]
        assert len(resources) <= RESOURCES
        assert len(json.dumps(template, separators=(",", ":"))) < TEMPLATE_BYTES
        assert len({r.lower() for r in resources}) == len(resources)
        plan = plan_all(path, path.name)[env]
        for kind, name in plan.naming.all_physical(tuple(sorted(plan.alerts.notices))):
            low, high = LIMITS[kind]
            assert low <= len(name.encode()) <= high, (kind, name)
        out = folder / "out"
        target = emit(out, plan.name, env, files).resolve()
        assert all(out.resolve() in p.resolve().parents for p in target.rglob("*"))
    assert logical_id(spec["pipeline"])
