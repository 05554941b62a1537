"""The landing check: the same code the local runner uses and the landing function will use."""

from __future__ import annotations

import gzip

import pytest

from helpers import landing_rules
from pipegen_runtime.landing import check_file, detect_format, sniff, source_for_key

CSV = landing_rules(
    {
        "format": "csv",
        "landing": "in/flights/",
        "accept": {"max_size_mb": 1, "name_pattern": r"^flights.*\.csv$", "extensions": [".csv"]},
    }
)


@pytest.mark.parametrize(
    ("key", "size", "head", "reason"),
    [
        ("in/flights/flights_1.csv", 2 * 1024 * 1024, b"a,b\n", "the limit is 1 MB"),
        ("in/flights/flights_1.csv", 0, b"", "empty file"),
        ("in/flights/flights_1.txt", 10, b"a,b\n", "extension of 'flights_1.txt'"),
        ("in/flights/other.csv", 10, b"a,b\n", "does not match"),
        ("in/flights/flights_1.csv", 10, b"PAR1\x00\x00", "content looks like parquet"),
        ("in/flights/flights_1.csv", 10, b"\x00\x01\x02", "content looks like binary"),
    ],
)
def test_rejections_say_why(key, size, head, reason):
    verdict = check_file(key, size, head, CSV)
    assert not verdict.accepted
    assert reason in verdict.reason


def test_a_good_file_is_accepted():
    assert check_file("in/flights/flights_2013.csv", 100, b"year,month\n2013,1\n", CSV).accepted


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PAR1", "parquet"),
        (b"ORC", "orc"),
        (b"Obj\x01", "avro"),
        (b"\x1f\x8b", "gzip"),
        (b'  {"a": 1}', "json"),
        (b"[1, 2]", "json"),
        (b"a,b\n1,2", "text"),
        (b"\x00", "binary"),
    ],
)
def test_sniff(head, kind):
    assert sniff(head) == kind


def test_auto_format_and_source_lookup():
    assert detect_format("x.jsonl", b'{"a": 1}\n{"a": 2}\n') == "jsonl"
    assert detect_format("x.json", b'[{"a": 1}]') == "json"
    assert detect_format("x.data", b"a,b\n") == "csv"
    sources = {
        "flights": landing_rules({"format": "csv", "landing": "in/flights/"}),
        "planes": landing_rules({"format": "csv", "landing": "in/planes/"}),
    }
    assert source_for_key("in/planes/p.csv", sources) == "planes"
    assert source_for_key("in/other/p.csv", sources) is None


GZ = landing_rules({"format": "csv", "landing": "in/flights/"})


@pytest.mark.parametrize(
    ("key", "content", "verdict"),
    [
        ("in/flights/f.csv.gz", gzip.compress(b"year,month\n2013,1\n" * 500, mtime=0), ""),
        (
            "in/flights/f.csv.gz",
            gzip.compress(b"PAR1\x00\x00" * 100, mtime=0),
            "looks like parquet",
        ),
        ("in/flights/f.csv.gz", b"\x1f\x8b" + b"\x00" * 50, "corrupt gzip"),
        ("in/flights/f.csv", gzip.compress(b"a,b\n1,2\n", mtime=0), "gzip without a .gz name"),
    ],
)
def test_gzip_is_judged_by_its_content(key, content, verdict):
    """A `.csv.gz` once passed on its magic bytes alone; now its content must be CSV."""
    result = check_file(key, len(content), content[:4096], GZ)
    assert result.accepted == (verdict == "") and verdict in result.reason


def test_auto_sees_through_gzip():
    assert detect_format("x.jsonl.gz", gzip.compress(b'{"a": 1}\n{"a": 2}\n')) == "jsonl"
