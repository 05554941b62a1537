"""The quality report as a reader sees it: two `pipegen run`s of a spec whose rules fail and
whose source has rows to quarantine, then the second run's report rendered in a real headless
browser (Debian's chromium; `make browser` installs it). The page the browser built must show
no "None"/"nan", a chart per table with points and axes, failed-row tables equal to
report.json's and to the stored Parquet, the quarantine as ingestion counted it, and the
console's figures; it must link to the previous run and print."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SPEC = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
sources:
  orders:
    format: csv
    landing: incoming/orders/
    read: {header: true}
    schema: {order_id: int, customer: string, email: string, amount: double,
             ordered_at: timestamp}
transforms:
  order_lines:
    from: orders
    steps:
      - filter: "order_id IS NOT NULL"
quality:
  failed_rows_per_rule: 15
  tables:
    order_lines:
      - not_null: [customer]
      - range: {column: amount, min: 0, max: 1000, min_pct: 90, warn_pct: 99}
      - format: {column: email, format: email, severity: warn}
      - unique: [order_id]
      - row_count: {min: 1}
      - statistic: {column: amount, stat: mean, min: 1, max: 500}
  score: {fail_below: 80, warn_below: 95}
"""
HEADER = "order_id,customer,email,amount,ordered_at"


def _orders(first: int, count: int) -> list[str]:
    """Rows with a null customer every 37th, a bad email every 23rd, an amount over the range
    every 41st; ids overlap between the two drops (the unique rule fails on the second)."""
    lines = []
    for i in range(first, first + count):
        customer = "" if i % 37 == 0 else f"c{i % 50}"
        email = f"u{i}@example.com" if i % 23 else f"user{i}-at-example"
        amount = 5000.5 if i % 41 == 0 else round(1 + (i * 7919) % 900 + (i % 7) / 10, 2)
        lines.append(f"{i},{customer},{email},{amount},2026-11-2{i % 9} 10:00:00")
    return lines


