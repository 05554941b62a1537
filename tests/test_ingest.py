"""Ingestion on the shared SparkSession: conservation on corrupted data, every format, and
schema inference and evolution."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

from helpers import SAMPLES, local_context, source_config
from pipegen_runtime import ingest

pytestmark = pytest.mark.spark

FLIGHT_SCHEMA = {
    "year": "int",
    "month": "int",
    "day": "int",
    "dep_time": "int",
    "sched_dep_time": "int",
    "dep_delay": "double",
    "arr_time": "int",
    "sched_arr_time": "int",
    "arr_delay": "double",
    "carrier": "string",
    "flight": "int",
    "tailnum": "string",
    "origin": "string",
    "dest": "string",
    "air_time": "double",
    "distance": "double",
    "hour": "int",
    "minute": "int",
    "time_hour": "timestamp",
}


def _source(fmt: str, landing: str, **extra) -> dict:
    return source_config({"format": fmt, "landing": landing, **extra})


def _config(sources: dict) -> dict:
    return {"apiVersion": "pipegen/v1", "pipeline": "t", "environment": "dev", "sources": sources}


def _processing(ingestion: dict) -> dict:
    """The processing config of the same sources (no transforms), as render writes it."""
    sources = ingestion["sources"]
    refs = {n: {"kind": s["kind"], "landing": s["landing"]} for n, s in sources.items()}
    return {**ingestion, "sources": refs, "transforms": []}


def _reread(spark, lake, name):
    """Rows written (re-read from the published Parquet) and quarantined (re-read JSON)."""
    written = spark.read.parquet(str(lake / "processed" / name)).count()
    quarantine = lake / "processed" / "_quarantine" / name
    files = (
        [p for p in quarantine.rglob("*.json") if p.stat().st_size] if quarantine.exists() else []
    )
    bad = spark.read.json([str(p) for p in files]) if files else None
    return written, (bad.count() if bad is not None else 0), bad


def _with_field(row: bytes, index: int, value: bytes) -> bytes:
    fields = row.rstrip(b"\n").split(b",")
    fields[index] = value
    return b",".join(fields) + b"\n"


def _corrupted_copy() -> bytes:
    """The sample with one row of each kind of damage appended (6 rows, 7 physical lines)."""
    lines = SAMPLES.joinpath("flights_sample.csv").read_bytes().splitlines(keepends=True)
    header, rows = lines[0], lines[1:301]
    broken = [
        b"2013,1,1,517\n",  # short row
        rows[1].rstrip(b"\n") + b",extra,fields\n",  # extra fields
        _with_field(rows[2], 5, b"abc"),  # bad number in dep_delay
        _with_field(rows[3], 18, b"2013-13-45T99:00:00Z"),  # bad date in time_hour
        _with_field(rows[4], 11, b"N\xff\xfe228"),  # invalid UTF-8 in tailnum
        b'2013,1,1,600,600,0,700,700,0,"U\nA",1,N1,EWR,JFK,30,100,6,0,2013-01-01T11:00:00Z\n',
    ]
    return header + b"".join(rows[10:]) + b"".join(broken)


def test_rows_in_equal_rows_written_plus_quarantined_on_corrupted_data(spark, tmp_path):
    lake = tmp_path / "lake"
    landing = lake / "raw" / "in"
    landing.mkdir(parents=True)
    (landing / "corrupt.csv").write_bytes(_corrupted_copy())
    (landing / "header_only.csv").write_bytes(b"year,month,day\n")
    (landing / "empty.csv").write_bytes(b"")
    source = _source(
        "csv",
        "in/",
        schema=FLIGHT_SCHEMA,
        read={"header": True, "null_values": ["NA", ""]},
        partition_by={"column": "time_hour", "granularity": "day"},
    )
    ctx = local_context(spark, lake, _config({"flights": source}), "ingestion")
    (result,) = ingest.run(ctx)["sources"]
    written, quarantined, bad = _reread(spark, lake, "flights")
    assert result["rows_in"] == written + quarantined
    assert (result["rows_written"], result["rows_quarantined"]) == (written, quarantined)
    # 290 good rows; 5 damaged rows, and the quoted newline (read without multiline) splits
    # one record into two malformed lines: 7 quarantined. Nothing silently dropped.
    assert (result["rows_in"], written, quarantined) == (297, 290, 7)
    reasons = " | ".join(r["reason"] for r in bad.collect())
    for expected in (
        "malformed record",
        "dep_delay: not a valid double",
        "invalid UTF-8",
        "time_hour: not a valid timestamp",
    ):
        assert expected in reasons
    assert {r["_source_file"] for r in bad.collect()} == {"in/corrupt.csv"}
    # The empty and the header-only file were read too: they add no rows, and lose none.
    assert result["files"] == 3


def test_a_gzipped_csv_is_read_through_its_codec_with_its_header(spark, tmp_path):
    """Every row of a `.csv.gz` was once quarantined: its header was read from compressed bytes."""
    lake = tmp_path / "lake"
    landing = lake / "raw" / "in"
    landing.mkdir(parents=True)
    plain = SAMPLES.joinpath("flights_sample.csv").read_bytes()
    (landing / "flights.csv.gz").write_bytes(gzip.compress(plain))
    source = _source(
        "csv", "in/", schema=FLIGHT_SCHEMA, read={"header": True, "null_values": ["NA", ""]}
    )
    ctx = local_context(spark, lake, _config({"flights": source}), "ingestion")
    (result,) = ingest.run(ctx)["sources"]
    rows = len(plain.splitlines()) - 1
    assert (result["rows_in"], result["rows_written"], result["rows_quarantined"]) == (
        rows,
        rows,
        0,
    )
    written = spark.read.parquet(str(lake / "processed" / "flights"))
    assert written.filter("carrier IS NULL").count() == 0


def test_a_rerun_with_no_new_files_ingests_nothing(spark, tmp_path):
    lake = tmp_path / "lake"
    (lake / "raw" / "ref").mkdir(parents=True)
    shutil.copy(SAMPLES / "airlines.csv", lake / "raw" / "ref" / "airlines.csv")
    config = _config({"airlines": _source("csv", "ref/", kind="reference", read={"header": True})})
    first = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"][0]
    again = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"][0]
    assert (first["files"], first["rows_written"]) == (1, 16)
    assert (again["files"], again["rows_in"]) == (0, 0)


def _write_formats(spark, lake):
    rows = [(1, "a", 1.5), (2, "b", None), (3, "c", 3.25)]
    frame = spark.createDataFrame(rows, "Id int, Name string, Amount double")
    (lake / "raw" / "csv").mkdir(parents=True)
    (lake / "raw" / "csv" / "x.csv").write_text("Id,Name,Amount\n1,a,1.5\n2,b,\n3,c,3.25\n")
    (lake / "raw" / "jsonl").mkdir(parents=True)
    (lake / "raw" / "jsonl" / "x.jsonl").write_text(
        "\n".join(json.dumps({"Id": i, "Name": n, "Amount": a}) for i, n, a in rows) + "\n"
    )
    (lake / "raw" / "json").mkdir(parents=True)
    (lake / "raw" / "json" / "x.json").write_text(
        json.dumps([{"Id": i, "Name": n, "Amount": a} for i, n, a in rows], indent=2)
    )
    for fmt in ("parquet", "orc"):
        frame.coalesce(1).write.format(fmt).save(str(lake / "tmp" / fmt))
        (part,) = (lake / "tmp" / fmt).glob(f"part-*.{'snappy.' if fmt == 'parquet' else ''}*")
        (lake / "raw" / fmt).mkdir(parents=True)
        shutil.copy(part, lake / "raw" / fmt / f"x.{fmt}")
    (lake / "raw" / "avro").mkdir(parents=True)
    (lake / "raw" / "avro" / "x.avro").write_bytes(avro_file(rows))


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "parquet", "orc", "avro"])
def test_every_format_is_ingested_with_clean_names_and_types(spark, tmp_path, fmt):
    lake = tmp_path / "lake"
    _write_formats(spark, lake)
    source = _source(fmt, f"{fmt}/", read={"header": True} if fmt == "csv" else {})
    ctx = local_context(spark, lake, _config({"items": source}), "ingestion")
    (result,) = ingest.run(ctx)["sources"]
    assert (result["rows_in"], result["rows_written"], result["rows_quarantined"]) == (3, 3, 0)
    table = spark.read.parquet(str(lake / "processed" / "items"))
    types = dict(table.dtypes)
    assert types["id"] in ("int", "bigint") and types["amount"] == "double"
    assert sorted(r["name"] for r in table.collect()) == ["a", "b", "c"]
    assert {"_batch_id", "_ingested_at", "_source_file"} <= set(table.columns)


def test_new_columns_are_added_and_recorded(spark, tmp_path):
    lake = tmp_path / "lake"
    landing = lake / "raw" / "in"
    landing.mkdir(parents=True)
    (landing / "a.csv").write_text("Order ID,Total\n1,10\n")
    config = _config({"orders": _source("csv", "in/", read={"header": True})})
    ingest.run(local_context(spark, lake, config, "ingestion"))
    (landing / "b.csv").write_text("Order ID,Total,Coupon Code\n2,x20,SAVE\n3,30,\n")
    (result,) = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"]
    assert (result["rows_written"], result["rows_quarantined"]) == (1, 1)
    catalog = json.loads((lake / "_catalog" / "test" / "orders.json").read_text())
    assert [c["name"] for c in catalog["columns"]][:3] == ["order_id", "total", "coupon_code"]
    assert catalog["columns"][1]["type"] == "int"


def _drop_whose_batch_sorts(lake, first_batch: str, last: bool) -> None:
    """Lands b.csv (with a new column) so that its batch sorts before or after the first one:
    Spark without schema merging takes the schema of the first file it lists."""
    from pipegen_runtime import publish
    from pipegen_runtime.storage import LocalStorage

    path = lake / "raw" / "in" / "b.csv"
    for n in range(100):
        path.write_text(f"Order ID,Total,Coupon Code\n2,20,SAVE{n}\n")
        (info,) = [o for o in LocalStorage(lake).list("raw", "in/") if o.key.endswith("b.csv")]
        if (publish.batch_id([info.object_id]) > first_batch) == last:
            return
    raise AssertionError("no content gives the wanted order")


@pytest.mark.parametrize("new_batch_sorts_last", [True, False])
def test_a_column_added_by_a_later_drop_reaches_processing(spark, tmp_path, new_batch_sorts_last):
    """The column was recorded in the catalog, but processing read one file's schema (which one
    depended on how batch hashes sort) and dropped it silently. Older rows get null."""
    from pipegen_runtime import process

    lake = tmp_path / "lake"
    landing = lake / "raw" / "in"
    landing.mkdir(parents=True)
    config = _config({"orders": _source("csv", "in/", read={"header": True})})
    (landing / "a.csv").write_text("Order ID,Total\n1,10\n")
    ingest.run(local_context(spark, lake, config, "ingestion"))
    ctx = local_context(spark, lake, _processing(config), "processing")
    (first,) = ctx.state.committed_batches("ingestion")
    _drop_whose_batch_sorts(lake, first.batch_id, new_batch_sorts_last)
    ingest.run(local_context(spark, lake, config, "ingestion"))
    batches = ctx.state.committed_batches("ingestion")
    orders = process.load_sources(ctx, batches)["orders"]
    rows = {r["order_id"]: r["coupon_code"] for r in orders.collect()}
    assert rows[1] is None and rows[2].startswith("SAVE")


@pytest.mark.parametrize("policy", ["skip", "ingest"])
def test_a_re_sent_file_is_skipped_with_a_notice_unless_asked(spark, tmp_path, policy):
    """The same content under another name was ingested again: 2,468 duplicate rows."""
    lake = tmp_path / "lake"
    landing = lake / "raw" / "in"
    landing.mkdir(parents=True)
    content = "Order ID,Total\n1,10\n2,20\n"
    (landing / "orders_1.csv").write_text(content)
    source = _source("csv", "in/", read={"header": True}, on_identical_file=policy)
    config = _config({"orders": source})
    ingest.run(local_context(spark, lake, config, "ingestion"))
    (landing / "orders_1 (copy).csv").write_text(content)
    (landing / "orders_2.csv").write_text("Order ID,Total\n3,30\n")
    (second,) = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"]
    (third,) = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"]
    rows = spark.read.parquet(str(lake / "processed" / "orders")).count()
    if policy == "skip":
        notices = (lake / "_notifications.jsonl").read_text()
        assert (second["files"], second["files_skipped_identical"], rows) == (1, 1, 3)
        assert "orders_1 (copy).csv" in notices and "already ingested" in notices
    else:
        assert (second["files"], second["files_skipped_identical"], rows) == (2, 0, 5)
    assert third["files"] == 0 and third["files_skipped_identical"] == 0
    if policy == "skip":  # a drop of copies only: bookmarked, no rows, processing unaffected
        from pipegen_runtime import process

        (landing / "orders_2 again.csv").write_text("Order ID,Total\n3,30\n")
        (only,) = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"]
        assert (only["files"], only["files_skipped_identical"], only["rows_in"]) == (0, 1, 0)
        ctx = local_context(spark, lake, _processing(config), "processing")
        frames = process.load_sources(ctx, ctx.state.committed_batches("ingestion"))
        assert frames["orders"].count() == 3
        (landing / "orders_2.csv").write_text("Order ID,Total\n3,31\n")  # changed in place
        (changed,) = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"]
        assert changed["files_new_versions"] == 1
        notices = (lake / "_notifications.jsonl").read_text().splitlines()
        assert "new content" in notices[-1] and "in/orders_2.csv" in notices[-1]


def test_a_file_changed_in_place_replaces_its_earlier_rows(spark, tmp_path):
    """A file changed after ingestion was ingested again with its old rows kept: 300 rows
    attributed to a 100-row file. Now each version replaces the one before."""
    from pipegen_runtime import process

    lake = tmp_path / "lake"
    landing = lake / "raw" / "in"
    landing.mkdir(parents=True)
    config = _config({"orders": _source("csv", "in/", read={"header": True})})
    (landing / "other.csv").write_text("Order ID,Total\n9,90\n")

    def totals_after(content: str) -> dict[int, int]:
        (landing / "day 1.csv").write_text(content)
        ingest.run(local_context(spark, lake, config, "ingestion"))
        ctx = local_context(spark, lake, _processing(config), "processing")
        frame = process.load_sources(ctx, ctx.state.committed_batches("ingestion"))["orders"]
        return {r["order_id"]: r["total"] for r in frame.collect()}

    assert totals_after("Order ID,Total\n1,10\n2,20\n") == {1: 10, 2: 20, 9: 90}
    assert totals_after("Order ID,Total\n1,11\n2,21\n3,31\n") == {1: 11, 2: 21, 3: 31, 9: 90}
    assert totals_after("Order ID,Total\n1,12\n") == {1: 12, 9: 90}
    notices = (lake / "_notifications.jsonl").read_text()
    assert "replace their earlier ones: in/day 1.csv" in notices


def test_a_drop_of_copies_only_leaves_a_reference_source_readable(spark, tmp_path):
    from pipegen_runtime import process

    lake = tmp_path / "lake"
    landing = lake / "raw" / "ref"
    landing.mkdir(parents=True)
    config = _config({"carriers": _source("csv", "ref/", kind="reference")})
    (landing / "carriers.csv").write_text("carrier,name\nAA,American\n")
    ingest.run(local_context(spark, lake, config, "ingestion"))
    (landing / "carriers copy.csv").write_text("carrier,name\nAA,American\n")
    (only,) = ingest.run(local_context(spark, lake, config, "ingestion"))["sources"]
    assert only["files_skipped_identical"] == 1
    ctx = local_context(spark, lake, _processing(config), "processing")
    frames = process.load_sources(ctx, ctx.state.committed_batches("ingestion"))
    assert [r["name"] for r in frames["carriers"].collect()] == ["American"]


def test_whitespace_only_lines_are_counted_so_every_line_is_accounted_for(spark, tmp_path):
    """They were neither written nor quarantined, nor counted: lines in != rows out. Blank is
    what each reader skips: to CSV any line of characters up to U+0020 (\\x01, \\x0b too); to
    JSON lines only JSON's whitespace (a \\x0b line is a corrupt record, quarantined)."""
    lake = tmp_path / "lake"
    for folder in ("orders", "events"):
        (lake / "raw" / folder).mkdir(parents=True)
    text = "Order ID,Total\n1,10\n\n   \n2,oops\n\t\n\x01\x0b\n3,30\n"
    (lake / "raw" / "orders" / "orders.csv").write_text(text)
    (lake / "raw" / "events" / "events.jsonl").write_text('{"id": 1}\n\n{"id": 2}\n  \n\x0b\n')
    sources = {
        "orders": _source(
            "csv", "orders/", read={"header": True}, schema={"order_id": "int", "total": "int"}
        ),
        "events": _source("auto", "events/"),
    }
    run = ingest.run(local_context(spark, lake, _config(sources), "ingestion"))
    results = {r["source"]: r for r in run["sources"]}
    orders, events = results["orders"], results["events"]
    assert (orders["rows_written"], orders["rows_quarantined"]) == (2, 1)
    assert orders["blank_lines_skipped"] == 4
    lines = text.removesuffix("\n").split("\n")  # not splitlines(): \x0b is no line end here
    assert 1 + orders["rows_in"] + orders["blank_lines_skipped"] == len(lines)
    assert (events["rows_in"], events["blank_lines_skipped"]) == (3, 2)
    assert events["rows_quarantined"] == 1
    notices = (lake / "_notifications.jsonl").read_text()
    assert "4 whitespace-only line(s) in the files of source 'orders'" in notices


