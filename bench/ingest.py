"""Ingestion benchmark: pipegen's ingestion job against a hand-written minimal PySpark job that
does the same read, clean, partition and write, on the flights file replicated to ~500 MB.

Both run as whole spark-submit processes, alternated, `--runs` times each; prints medians and
the ratio (aim: at most 1.10, #15). pipegen's job also re-reads what it staged to prove
rows in = rows written + quarantined, and publishes per batch; that work is in its time.

Run: .venv/bin/python bench/ingest.py [--copies 16] [--runs 3]
(needs the full flights.csv: `make run-full` leaves it in .data/, or pass --flights PATH)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MASTER = "local[2]"
PHASES: list[str] = []  # the last run's phase timings, from the job's log

HAND_WRITTEN = """
import sys
from pyspark.sql import SparkSession, functions as F
src, dst = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.config("spark.sql.session.timeZone", "UTC")
         .config("spark.ui.enabled", "false").getOrCreate())
schema = ("year int, month int, day int, dep_time int, sched_dep_time int, dep_delay double, "
          "arr_time int, sched_arr_time int, arr_delay double, carrier string, flight int, "
          "tailnum string, origin string, dest string, air_time double, distance double, "
          "hour int, minute int, time_hour timestamp")
frame = (spark.read.schema(schema).option("header", True).option("nullValue", "NA")
         .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ssX").csv(src))
frame = frame.toDF(*[c.lower() for c in frame.columns])
frame = (frame.withColumn("_batch_id", F.lit("bench"))
         .withColumn("_ingested_at", F.current_timestamp())
         .withColumn("_source_file", F.input_file_name())
         .withColumn("time_hour_year", F.year("time_hour"))
         .withColumn("time_hour_month", F.month("time_hour"))
         .withColumn("time_hour_day", F.dayofmonth("time_hour")))
(frame.write.mode("overwrite").option("compression", "snappy")
 .partitionBy("time_hour_year", "time_hour_month", "time_hour_day").parquet(dst))
"""


def find_flights(explicit: str | None) -> Path:
    candidates = (
        [explicit]
        if explicit
        else [REPO / ".data" / "flights.csv", REPO.parent / "shared" / "datasets" / "nycflights13"]
    )
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
        if path.is_dir() and (path / "flights.csv.zip").is_file():
            import zipfile

            target = REPO / ".data"
            target.mkdir(exist_ok=True)
            zipfile.ZipFile(path / "flights.csv.zip").extract("flights.csv", target)
            return target / "flights.csv"
    raise SystemExit("flights.csv not found: run `make run-full` first or pass --flights")


def data_rows(flights: Path) -> int:
    """Lines after the header that hold anything (the job skips blank ones, and counts them)."""
    with flights.open("rb") as handle:
        next(handle)
        return sum(1 for line in handle if line.strip())


def replicate(flights: Path, folder: Path, copies: int) -> tuple[int, int]:
    """`copies` files of the flights, each different (copy i repeats the last row i more
    times): pipegen skips a file whose content it has ingested already, as a re-sent one.
    Returns (bytes, data rows) of all of them."""
    folder.mkdir(parents=True, exist_ok=True)
    text = flights.read_bytes()
    last = text.rstrip(b"\n").rsplit(b"\n", 1)[1] + b"\n"
    body = text if text.endswith(b"\n") else text + b"\n"
    size = 0
    for i in range(copies):
        (folder / f"flights_{i:02d}.csv").write_bytes(body + last * i)
        size += len(body) + len(last) * i
    return size, copies * data_rows(flights) + copies * (copies - 1) // 2


def time_ours(config_dir: Path, data: Path, work: Path, rows: int) -> float:
    lake = work / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    landing = lake / "raw" / "incoming" / "flights"
    landing.mkdir(parents=True)
    for file in data.iterdir():
        (landing / file.name).symlink_to(file)
    start = time.perf_counter()
    done = subprocess.run(
        ingestion_alone(config_dir, lake), check=True, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    log = (done.stdout + done.stderr).splitlines()
    PHASES[:] = [line for line in log if "pipegen ingestion flights:" in line]
    summary = json.loads((lake / "_runs" / "bench" / "ingestion.json").read_text())
    flights = next(s for s in summary["sources"] if s["source"] == "flights")
    assert flights["rows_in"] == flights["rows_written"] + flights["rows_quarantined"]
    assert flights["rows_in"] == rows, f"read {flights['rows_in']:,} rows of {rows:,}"
    return took


def ingestion_alone(folder: Path, lake: Path) -> list[str]:
    """The ingestion job as its own spark-submit, with the arguments `pipegen run` gives it."""
    from pipegen_compiler.local_home.runner import job_arguments, submit_command

    script = [str(folder / "jobs" / "ingestion.py")]
    return submit_command(
        folder, MASTER, [], script + job_arguments(folder, "ingestion", lake, MASTER, "bench")
    )


def time_hand_written(data: Path, work: Path) -> float:
    from pipegen_compiler.local_home.runner import DRIVER_MEMORY, LAKE_FILE_SYSTEM, spark_submit

    script = work / "hand_written.py"
    script.write_text(HAND_WRITTEN)
    out = work / "hand_out"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [
            spark_submit(),
            "--master",
            MASTER,
            "--driver-memory",
            DRIVER_MEMORY,
            # The same disk as pipegen's job (no checksum files): only the jobs differ.
            "--conf",
            LAKE_FILE_SYSTEM,
            str(script),
            str(data),
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--flights")
    args = parser.parse_args()
    from pipegen_compiler.emit import emit
    from pipegen_compiler.pipeline import compile_plan, plan_all

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        flights = find_flights(args.flights)
        size, rows = replicate(flights, work / "data", args.copies)
        plan = plan_all(REPO / "specs" / "flights.yaml", "flights.yaml")["dev"]
        folder = emit(work / "out", plan.name, plan.env, compile_plan(plan).files)
        ours, hand = [], []
        for _ in range(args.runs):
            ours.append(time_ours(folder, work / "data", work, rows))
            hand.append(time_hand_written(work / "data", work))
    m_ours, m_hand = statistics.median(ours), statistics.median(hand)
    print(f"input: {args.copies} copies of flights.csv, {size / 1e6:.0f} MB, {rows:,} rows")
    print(f"pipegen ingestion job:   median {m_ours:.1f} s  runs {[round(t, 1) for t in ours]}")
    print(f"hand-written PySpark:    median {m_hand:.1f} s  runs {[round(t, 1) for t in hand]}")
    print(f"ratio pipegen / hand-written: {m_ours / m_hand:.2f} (aim: at most 1.10, #15)")
    print("phases of pipegen's last run:", *PHASES, sep="\n  ")


if __name__ == "__main__":
    main()