def _run(spec: Path, lake: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipegen_compiler",
            "run",
            str(spec),
            *("--lake", str(lake)),
            *("--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    spec = root / "orders.yaml"
    spec.write_text(SPEC)
    landing = root / "lake" / "raw" / "incoming" / "orders"
    landing.mkdir(parents=True)
    drops = [
        [HEADER, *_orders(1, 400), "abc,c1,x@y.z,1.0,2026-11-20 10:00:00"],
        [
            HEADER,
            *_orders(380, 450),
            "401,c2,x@y.z,not-a-number,2026-11-20 10:00:00",
            "402,c3,x@y.z,3.0,yesterday",
        ],
    ]
    consoles = []
    for number, lines in enumerate(drops, 1):
        (landing / f"o{number}.csv").write_text("\n".join(lines) + "\n")
        result = _run(spec, root / "lake", root / "out")
        # A failing score alerts (on_failure: alert) and publishes: the run itself succeeds.
        assert result.returncode == 0, result.stdout + result.stderr
        consoles.append(result.stdout)
    reports = sorted(
        (root / "lake" / "curated" / "_quality" / "reports").glob("*/report.json"),
        key=lambda p: json.loads(p.read_text())["run_at"],
    )
    return root, consoles, [json.loads(p.read_text()) for p in reports], reports[-1].parent


@pytest.fixture(scope="module")
def browser():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "the report test needs Debian's chromium: run `make browser`"
    return found


def _chromium(browser: str, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    return subprocess.run(
        [browser, *flags, *args], capture_output=True, text=True, timeout=120, check=True
    )


class Page(HTMLParser):
    """The DOM chromium serialised: visible text, the charts and the failed-row tables."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.charts: list[dict] = []
        self.tables: dict[str, list[list[tuple[str, bool]]]] = {}
        self.links: list[str] = []
        self._skip = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._marked = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "title"):
            self._skip += 1
        if tag == "svg" and "chart" in attrs.get("class", ""):
            self.charts.append({"series": attrs["data-series"], "points": 0, "axes": 0, "ticks": 0})
        elif self.charts and tag == "circle" and attrs.get("class") == "point":
            self.charts[-1]["points"] += 1
        elif self.charts and tag == "line" and "axis" in attrs.get("class", "").split():
            self.charts[-1]["axes"] += 1
        elif self.charts and tag == "text" and attrs.get("class") == "tick":
            self.charts[-1]["ticks"] += 1
        if tag == "table" and "failed-rows-table" in attrs.get("class", ""):
            self._table = attrs["data-rule"]
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell, self._marked = [], "offending" in attrs.get("class", "")
        if tag == "a":
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self._skip -= 1
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append(("".join(self._cell).strip(), self._marked))
            self._cell = None

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def page(two_runs, browser):
    _, _, _, folder = two_runs
    dom = _chromium(browser, "--dump-dom", (folder / "report.html").as_uri()).stdout
    assert dom.lstrip().lower().startswith("<!doctype html>") and "</html>" in dom, dom[:200]
    parsed = Page()
    parsed.feed(dom)
    return parsed


def test_the_page_shows_no_none_or_nan(page):
    text = " ".join(page.text)
    assert not re.search(r"\bNone\b|\b[Nn]a[Nn]\b", text), text
    assert "Why fail" in text and "Since the last run" in text


def test_every_chart_has_its_points_and_both_axes(page, two_runs):
    _, _, reports, _ = two_runs
    assert [c["series"] for c in page.charts] == ["score", "rows"]
    for chart in page.charts:
        assert chart["points"] == len(reports) == 2, chart
        assert chart["axes"] == 2 and chart["ticks"] >= 5 + 2, chart


def test_failed_row_tables_are_report_json_and_the_stored_rows(page, two_runs, spark):
    _, _, reports, _ = two_runs
    rules = reports[-1]["tables"]["order_lines"]["rules"]
    shown = {r["rule_id"]: r for r in rules if r["samples"]}
    assert set(page.tables) == set(shown) and len(shown) == 4  # not_null, range, format, unique
    for rule_id, rule in shown.items():
        header, *rows = page.tables[rule_id]
        columns = [text for text, _ in header[1:]]
        assert header[0][0] == "reason" and sorted(columns) == sorted(rule["samples"][0]["row"])
        assert len(rows) == len(rule["samples"])
        for cells, sample in zip(rows, rule["samples"], strict=True):
            expected = [sample["reason"]] + [
                "null" if sample["row"][c] is None else sample["row"][c] for c in columns
            ]
            assert [text for text, _ in cells] == expected
            marked = [c for c, (_, is_marked) in zip(columns, cells[1:], strict=True) if is_marked]
            assert marked == [c.strip() for c in sample["column"].split(",") if c.strip()]
        stored = spark.read.parquet(rule["failed_rows"]["location"])
        this_run = stored.filter(stored.pipegen_batch == reports[-1]["batch_id"]).count()
        assert this_run == rule["failed_rows"]["stored"] == min(rule["failed"], 15)
    assert reports[-1]["failed_rows_stored"] == sum(
        r["failed_rows"]["stored"] for r in shown.values()
    )


def test_quarantine_counts_and_reasons_are_ingestions(page, two_runs):
    _, consoles, reports, _ = two_runs
    quarantine = reports[-1]["quarantine"]["orders"]
    assert (quarantine["rows_in"], quarantine["rows_quarantined"]) == (452, 2)
    assert sorted(r["reason"] for r in quarantine["reasons"]) == [
        "amount: not a valid double",
        "ordered_at: not a valid timestamp",
    ]
    assert "orders                    1         452         450            2" in consoles[-1]
    assert "orders: 2 of 452 rows quarantined" in " ".join(page.text)


def test_console_and_report_agree(two_runs):
    _, consoles, reports, _ = two_runs
    for console, report in zip(consoles, reports, strict=True):
        table = report["tables"]["order_lines"]
        score = f"{table['score']:.2f}".rstrip("0").rstrip(".")
        assert re.search(rf"order_lines +[\d,]+ +{table['rows']:,} +{score}  fail", console), (
            console
        )
        assert f"{report['failed_rows_stored']} failed row(s) stored" in console


def test_the_second_report_says_what_changed_and_links_the_first(page, two_runs):
    _, _, reports, folder = two_runs
    first, second = reports
    assert second["previous_batch"] == first["batch_id"]
    assert any("pass -> fail" in c and "03_unique_order_id" in c for c in second["changes"])
    assert f"../{first['batch_id']}/report.html" in page.links
    assert (folder / ".." / first["batch_id"] / "report.html").resolve().is_file()
    index = (folder.parent / "index.html").read_text()
    assert all(f'href="{r["batch_id"]}/report.html"' in index for r in reports)


def test_the_report_renders_and_prints(two_runs, browser, tmp_path):
    _, _, _, folder = two_runs
    shot, pdf = tmp_path / "report.png", tmp_path / "report.pdf"
    url = (folder / "report.html").as_uri()
    _chromium(browser, "--window-size=1280,2400", f"--screenshot={shot}", url)
    _chromium(browser, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 1 <= pages <= 12, pages
