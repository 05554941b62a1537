"""The raw zone in the catalog (#18): a table `raw_<source>` per source over the files as they
landed, partitioned by landing day through manifests (runtime/raw_catalog.py).

The module's lake is ingested once on the shared SparkSession. Hive's own reader (Spark's Hive
support, in a JVM of its own) then reads each partition with the table's storage exactly as
registered: its manifests, input format, serde and serde parameters. Athena itself is not run
here; its reading of the same layout is AWS's documented one for S3 Inventory (OpenCSVSerde
over SymlinkTextInputFormat, partitioned by date).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import local_context, source_config
from pipegen_runtime import ingest
from pipegen_runtime.raw_catalog import _merged

ORDERS = 'Order ID,Note,Total\n1,"plain",10\n2,"with, a comma",20\n3,"say ""hi""",30\n'
MORE = "Order ID,Note,Total\n4,late,40\n"


def _day(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _land(folder: Path, name: str, content: str, day: str) -> None:
    path = folder / name
    path.write_text(content)
    os.utime(path, (_day(day), _day(day)))


def _config() -> dict:
    orders = source_config(
        {
            "format": "auto",
            "landing": "in/",
            "read": {"header": True},
            "schema": {"order_id": "int", "note": "string", "total": "double"},
        }
    )
    return {
        "apiVersion": "pipegen/v1",
        "pipeline": "t",
        "environment": "dev",
        "sources": {"orders": orders},
    }


def _manifests(lake: Path) -> dict[str, list[str]]:
    folder = lake / "raw" / "_catalog" / "orders"
    return {
        str(p.relative_to(folder)): p.read_text().splitlines()
        for p in sorted(folder.rglob("*.txt"))
    }


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    """Three drops: two CSV files on two days; then one of them changed in place and a JSON
    lines file beside it (a format the CSV table cannot hold)."""
    lake = tmp_path_factory.mktemp("raw") / "lake"
    landing = lake / "raw" / "in"
    landing.mkdir(parents=True)
    _land(landing, "orders_1.csv", ORDERS, "2026-11-28")
    _land(landing, "orders_2.csv", MORE, "2026-11-29")
    first = ingest.run(local_context(spark, lake, _config(), "ingestion"))
    before = _manifests(lake)
    _land(landing, "orders_2.csv", MORE + "5,later,50\n", "2026-11-30")
    _land(landing, "orders_3.jsonl", '{"Order ID": 6}\n', "2026-11-30")
    second = ingest.run(local_context(spark, lake, _config(), "ingestion"))
    return lake, first["sources"][0], second["sources"][0], before


@pytest.mark.spark
def test_each_landing_day_is_a_partition_listing_its_files(lake):
    root, first, _, before = lake
    uri = f"file://{root / 'raw' / 'in'}/"
    assert first["raw_files_catalogued"] == 2
    assert sorted((day.split("/")[0], files) for day, files in before.items()) == [
        ("landed=2026-11-28", [uri + "orders_1.csv"]),
        ("landed=2026-11-29", [uri + "orders_2.csv"]),
    ]


@pytest.mark.spark
def test_a_file_changed_in_place_is_listed_once_under_its_new_day(lake):
    root, _, second, _ = lake
    uri = f"file://{root / 'raw' / 'in'}/"
    now = _manifests(root)
    listed = [f for files in now.values() for f in files]
    assert sorted(listed) == [uri + "orders_1.csv", uri + "orders_2.csv"]
    (day,) = [d for d, files in now.items() if uri + "orders_2.csv" in files]
    assert day.startswith("landed=2026-11-30/")
    # The earlier day's manifest held only that file: gone, not left empty.
    assert not any(d.startswith("landed=2026-11-29/") for d in now)
    assert second["raw_files_catalogued"] == 1


@pytest.mark.spark
def test_a_file_the_table_cannot_hold_is_named_not_dropped(lake):
    root, _, second, _ = lake
    assert list(second["raw_files_not_catalogued"]) == ["in/orders_3.jsonl"]
    assert "'jsonl'" in second["raw_files_not_catalogued"]["in/orders_3.jsonl"]
    notices = (root / "_notifications.jsonl").read_text()
    assert "1 file(s) of source 'orders' are not listed in table raw_orders" in notices


@pytest.mark.spark
def test_the_table_is_the_files_columns_as_text_with_the_declared_types_noted(lake):
    root, *_ = lake
    table = json.loads((root / "_catalog" / "test" / "raw_orders.json").read_text())
    assert [(c["name"], c["type"]) for c in table["columns"]] == [
        ("order_id", "string"),
        ("note", "string"),
        ("total", "string"),
    ]
    assert table["columns"][0]["comment"] == "as landed; typed int in table orders"
    assert "comment" not in table["columns"][1]
    assert table["partitions"] == [
        {"landed": d} for d in ("2026-11-28", "2026-11-29", "2026-11-30")
    ]
    assert table["storage"]["parameters"]["skip.header.line.count"] == "1"
    assert table["storage"]["serde_parameters"]["separatorChar"] == ","


HIVE_READER = textwrap.dedent(
    """
    import json, sys
    from pyspark.sql import SparkSession

    table, warehouse = json.loads(open(sys.argv[1]).read()), sys.argv[2]
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.warehouse.dir", warehouse + "/warehouse")
        .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                f"jdbc:derby:;databaseName={warehouse}/metastore;create=true")
        .enableHiveSupport().getOrCreate()
    )
    storage = table["storage"]
    columns = ", ".join(f"`{c['name']}` {c['type']}" for c in table["columns"])
    quoted = lambda d: ", ".join(f"'{k}'={json.dumps(v)}" for k, v in sorted(d.items()))
    rows = []
    # Spark's Hive reader returns no rows from a partitioned symlink table, so each partition
    # is read as a table of its own, at the partition's location, with the table's storage.
    for index, p in enumerate(table["partitions"]):
        name = f"part_{index}"
        spark.sql(
            f"CREATE EXTERNAL TABLE {name} ({columns}) "
            f"ROW FORMAT SERDE '{storage['serde']}' "
            f"WITH SERDEPROPERTIES ({quoted(storage['serde_parameters'])}) "
            f"STORED AS INPUTFORMAT '{storage['input_format']}' "
            f"OUTPUTFORMAT '{storage['output_format']}' "
            f"LOCATION '{table['location']}landed={p['landed']}/' "
            f"TBLPROPERTIES ({quoted(storage['parameters'])})"
        )
        rows += [{**r.asDict(), **p} for r in spark.sql(f"SELECT * FROM {name}").collect()]
    print(json.dumps(rows))
    """
)


@pytest.mark.spark
@pytest.mark.slow
def test_hive_reads_the_table_as_registered(lake, tmp_path):
    root, *_ = lake
    script = tmp_path / "read.py"
    script.write_text(HIVE_READER)
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            str(root / "_catalog" / "test" / "raw_orders.json"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # Derby writes its log to the working folder
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    # Spark's Hive reader skips header lines only for TextInputFormat tables (Athena skips
    # them per file): here each file's header comes back as a row, and is set aside.
    data = sorted(
        (r["landed"], r["order_id"], r["note"], r["total"]) for r in rows if r["note"] != "Note"
    )
    assert data == [
        ("2026-11-28", "1", "plain", "10"),
        ("2026-11-28", "2", "with, a comma", "20"),
        ("2026-11-28", "3", 'say "hi"', "30"),
        ("2026-11-30", "4", "late", "40"),
        ("2026-11-30", "5", "later", "50"),
    ]


def test_columns_widen_as_files_add_them_and_conflicts_stay_out():
    text = [("a", "string"), ("b", "string")]
    assert _merged(text, [*text, ("c", "string")], by_position=True) == [*text, ("c", "string")]
    assert _merged(text, [("b", "string"), ("a", "string")], by_position=True) is None
    typed = [("a", "int"), ("b", "string")]
    assert _merged(typed, [("c", "double"), ("a", "int")], by_position=False) == [
        *typed,
        ("c", "double"),
    ]
    assert _merged(typed, [("a", "bigint")], by_position=False) is None
