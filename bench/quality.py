"""Quality benchmark: 20 column rules evaluated by pipegen's single pass against one plain scan
of the same table that counts non-null values of the same columns (the least work a
single-pass check can do). pipegen's time includes gathering and storing the failing rows of
every row rule that has any (one more scan and one write). Both in one SparkSession,
alternated; prints medians and the ratio (aim: at most 1.3, #15).

Run: .venv/bin/python bench/quality.py [--copies 16] [--runs 5]
(needs the full flights.csv: `make run-full` leaves it in .data/, or pass --flights PATH)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

RULES = [
    {"not_null": {"columns": ["carrier", "flight", "origin", "dest", "time_hour"]}},
    {"completeness": {"column": "dep_delay", "min_pct": 97}},
    {"completeness": {"column": "arr_delay", "min_pct": 97}},
    {"in_set": {"column": "origin", "values": ["EWR", "JFK", "LGA"]}},
    {"not_in_set": {"column": "dest", "values": ["EWR", "JFK", "LGA"], "min_pct": 99}},
    {"range": {"column": "distance", "min": 1, "max": 5000}},
    {"range": {"column": "air_time", "min": 0, "max": 800}},
    {"range": {"column": "dep_delay", "min": -100, "max": 1500}},
    {"range": {"column": "month", "min": 1, "max": 12}},
    {"range": {"column": "hour", "min": 0, "max": 24}},
    {"regex": {"column": "tailnum", "pattern": "^N[0-9A-Z]{1,5}$", "min_pct": 99}},
    {"regex": {"column": "carrier", "pattern": "^[A-Z0-9]{2}$"}},
    {"length": {"column": "dest", "min": 3, "max": 3}},
    {"length": {"column": "origin", "min": 3, "max": 3}},
    {"compare": {"left": "sched_dep_time", "op": "<=", "right": "sched_arr_time", "min_pct": 80}},
    {"expression": {"check": "air_time IS NULL OR air_time > 0"}},
    {"statistic": {"column": "dep_delay", "stat": "mean", "min": -10, "max": 60}},
    {"statistic": {"column": "distance", "stat": "max", "max": 5000}},
    {"distinct_count": {"column": "carrier", "min": 10, "max": 20}},
    {"row_count": {"min": 1000}},
]
COLUMNS = [
    "carrier",
    "flight",
    "origin",
    "dest",
    "time_hour",
    "dep_delay",
    "arr_delay",
    "distance",
    "air_time",
    "month",
    "hour",
    "tailnum",
    "sched_dep_time",
    "sched_arr_time",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--flights")
    args = parser.parse_args()
    from ingest import find_flights
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from helpers import local_context, quality_config
    from pipegen_runtime.context import local_shuffle_partitions
    from pipegen_runtime.quality import evaluate_table

    assert len(RULES) == 20
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        # The shuffle partitions a local pipegen run uses (failing rows take one shuffle).
        .config("spark.sql.shuffle.partitions", str(local_shuffle_partitions("local[2]")))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    flights = find_flights(args.flights)
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "table"
        raw = (
            spark.read.option("header", True)
            .option("nullValue", "NA")
            .option("inferSchema", True)
            .csv([str(flights)] * args.copies)
        )
        raw.write.parquet(str(table))
        frame = spark.read.parquet(str(table))
        config = {
            "apiVersion": "pipegen/v1",
            "pipeline": "bench",
            "environment": "dev",
            "sources": {},
            "tables": ["t"],
            "quality": quality_config(
                {
                    "tables": {"t": RULES},
                    "history_runs": 5,
                    "score": {"fail_below": 80, "warn_below": 95},
                }
            ),
        }
        ctx = local_context(spark, Path(tmp) / "lake", config, "quality")
        ours, plain = [], []
        for run in range(args.runs):
            batch = ctx.state.begin_batch("quality", f"b{run}", f"2026-01-01T00:00:0{run}", {})
            start = time.perf_counter()
            report = evaluate_table(ctx, "t", frame, {"t": frame}, batch)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            frame.agg(F.count(F.lit(1)), *[F.count(c) for c in COLUMNS]).collect()
            plain.append(time.perf_counter() - start)
        rows = report["rows"]
    m_ours, m_plain = statistics.median(ours), statistics.median(plain)
    print(
        f"table: {rows:,} rows ({args.copies} copies of flights), {len(RULES)} rules, "
        f"{report['single_pass_scans']} scan(s) for the per-column rules"
    )
    print(f"pipegen rules:           median {m_ours:.2f} s  runs {[round(t, 2) for t in ours]}")
    print(f"single count scan:       median {m_plain:.2f} s  runs {[round(t, 2) for t in plain]}")
    print(f"ratio rules / single scan: {m_ours / m_plain:.2f} (aim: at most 1.3, #15)")
    spark.stop()


if __name__ == "__main__":
    main()
