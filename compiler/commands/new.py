"""`pipegen new NAME --from FILE`: a starter spec inferred from a sample file.

Reads the sample (CSV, JSON, JSON lines with the standard library; Parquet through Spark),
infers each column's type, cleans column names the way ingestion does, proposes a partition
column (the first timestamp or date), keys (columns unique in the sample) and starter quality
rules, and writes a commented spec that compiles and runs on that very file as it is.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import math
import os
import re
import shlex
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from pipegen_runtime.columns import clean_names

from .common import EXIT_OK, UsageError

MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
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
# (Python strptime format, Spark date format) for the dates written other than ISO 8601, in the
# order tried: a US month-first date is taken as such unless a day over 12 says otherwise.
DATES = (
    ("%Y/%m/%d", "yyyy/M/d"),
    ("%m/%d/%Y", "M/d/yyyy"),
    ("%d/%m/%Y", "d/M/yyyy"),
    ("%d.%m.%Y", "d.M.yyyy"),
    ("%b %d %Y", "MMM d yyyy"),
    ("%d %b %Y", "d MMM yyyy"),
)
_KEY_NAME = re.compile(r"(?:^|_)(?:id|key|uuid|guid|code|sku|num|no|number)$|num$|[a-z]{3,}id$")
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
    date_format: str | None = None  # None for ISO dates, which Spark reads without one


@dataclass
class Sample:
    format: str
    rows: int
    columns: list[Column]
    null_tokens: list[str]
    extension: str
    encoding: str = "utf-8"


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
    if len(header) > MAX_COLUMNS:
        raise SampleError(
            f"{path.name}: {len(header):,} columns; pipegen new infers at most {MAX_COLUMNS:,} "
            "(write the schema by hand, or select the columns you need first)"
        )
    names = clean_names(header)
    columns = [Column(raw, name) for raw, name in zip(header, names, strict=True)]
    seen_tokens: set[str] = set()
    for column in columns:
        raw = [row.get(column.raw) for row in rows]
        _infer(column, raw, seen_tokens, textual=kind == "csv")
    encoding = (
        "utf-16" if path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8"
    )
    return Sample(kind, len(rows), columns, sorted(seen_tokens), path.suffix.lower(), encoding)


def sample_text(path: Path) -> str:
    """The sample's text: UTF-8 (with or without BOM) or UTF-16 with its BOM; a binary file or
    another encoding is a clear error, never garbage column names."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise SampleError(f"{path.name}: starts like UTF-16 but is not valid UTF-16") from None
    if b"\0" in raw[:8192]:
        raise SampleError(f"{path.name}: binary data, not a text {path.suffix} file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SampleError(
            f"{path.name}: not UTF-8 (byte {exc.start:,}); save it as UTF-8 and try again"
        ) from None


def _csv_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    text = sample_text(path)
    reader = csv.DictReader(io.StringIO(text))
    rows = [row for _, row in zip(range(MAX_ROWS), reader, strict=False)]
    return list(reader.fieldnames or []), rows


def _json_rows(path: Path, kind: str) -> tuple[list[str], list[dict[str, Any]]]:
    text = sample_text(path)
    try:
        if kind == "json" and text.lstrip().startswith("["):
            records = json.loads(text)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise SampleError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SampleError(f"{path.name}: JSON nested too deeply to read") from None
    records = [r for r in records[:MAX_ROWS] if isinstance(r, dict)]
    header = list(dict.fromkeys(k for r in records for k in r))
    return header, records


def _parquet_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SampleError(
            "reading Parquet needs Spark: pip install 'pipegen-glue[local]'"
        ) from None
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
    column.type, column.values, spark_format = _type_of(values)
    if column.type == "date":
        column.date_format = spark_format
    else:
        column.timestamp_format = spark_format


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


def _dates(values: list[str], python_format: str) -> list[date] | None:
    try:
        return [datetime.strptime(v.strip(), python_format).date() for v in values]
    except ValueError:
        return None


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
        return "date", [date.fromisoformat(v) for v in values], None
    for python_format, spark_format in DATES:
        parsed = _dates(values, python_format)
        if parsed is not None:
            return "date", parsed, spark_format
    for pattern, spark_format in TIMESTAMPS:
        if all(pattern.match(v) for v in values):
            return "timestamp", values, spark_format
    return "string", values, None


