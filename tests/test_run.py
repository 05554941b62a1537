"""`pipegen run` end to end on the flights sample, each job a real spark-submit process:
figures against an independent computation, a rerun that does nothing, and SIGKILL at five
points followed by a rerun that repairs the lake to exactly the uninterrupted result."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, SAMPLES

pytestmark = pytest.mark.spark

SPEC = REPO / "specs" / "flights.yaml"
SAMPLE_ROWS = 3368


def _lake_with_samples(root: Path) -> Path:
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


def _run(lake: Path, out: Path, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PIPEGEN_CRASH_AT"}
    if crash_at:
        env["PIPEGEN_CRASH_AT"] = crash_at
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipegen_compiler",
            "run",
            str(SPEC),
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


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    lake = _lake_with_samples(root)
    first = _run(lake, root / "out")
    assert first.returncode == 0, first.stdout + first.stderr
    return lake, first


def test_run_ingests_every_row_and_reports(clean_run, spark):
    lake, first = clean_run
    assert "flights                   1       3,368       3,368            0" in first.stdout
    summary = json.loads(next((lake / "_runs").glob("*/quality.json")).read_text())
    assert summary["checked"] and summary["outcome"] in ("pass", "warn")
    report = json.loads(
        Path(summary["report"].removeprefix("file://")).with_suffix(".json").read_text()
    )
    enriched = report["tables"]["flights_enriched"]
    rules = {r["rule_id"]: r for r in enriched["rules"]}
    assert rules["11_row_count"]["observed"] == enriched["rows"]
    raw = (
        spark.read.option("header", True)
        .option("nullValue", "NA")
        .csv(str(SAMPLES / "flights_sample.csv"))
        .filter("dep_time IS NOT NULL")
    )
    assert enriched["rows"] == raw.count()
    assert (
        rules["18_distinct_count_carrier"]["observed"] == raw.select("carrier").distinct().count()
    )
    assert rules["00_not_null_carrier_flight_origin_dest_time_hour"]["checked"] == raw.count()
    assert enriched["single_pass_scans"] == 1
    assert Path(summary["report"].removeprefix("file://")).read_text().startswith("<!doctype")


def test_daily_delays_equal_an_independent_computation(clean_run, spark):
    from pyspark.sql import functions as F

    lake, _ = clean_run
    raw = (
        spark.read.option("header", True)
        .option("nullValue", "NA")
        .csv(str(SAMPLES / "flights_sample.csv"))
    )
    expected = (
        raw.filter(F.col("dep_time").isNotNull())
        .groupBy("origin", "carrier", F.to_date("time_hour").alias("flight_date"))
        .agg(
            F.count("*").alias("flights"),
            F.avg(F.col("dep_delay").cast("double")).alias("avg_dep_delay"),
            (100 * F.avg((F.col("arr_delay").cast("double") > 15).cast("int"))).alias(
                "delayed_pct"
            ),
        )
    )
    actual = spark.read.parquet(str(lake / "curated" / "daily_delays"))
    columns = ["flight_date", "origin", "carrier", "flights", "avg_dep_delay", "delayed_pct"]

    def rows(frame):
        return sorted(
            tuple(round(v, 9) if isinstance(v, float) else v for v in r)
            for r in frame.select(*columns).collect()
        )

    assert rows(actual) == rows(expected)
    assert actual.count() > 500


def test_second_run_with_no_new_files_does_nothing(clean_run, tmp_path):
    lake, _ = clean_run
    again = _run(lake, tmp_path / "out")
    assert again.returncode == 0
    assert "nothing to do" in again.stdout


def lake_digest(lake: Path, spark) -> dict[str, str]:
    """Content hash per published table, `_batch_id` included; `_ingested_at` (the wall-clock
    start of the batch, which differs between any two runs) excluded."""
    digests = {}
    for zone, tables in (
        ("processed", ("flights", "airlines", "airports")),
        ("curated", ("flights_enriched", "daily_delays", "route_ranking")),
    ):
        for table in tables:
            frame = spark.read.parquet(str(lake / zone / table))
            columns = sorted(c for c in frame.columns if c != "_ingested_at")
            rows = sorted(json.dumps([str(v) for v in r]) for r in frame.select(*columns).collect())
            digests[f"{zone}/{table}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def leftovers(lake: Path) -> list[str]:
    """Staging files or published files of batches that never committed."""
    found = [
        str(p)
        for zone in ("processed", "curated")
        for p in (lake / zone / "_staging").rglob("*")
        if p.is_file()
    ]
    from pipegen_runtime.state import SqliteState

    state = SqliteState(lake / "_state" / "state.sqlite")
    committed = {
        b.batch_id for stage in ("ingestion", "quality") for b in state.committed_batches(stage)
    }
    for path in (lake / "processed").rglob("part-*"):
        if "_staging" not in str(path) and path.name.split("-")[1] not in committed:
            found.append(str(path))
    return found


@pytest.mark.parametrize(
    "point",
    [
        "ingestion.mid-write",
        "ingestion.before-commit",
        "ingestion.between-sources",
        "processing.mid-write",
        "quality.mid-publish",
    ],
)
def test_sigkill_then_rerun_gives_the_uninterrupted_output(point, clean_run, spark, tmp_path):
    clean_lake, _ = clean_run
    lake = _lake_with_samples(tmp_path)
    crashed = _run(lake, tmp_path / "out", crash_at=point)
    assert crashed.returncode == 1, crashed.stdout
    assert f"{point.split('.')[0]} FAILED (exit" in crashed.stdout
    rerun = _run(lake, tmp_path / "out")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert lake_digest(lake, spark) == lake_digest(clean_lake, spark)
    assert leftovers(lake) == []
    flights = spark.read.parquet(str(lake / "processed" / "flights"))
    assert flights.count() == SAMPLE_ROWS
    enriched = spark.read.parquet(str(lake / "curated" / "flights_enriched"))
    assert (
        enriched.groupBy("carrier", "flight", "time_hour").count().filter("count > 1").count() == 0
    )


def test_local_cluster_runs_the_same_jobs_with_the_runtime_on_the_executors(
    clean_run, spark, tmp_path
):
    """local-cluster[2,1,1024] starts separate executor processes: the bundle must reach them
    through --py-files, as Glue's --extra-py-files does, and the output must not change."""
    clean_lake, _ = clean_run
    lake = _lake_with_samples(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipegen_compiler",
            "run",
            str(SPEC),
            "--lake",
            str(lake),
            "--out",
            str(tmp_path / "out"),
            "--master",
            "local-cluster[2,1,1024]",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(next((lake / "_runs").glob("*/ingestion.json")).read_text())
    assert summary["executors"]["processes"] == 2
    (module,) = summary["executors"]["modules"]
    assert "pipegen_runtime.zip/pipegen_runtime/__init__.py" in module
    assert lake_digest(lake, spark) == lake_digest(clean_lake, spark)