def test_copies_are_told_apart_by_content_in_key_order():
    from pipegen_runtime.ingest import split_copies
    from pipegen_runtime.storage import ObjectInfo

    arrived = [
        ObjectInfo("in/b.csv", 1, "h1"),
        ObjectInfo("in/a.csv", 1, "h1"),
        ObjectInfo("in/c.csv", 1, "h2"),
    ]
    pending, copies = split_copies(arrived, {"in/old.csv#h2"})
    assert [o.key for o in pending] == ["in/a.csv"]
    assert [o.key for o in copies] == ["in/b.csv", "in/c.csv"]


def avro_file(rows) -> bytes:
    """A minimal Avro object container (null codec), written independently of the reader."""
    schema = {
        "type": "record",
        "name": "r",
        "fields": [
            {"name": "Id", "type": "int"},
            {"name": "Name", "type": "string"},
            {"name": "Amount", "type": ["null", "double"]},
        ],
    }

    def long(n):
        n = (n << 1) ^ (n >> 63)
        out = bytearray()
        while n & ~0x7F:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        return bytes(out + bytes([n]))

    def string(s):
        data = s.encode() if isinstance(s, str) else s
        return long(len(data)) + data

    import struct

    body = b"".join(
        long(i) + string(n) + (long(0) if a is None else long(1) + struct.pack("<d", a))
        for i, n, a in rows
    )
    sync = b"0123456789abcdef"
    meta = long(1) + string("avro.schema") + string(json.dumps(schema)) + long(0)
    return b"Obj\x01" + meta + sync + long(len(rows)) + string(body) + sync