def propose_keys(sample: Sample) -> list[str]:
    """The first column, or pair of columns, unique and never null in the sample; columns
    named like keys are tried first."""
    candidates = [c for c in sample.columns if c.nulls == 0 and c.type != "double" and c.values]
    candidates.sort(key=lambda c: not is_named_like_a_key(c.name))
    for column in candidates:
        if len(set(column.values)) == sample.rows:
            return [column.name]
    for left, right in combinations(candidates, 2):
        if len(set(zip(left.values, right.values, strict=True))) == sample.rows:
            return [left.name, right.name]
    return []


def is_named_like_a_key(name: str) -> bool:
    """`id`, `order_id`, `sku`, `tailnum`...: a column meant to identify a row. Uniqueness in a
    sample alone proves nothing (`first_name` was unique in 63 rows); a key that is wrong makes
    `dedupe` drop real rows later, so only a key-like name makes the proposal active."""
    return bool(_KEY_NAME.search(name))


def write_spec(name: str, source_file: Path, folder: Path) -> Path:
    """Writes the spec only if it compiles; never over an existing file."""
    from ..pipeline import plan_all

    target = folder / f"{name}.yaml"
    if target.exists():
        raise FileExistsError(f"{target} exists; pipegen new never overwrites a spec")
    text = render(name, source_file, read_sample(source_file))
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".yaml", delete=False) as draft:
        draft.write(text)
    try:
        plan_all(Path(draft.name), f"{target} (not written)")
        os.link(draft.name, target)  # fails if the target appeared meanwhile
    except FileExistsError:
        raise FileExistsError(f"{target} exists; pipegen new never overwrites a spec") from None
    finally:
        os.unlink(draft.name)
    return target


