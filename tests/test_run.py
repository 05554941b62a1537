"""`pipegen run` end to end on the flights sample, the jobs in one real spark-submit process:
figures against an independent computation, a rerun that does nothing, and SIGKILL at five
points followed by a rerun that repairs the lake to exactly the uninterrupted result."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import (
    BLOCKING_SPEC,
    REPO,
    SAMPLES,
    compile_all,
    lake_with_samples,
    run_cli,
    run_locally,
)
from pipegen_runtime.rule_units import number

pytestmark = pytest.mark.spark

SPEC = REPO / "specs" / "flights.yaml"
SAMPLE_ROWS = 3368
STAGES = ("ingestion", "processing", "quality")


@pytest.fixture
def clean_run(sample_run):
    """The run of the repo's samples in a fresh lake, shared by the session (conftest.py)."""
    return sample_run


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
    # The reference opts into both notices: the sentences its topics would mail, to its addresses.
    log = (lake / "_notifications.jsonl").read_text().splitlines()
    # (Later tests rerun this lake: the first run's notices come first.)
    notices = [n for n in map(json.loads, log) if "to" in n["details"]][:2]
    assert [n["subject"] for n in notices] == [
        "pipegen flights: run started",
        "pipegen flights: run succeeded",
    ]
    started, succeeded = (n["message"] for n in notices)
    assert re.fullmatch(
        r"pipegen flights/dev: run \S+ started at \d{4}-\d\d-\d\dT[\d:]{8}Z", started
    )
    assert succeeded.endswith(
        f"{len(report['tables'])} table(s) published, quality {summary['outcome']}, "
        f"score {number(summary['score'])}; report {summary['report']}"
    ), succeeded
    assert notices[1]["details"]["to"] == ["data-team@example.com", "analysts@example.com"]


def test_the_three_stages_share_one_spark_application(clean_run):
    """#15's local loop: one JVM and one SparkSession for the run, not one per stage."""
    lake, first = clean_run
    (run,) = (lake / "_runs").iterdir()
    facts = {s: json.loads((run / f"{s}.json").read_text())["spark"] for s in STAGES}
    assert len({f["application"] for f in facts.values()}) == 1, facts
    assert {f["spark.sql.shuffle.partitions"] for f in facts.values()} == {"8"}  # local[2]
    assert (run / "spark.log").is_file()
    paces = re.findall(
        r"\[\d/3\] (\w+) done in [\d.]+s: ([\d,]+) rows (in|out|checked)", first.stdout
    )
    assert [(stage, int(rows.replace(",", ""))) for stage, rows, _ in paces] == [
        ("ingestion", 3368 + 16 + 1458),
        ("processing", 2530 + 3286 + 33),
        ("quality", 2530 + 3286 + 33),
    ]


def test_each_summary_says_how_long_and_the_run_how_much_it_read(clean_run, capsys):
    """What `pipegen cost --lake` takes run times from (#16). The sample (0.4 MB) is too far
    from the spec's 0.1 GB a run to scale, so the estimate says so and keeps the spec's."""
    from pipegen_compiler.run_evidence import from_lake

    lake, _ = clean_run
    (run,) = (lake / "_runs").iterdir()
    summaries = {s: json.loads((run / f"{s}.json").read_text()) for s in STAGES}
    assert all(summaries[s]["duration_seconds"] > 0 for s in STAGES)
    read = {s["source"]: s["bytes_in"] for s in summaries["ingestion"]["sources"]}
    assert read["flights"] == (SAMPLES / "flights_sample.csv").stat().st_size
    measured = from_lake(lake)
    assert measured["quality"].seconds == summaries["quality"]["duration_seconds"]
    assert measured["ingestion"].gb == sum(read.values()) / 1e9
    code, out, _ = run_cli(["cost", str(SPEC), "--lake", str(lake)], capsys)
    assert code == 0
    assert f"ingestion: measured runs read {sum(read.values()) / 1e9:.4g} GB, too far" in out


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


def test_the_run_publishes_every_custom_metric_the_alarms_watch(clean_run):
    """The alarms' custom metrics are exactly (name, dimensions) pairs a real run published."""
    lake, _ = clean_run
    published = {
        (m["name"], json.dumps(m["dimensions"], sort_keys=True))
        for m in map(json.loads, (lake / "_metrics" / "metrics.jsonl").read_text().splitlines())
    }
    template = json.loads(compile_all(SPEC, "flights.yaml")["dev"]["template.json"])
    watched = set()
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        queries = [q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q]
        for metric in queries or [props]:
            if metric["Namespace"] == "pipegen":
                dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
                watched.add((metric["MetricName"], json.dumps(dims, sort_keys=True)))
    # FilesRejected needs a rejected file: tests/test_local_parity.py covers it.
    assert len(watched) > 5
    assert {w for w in watched if w[0] != "FilesRejected"} <= published
    lines = (lake / "_events.jsonl").read_text().splitlines()
    events = [json.loads(line)["detail-type"] for line in lines]
    # The reference opts into both notices: the run starts, quality reports, the run succeeded
    # (the first run's events come first: later tests rerun this lake).
    assert events[:3] == ["pipegen Run Started", "pipegen Quality Result", "pipegen Run Succeeded"]


