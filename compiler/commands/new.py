"""`pipegen new NAME --from FILE`: a starter spec inferred from a sample file.

Reads the sample (CSV, JSON, JSON lines with the standard library; Parquet through Spark),
infers each column's type, cleans column names the way ingestion does, proposes a partition
column (the first timestamp or date), keys (columns unique in the sample) and starter quality
rules, and writes a commented spec that compiles and runs on that very file as it is.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from pipegen_runtime.columns import clean_names

from .common import EXIT_OK, UsageError, plans_for

MAX_ROWS = 200_000
NULL_TOKENS = ("", "NA", "N/A", "NULL", "null", "None", "NaN")
LOW_CARDINALITY = 12
INT32 = 2**31
_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# (pattern, Spark timestamp format) for the timestamp shapes pipegen recognises.
TIMESTAMPS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"), "yyyy-MM-dd'T'HH:mm:ssX"),
    (
        re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"),
        "yyyy-MM-dd'T'HH:mm:ssXXX",
    ),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"), "yyyy-MM-dd'T'HH:mm:ss"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"), "yyyy-MM-dd HH:mm:ss"),
)
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


class SampleError(Exception):
    """The sample cannot be read or gives nothing to infer from."""


@dataclass
class Column:
    raw: str
    name: str
    type: str = "string"
    nulls: int = 0
    values: list[Any] = field(default_factory=list)
    timestamp_format: str | None = None


@dataclass
class Sample:
    format: str
    rows: int
    columns: list[Column]
    null_tokens: list[str]
    extension: str


def read_sample(path: Path) -> Sample:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SampleError(f"{path.name}: unknown file type; use .csv, .json, .jsonl or .parquet")
    if kind == "csv":
        header, rows = _csv_rows(path)
    elif kind == "parquet":
        header, rows = _parquet_rows(path)
    else:
        header, rows = _json_rows(path, kind)
    if not header or not rows:
        raise SampleError(f"{path.name}: no rows to infer a schema from")
    names = clean_names(header)
    columns = [Column(raw, name) for raw, name in zip(header, names, strict=True)]
    seen_tokens: set[str] = set()
    for column in columns:
        raw = [row.get(column.raw) for row in rows]
        _infer(column, raw, seen_tokens, textual=kind == "csv")
    return Sample(kind, len(rows), columns, sorted(seen_tokens), path.suffix.lower())


def _csv_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    rows = [row for _, row in zip(range(MAX_ROWS), reader, strict=False)]
    return list(reader.fieldnames or []), rows


def _json_rows(path: Path, kind: str) -> tuple[list[str], list[dict[str, Any]]]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        if kind == "json" and text.lstrip().startswith("["):
            records = json.loads(text)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise SampleError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    records = [r for r in records[:MAX_ROWS] if isinstance(r, dict)]
    header = list(dict.fromkeys(k for r in records for k in r))
    return header, records


def _parquet_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SampleError("reading Parquet needs Spark: pip install 'pipegen[local]'") from None
    spark = (
        SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    )
    frame = spark.read.parquet(str(path))
    rows = [r.asDict() for r in frame.limit(MAX_ROWS).collect()]
    return frame.columns, rows


def _infer(column: Column, raw: list[Any], tokens: set[str], textual: bool) -> None:
    values = []
    for value in raw:
        if value is None or (textual and value in NULL_TOKENS):
            column.nulls += 1
            if isinstance(value, str):
                tokens.add(value)
            continue
        values.append(value)
    column.type, column.values, column.timestamp_format = _type_of(values)


def _type_of(values: list[Any]) -> tuple[str, list[Any], str | None]:
    if not values:
        return "string", [], None
    if all(isinstance(v, bool) for v in values):
        return "boolean", values, None
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return _int_type(values), values, None
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "double", [float(v) for v in values], None
    if all(isinstance(v, datetime) for v in values):
        return "timestamp", values, None
    if all(isinstance(v, date) for v in values):
        return "date", values, None
    if not all(isinstance(v, str) for v in values):
        return "string", [str(v) for v in values], None
    return _text_type(values)


def _int_type(values: list[int]) -> str:
    return "int" if all(-INT32 <= v < INT32 for v in values) else "bigint"


def _text_type(values: list[str]) -> tuple[str, list[Any], str | None]:
    if all(_INT.match(v) for v in values):
        numbers = [int(v) for v in values]
        return _int_type(numbers), numbers, None
    if all(_FLOAT.match(v) for v in values):
        return "double", [float(v) for v in values], None
    if all(v.lower() in ("true", "false") for v in values):
        return "boolean", [v.lower() == "true" for v in values], None
    if all(_DATE.match(v) for v in values):
        return "date", values, None
    for pattern, spark_format in TIMESTAMPS:
        if all(pattern.match(v) for v in values):
            return "timestamp", values, spark_format
    return "string", values, None


def propose_keys(sample: Sample) -> list[str]:
    """The first column, or pair of columns, unique and never null in the sample."""
    candidates = [c for c in sample.columns if c.nulls == 0 and c.type != "double" and c.values]
    for column in candidates:
        if len(set(column.values)) == sample.rows:
            return [column.name]
    for left, right in combinations(candidates, 2):
        if len(set(zip(left.values, right.values, strict=True))) == sample.rows:
            return [left.name, right.name]
    return []


def write_spec(name: str, source_file: Path, folder: Path) -> Path:
    target = folder / f"{name}.yaml"
    if target.exists():
        raise FileExistsError(f"{target} exists; pipegen new never overwrites a spec")
    sample = read_sample(source_file)
    text = render(name, source_file, sample)
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return target


def render(name: str, source_file: Path, sample: Sample) -> str:
    source = name.replace("-", "_")
    table = f"{source}_clean"
    keys = propose_keys(sample)
    lines = [
        f"# Written by `pipegen new {name} --from {source_file.name}` from {sample.rows:,} rows.",
        "# Every choice below is a proposal from that sample: read it, then edit freely.",
        "apiVersion: pipegen/v1",
        f"pipeline: {name}",
        f"description: {json.dumps(f'{source} data, from the sample {source_file.name}')}",
        "owner: data-team@example.com                 # who answers for this pipeline",
        "",
        "sources:",
        f"  {source}:",
        f"    format: {sample.format}",
        f"    landing: incoming/{source}/              # copy new files here (raw bucket or local lake)",
        *_read_options(sample),
        "    schema:                                  # inferred from the sample",
        *_schema_lines(sample),
        *_partition_lines(sample),
        f"    accept: {{extensions: [{sample.extension}]}}",
        "",
        "transforms:",
        f"  {table}:",
        f"    description: {json.dumps(f'{source} as ingested, one row per key')}",
        f"    from: {source}",
        "    steps:",
        *_steps(sample, keys),
        "",
        "quality:",
        "  tables:",
        f"    {table}:",
        *_rules(sample, keys),
        "",
    ]
    return "\n".join(lines)


def _read_options(sample: Sample) -> list[str]:
    if sample.format != "csv":
        return []
    options = ["header: true"]
    tokens = sorted(set(sample.null_tokens) | {""})
    options.append(f"null_values: [{', '.join(json.dumps(t) for t in tokens)}]")
    formats = sorted({c.timestamp_format for c in sample.columns if c.timestamp_format})
    if formats:
        options.append(f"timestamp_format: {json.dumps(formats[0])}")
    note = "   # null markers seen in the sample" if sample.null_tokens else ""
    return [f"    read: {{{', '.join(options)}}}{note}"]


def _schema_lines(sample: Sample) -> list[str]:
    formats = sorted({c.timestamp_format for c in sample.columns if c.timestamp_format})
    lines = []
    for column in sample.columns:
        kind = column.type
        # One timestamp format per source: a second one stays text rather than failing to parse.
        if kind == "timestamp" and column.timestamp_format not in (None, *formats[:1]):
            kind = "string"
        renamed = f"   # '{column.raw}' in the file" if column.raw != column.name else ""
        lines.append(f"      {column.name}: {kind}{renamed}")
    return lines


def _partition_column(sample: Sample) -> Column | None:
    for kind in ("timestamp", "date"):
        for column in sample.columns:
            if column.type == kind and column.nulls == 0:
                return column
    return None


def _partition_lines(sample: Sample) -> list[str]:
    column = _partition_column(sample)
    if column is None:
        return ["    # no date or timestamp column without nulls: not partitioned"]
    return [
        f"    partition_by: {{column: {column.name}, granularity: day}}   # the first {column.type} column"
    ]


def _steps(sample: Sample, keys: list[str]) -> list[str]:
    if keys:
        return [
            f"      - dedupe: {{keys: [{', '.join(keys)}]}}   # unique in the sample: the proposed key"
        ]
    names = ", ".join(c.name for c in sample.columns)
    return [f"      - select: [{names}]   # no key found in the sample: every column, as is"]


def _rules(sample: Sample, keys: list[str]) -> list[str]:
    rules = ["      - row_count: {min: 1}"]
    complete = [c.name for c in sample.columns if c.nulls == 0]
    if complete:
        rules.append(f"      - not_null: [{', '.join(complete)}]   # no nulls in the sample")
    if keys:
        rules.append(f"      - unique: [{', '.join(keys)}]   # the proposed key")
    for column in sample.columns:
        rules += _column_rules(column, sample.rows)
    return rules


def _column_rules(column: Column, rows: int) -> list[str]:
    distinct = sorted(set(column.values), key=str)
    if (
        column.type == "string"
        and 1 < len(distinct) <= LOW_CARDINALITY
        and rows >= 2 * len(distinct)
    ):
        values = ", ".join(json.dumps(v) for v in distinct)
        return [
            f"      - in_set: {{column: {column.name}, values: [{values}]}}   # every value seen"
        ]
    if column.type in ("int", "bigint", "double") and len(distinct) > 1:
        low, high = min(column.values), max(column.values)
        margin = (high - low) * 0.1
        # Never below zero for a column that never was (counts, sizes, years).
        low, high = (low - margin if low < 0 else max(0, low - margin)), high + margin
        if column.type != "double":
            low, high = math.floor(low), math.ceil(high)
        else:
            low, high = round(low, 6), round(high, 6)
        return [
            f"      - range: {{column: {column.name}, min: {low}, max: {high}, severity: warn}}"
            "   # observed range + 10%"
        ]
    return []


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("new", help="write a starter spec inferred from a sample file")
    command.add_argument("name", help="pipeline name (lower kebab case)")
    command.add_argument("--from", dest="sample", type=Path, required=True, metavar="FILE")
    command.add_argument("--dir", type=Path, default=Path("specs"), help="where to write (specs/)")
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..diagnostics import CompileError
    from ..spec.base import KEBAB

    if not re.match(KEBAB, args.name) or len(args.name) > 40:
        raise UsageError(f"'{args.name}' is not a pipeline name: lower kebab case, at most 40")
    if not args.sample.is_file():
        raise UsageError(f"no such sample file: {args.sample}")
    try:
        target = write_spec(args.name, args.sample, args.dir)
    except (FileExistsError, SampleError) as exc:
        raise UsageError(str(exc)) from None
    try:
        plans_for([target])
    except CompileError:
        target.unlink()
        raise
    print(f"wrote {target}; try: pipegen run {target} (after copying the file to its landing)")
    return EXIT_OK