def render(name: str, source_file: Path, sample: Sample) -> str:
    """The spec's text. Every value taken from the sample (names, tokens, values, the file's
    name) goes through the YAML emitter or `_comment`: data, never YAML syntax."""
    source = name.replace("-", "_")
    table = f"{source}_clean"
    keys = propose_keys(sample)
    lines = [
        _comment(
            f"Written by `pipegen new {name} --from {source_file.name}` from {sample.rows:,} rows.",
            0,
        ),
        "# Every choice below is a proposal from that sample: read it, then edit freely.",
        "# yaml-language-server: $schema=../schema/pipegen-v1.schema.json",
        "apiVersion: pipegen/v1",
        f"pipeline: {name}",
        f"description: {_scalar(f'{source} data, from the sample {source_file.name}')}",
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
        f"    accept: {{extensions: [{_scalar(sample.extension)}]}}",
        "",
        "transforms:",
        f"  {table}:",
        f"    description: {_scalar(f'{source} as ingested')}",
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


def _scalar(value: Any) -> str:
    """One value as a YAML flow scalar, through the emitter."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=2**20)
    return text.removesuffix("\n").removesuffix("\n...").removesuffix("...").strip()


def _comment(text: str, indent: int) -> str:
    """A comment; what could end it (a line break of any kind) or hide in it is escaped."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return " " * indent + "# " + shown


def _read_options(sample: Sample) -> list[str]:
    if sample.format != "csv":
        return []
    options = {"header": True, "null_values": sorted(set(sample.null_tokens) | {""})}
    if sample.encoding != "utf-8":
        options["encoding"] = sample.encoding
    for option in ("timestamp_format", "date_format"):
        chosen = _first_format(sample, option)
        if chosen:
            options[option] = chosen
    note = "   # null markers seen in the sample" if sample.null_tokens else ""
    return [f"    read: {_scalar(options)}{note}"]


def _first_format(sample: Sample, option: str) -> str | None:
    formats = sorted({getattr(c, option) for c in sample.columns if getattr(c, option)})
    return formats[0] if formats else None


def _schema_lines(sample: Sample) -> list[str]:
    lines = []
    for column in sample.columns:
        lines.append(f"      {column.name}: {_effective_type(sample, column)}")
        if column.raw != column.name:
            lines[-1] += "   " + _comment(f"{column.raw!r} in the file", 0)
    return lines


def _effective_type(sample: Sample, column: Column) -> str:
    """A source reads one timestamp and one date format: a column written in another stays
    text rather than failing to parse (an ISO date too, once another date format is set)."""
    option = {"timestamp": "timestamp_format", "date": "date_format"}.get(column.type)
    if option is None:
        return column.type
    own = getattr(column, option)
    if sample.format == "csv":
        return column.type if own == _first_format(sample, option) else "string"
    # Other readers get no read options from `new`: only formats they read by default.
    if column.type == "timestamp":
        return "timestamp" if own in (None, _first_format(sample, option)) else "string"
    return "date" if own is None else "string"


def _partition_column(sample: Sample) -> Column | None:
    for kind in ("timestamp", "date"):
        for column in sample.columns:
            typed = _effective_type(sample, column) == kind
            if typed and column.nulls == 0 and column.values:
                return column
    return None


def _granularity(column: Column) -> str:
    """Day folders for up to two years of data, months up to twenty, else years: enough
    folders to prune by, few enough that each holds more than a handful of rows."""
    days = [v if isinstance(v, date) else _as_date(v) for v in column.values]
    known = [d for d in days if d is not None]
    span = (max(known) - min(known)).days if known else 0
    return "day" if span <= 2 * 366 else "month" if span <= 20 * 366 else "year"


def _as_date(value: Any) -> date | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _partition_lines(sample: Sample) -> list[str]:
    column = _partition_column(sample)
    if column is None:
        return ["    # no date or timestamp column without nulls: not partitioned"]
    granularity = _granularity(column)
    return [
        f"    partition_by: {{column: {column.name}, granularity: {granularity}}}"
        f"   # the first {column.type} column; {granularity} folders suit the sample's span"
    ]


def _steps(sample: Sample, keys: list[str]) -> list[str]:
    if keys and all(is_named_like_a_key(k) for k in keys):
        return [f"      - dedupe: {{keys: [{', '.join(keys)}]}}   # the proposed key"]
    lines = [
        f"      - select: [{', '.join(c.name for c in sample.columns)}]   # every column, as is"
    ]
    if keys:
        lines.append(
            f"      # - dedupe: {{keys: [{', '.join(keys)}]}}   # unique in this sample only: "
            "make it a step only if it is truly a key"
        )
    return lines


def _rules(sample: Sample, keys: list[str]) -> list[str]:
    rules = ["      - row_count: {min: 1}"]
    complete = [c.name for c in sample.columns if c.nulls == 0]
    if complete:
        rules.append(f"      - not_null: [{', '.join(complete)}]   # no nulls in the sample")
    if keys and all(is_named_like_a_key(k) for k in keys):
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
        rule = {"column": column.name, "values": distinct}
        return [f"      - in_set: {_scalar(rule)}   # every value seen"]
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
    from ..naming import Naming
    from ..spec.base import KEBAB

    if not re.match(KEBAB, args.name) or len(args.name) > 40:
        raise UsageError(f"'{args.name}' is not a pipeline name: lower kebab case, at most 40")
    if not args.sample.is_file():
        raise UsageError(f"no such sample file: {args.sample}")
    try:
        target = write_spec(args.name, args.sample, args.dir)
    except (FileExistsError, SampleError) as exc:
        raise UsageError(str(exc)) from None
    source = args.name.replace("-", "_")
    local = Path("lake") / f"{args.name}-dev" / "raw" / "incoming" / source
    print(f"wrote {target}. To run it here:")
    print(f"  mkdir -p {local} && cp {shlex.quote(str(args.sample))} {local}/")
    print(f"  pipegen run {target}")
    print("On AWS, after `pipegen deploy`, the file goes to the raw bucket:")
    print(
        f"  aws s3 cp {shlex.quote(str(args.sample))} "
        f"s3://{Naming(args.name, 'dev', 'REGION').bucket('raw').replace('${AWS::AccountId}', 'ACCOUNT')}"
        f"/incoming/{source}/"
    )
    return EXIT_OK