def test_watch_runs_the_workflow_when_a_file_lands_and_stops_on_ctrl_c(tmp_path):
    spec = REPO / "tests" / "golden" / "valid" / "minimal" / "spec.yaml"
    lake = tmp_path / "lake"
    watcher = subprocess.Popen(
        [
            *(sys.executable, "-m", "pipegen_compiler", "watch", str(spec)),
            *("--lake", str(lake), "--out", str(tmp_path / "out"), "--interval", "0.5"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "watching" in watcher.stdout.readline()
        landing = lake / "raw" / "incoming" / "orders"
        staged = tmp_path / "orders_1.jsonl"
        staged.write_text("".join(f'{{"id": {i}, "amount": {i * 1.5}}}\n' for i in range(50)))
        shutil.copy(staged, landing / staged.name)
        lines = []
        for line in watcher.stdout:
            lines.append(line)
            if "watching again" in line:
                break
        watcher.send_signal(signal.SIGINT)
        rest, _ = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    output = "".join(lines) + rest
    assert watcher.returncode == 0, output
    assert "1 new file(s): running the workflow" in output
    assert "run 1 ended with exit code 0" in output and output.rstrip().endswith("stopped")
    summary = json.loads(next((lake / "_runs").glob("*/ingestion.json")).read_text())
    assert summary["sources"][0]["rows_written"] == 50


def test_second_run_with_no_new_files_does_nothing(clean_run, tmp_path):
    lake, _ = clean_run
    again = run_locally(lake, tmp_path / "out")
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
    # The raw tables' listings, by source (the landing day is the clock's; it may differ).
    manifests = sorted((lake / "raw" / "_catalog").rglob("*.txt"))
    listed = [
        (p.parent.parent.name, line.replace(str(lake), "<lake>"))
        for p in manifests
        for line in p.read_text().splitlines()
    ]
    digests["raw/_catalog"] = json.dumps(sorted(listed))
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
    for path in (lake / "raw" / "_catalog").rglob("*.txt"):  # a raw table's manifests
        if path.stem not in committed:
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
    lake = lake_with_samples(tmp_path)
    crashed = run_locally(lake, tmp_path / "out", crash_at=point)
    assert crashed.returncode == 1, crashed.stdout
    assert f"{point.split('.')[0]} FAILED (exit" in crashed.stdout
    rerun = run_locally(lake, tmp_path / "out")
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
    lake = lake_with_samples(tmp_path)
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


def test_full_flights_end_to_end(spark, tmp_path):
    """All 336,776 flights of 2013: every row accounted for, and daily_delays equal to an
    independent computation with plain Spark over the raw file."""
    from pyspark.sql import functions as F

    from helpers import full_flights

    flights = full_flights()
    lake = lake_with_samples(tmp_path)
    target = lake / "raw" / "incoming/flights/flights_2013.csv"
    target.unlink()
    shutil.copy(flights, target)
    result = run_locally(lake, tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(next((lake / "_runs").glob("*/ingestion.json")).read_text())
    source = next(s for s in summary["sources"] if s["source"] == "flights")
    assert source["rows_in"] == 336_776
    assert source["rows_written"] + source["rows_quarantined"] == 336_776
    assert spark.read.parquet(str(lake / "processed" / "flights")).count() == source["rows_written"]
    raw = spark.read.option("header", True).option("nullValue", "NA").csv(str(flights))
    departed = raw.filter(F.col("dep_time").isNotNull())
    expected = departed.groupBy(
        "origin", "carrier", F.to_date("time_hour").alias("flight_date")
    ).agg(
        F.count("*").alias("flights"),
        F.avg(F.col("dep_delay").cast("double")).alias("avg_dep_delay"),
        (100 * F.avg((F.col("arr_delay").cast("double") > 15).cast("int"))).alias("delayed_pct"),
    )
    actual = spark.read.parquet(str(lake / "curated" / "daily_delays"))
    columns = ["flight_date", "origin", "carrier", "flights", "avg_dep_delay", "delayed_pct"]
    difference = actual.select(*columns).exceptAll(expected.select(*columns))
    assert actual.count() == expected.count()
    assert difference.count() == 0 or _close(actual, expected, columns)
    enriched = spark.read.parquet(str(lake / "curated" / "flights_enriched"))
    assert enriched.count() == departed.count()
    _estimate_from_this_run(lake, summary)


JSON = ("--format", "json")


def _estimate_from_this_run(lake: Path, ingestion: dict) -> None:
    """All the flights (33 MB) compare with the spec's 0.1 GB a run: `pipegen cost --lake`
    scales each job's measured time to it (#16)."""
    done = subprocess.run(
        [sys.executable, "-m", "pipegen_compiler", "cost", str(SPEC), "--lake", str(lake), *JSON],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    estimate = json.loads(done.stdout)
    gb = sum(s["bytes_in"] for s in ingestion["sources"]) / 1e9
    minutes = ingestion["duration_seconds"] * (0.1 / gb) / 60
    item = next(i for i in estimate["items"] if i["item"] == "ingestion job")
    runs = float(item["detail"].split(", ")[-1].split()[0])
    assert item["monthly_usd"] == pytest.approx(2 * max(1, minutes) / 60 * runs * 0.29, abs=0.01)
    assert any(a.startswith("ingestion job:") and "measured" in a for a in estimate["assumptions"])


def _close(actual, expected, columns) -> bool:
    """Floating-point averages may differ in the last bits between plans."""

    def rows(frame):
        return sorted(
            tuple(round(v, 9) if isinstance(v, float) else v for v in r)
            for r in frame.select(*columns).collect()
        )

    return rows(actual) == rows(expected)


def _split_sample(folder: Path) -> tuple[Path, Path]:
    """January-June (less a few June rows) and July-December plus those June rows."""
    lines = (SAMPLES / "flights_sample.csv").read_text().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    first = [r for r in rows if int(r.split(",")[1]) <= 6]
    late_june = [r for r in first if int(r.split(",")[1]) == 6][-10:]
    first = [r for r in first if r not in late_june]
    second = [r for r in rows if int(r.split(",")[1]) > 6] + late_june
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "flights_h1.csv").write_text(header + "".join(first))
    (folder / "flights_h2.csv").write_text(header + "".join(second))
    return folder / "flights_h1.csv", folder / "flights_h2.csv"


def _data_digest(lake: Path, spark, table: str) -> str:
    frame = spark.read.parquet(str(lake / "curated" / table))
    columns = sorted(c for c in frame.columns if not c.startswith("_"))
    rows = sorted(json.dumps([str(v) for v in r]) for r in frame.select(*columns).collect())
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def test_second_drop_recomputes_only_the_partitions_it_touches(spark, tmp_path):
    h1, h2 = _split_sample(tmp_path / "parts")
    lake = lake_with_samples(tmp_path / "a")
    landing = lake / "raw" / "incoming" / "flights"
    (landing / "flights_2013.csv").unlink()
    shutil.copy(h1, landing)
    assert run_locally(lake, tmp_path / "out").returncode == 0
    enriched = lake / "curated" / "flights_enriched"
    first_files = {p.relative_to(enriched) for p in enriched.rglob("*.parquet")}
    shutil.copy(h2, landing)
    second = run_locally(lake, tmp_path / "out")
    assert second.returncode == 0, second.stdout + second.stderr
    processing = json.loads(sorted((lake / "_runs").glob("*/processing.json"))[-1].read_text())
    assert processing["modes"] == {
        "flights_enriched": "partitions",
        "daily_delays": "full",
        "route_ranking": "full",
    }
    kept = first_files & {p.relative_to(enriched) for p in enriched.rglob("*.parquet")}
    assert kept, "files of untouched months must stay as the first publish wrote them"
    assert all(
        "time_hour_month=" in str(p) and int(str(p).split("time_hour_month=")[1].split("/")[0]) <= 6
        for p in kept
    )

    together = lake_with_samples(tmp_path / "b")
    landing_b = together / "raw" / "incoming" / "flights"
    (landing_b / "flights_2013.csv").unlink()
    shutil.copy(h1, landing_b)
    shutil.copy(h2, landing_b)
    assert run_locally(together, tmp_path / "out").returncode == 0
    for table in ("flights_enriched", "daily_delays", "route_ranking"):
        assert _data_digest(lake, spark, table) == _data_digest(together, spark, table), table


def test_quality_failure_with_block_publishes_nothing_and_exits_4(tmp_path):
    spec = tmp_path / "orders.yaml"
    spec.write_text(BLOCKING_SPEC)
    lake = tmp_path / "lake"
    (lake / "raw" / "incoming" / "orders").mkdir(parents=True)
    (lake / "raw" / "incoming" / "orders" / "o.csv").write_text(
        "order_id,amount\n1,10\n2,5000\n3,20\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipegen_compiler",
            "run",
            str(spec),
            "--lake",
            str(lake),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "quality BLOCKED by quality" in result.stdout
    assert "BLOCKED: not published" in result.stdout
    assert not (lake / "curated" / "big_orders").exists()
    notes = [json.loads(line) for line in (lake / "_notifications.jsonl").read_text().splitlines()]
    assert any("quality fail" in n["message"] and "published: no" in n["message"] for n in notes)
    report = json.loads(next((lake / "curated" / "_quality").rglob("report.json")).read_text())
    (rule,) = report["tables"]["big_orders"]["rules"]
    assert (rule["status"], rule["failed"], rule["checked"]) == ("fail", 1, 3)
    assert rule["samples"] == [
        {
            "row": {"order_id": "2", "amount": "5000.0"},
            "column": "amount",
            "reason": "amount = 5000.0 is above the maximum 100",
        }
    ]
    # No new data: the batch stays blocked, as every retry on Glue finds it, and is not
    # reported again.
    again = subprocess.run(result.args, capture_output=True, text=True, timeout=600)
    assert again.returncode == 4, again.stdout + again.stderr
    assert "quality still blocks batch" in again.stdout
    notes = (lake / "_notifications.jsonl").read_text().splitlines()
    assert sum("quality fail" in json.loads(n)["message"] for n in notes) == 1
