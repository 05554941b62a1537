"""Reading arrived files into one raw DataFrame per source batch.

Text formats (CSV, JSON, JSON lines) are read as strings with Spark's PERMISSIVE mode and a
corrupt-record column, so that the schema is applied afterwards by `schema.apply_schema`, where
every failed conversion becomes a quarantine reason instead of a silent null. Never
DROPMALFORMED or FAILFAST: the first loses rows, the second loses the batch.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .columns import clean_names
from .landing import detect_format, plain_head
from .storage import ObjectInfo

if TYPE_CHECKING:
    from .context import Context
    from .stage_config import ReadOptions, SourceConfig

CORRUPT = "_corrupt_record"
SOURCE_FILE = "_source_file"
TEXT_FORMATS = ("csv", "json", "jsonl")
LINE_FORMATS = ("csv", "jsonl")
HEAD_BYTES = 65536
# Spark's own CSV options, for a spec that leaves them unset: Spark reads with them, and the
# header line is parsed here with the same ones.
SPARK_CSV = {"sep": ",", "quote": '"', "escape": "\\"}


@dataclass(frozen=True)
class Layout:
    """Files of one concrete format (and CSV header) as they are stored: the columns as a
    reader of the raw files names them (CSV by position, cleaned; the others by the files'
    own names) with their types as stored (text formats: strings)."""

    fmt: str
    columns: tuple[tuple[str, str], ...]
    objects: tuple[ObjectInfo, ...]


@dataclass
class RawFrame:
    """Columns: cleaned data columns, `_corrupt_record`, `_source_file` (the object key)."""

    frame: Any
    text: bool
    mapping: dict[str, str]
    # The files read line by line (CSV, JSON lines) by format, where Spark skips blank lines.
    line_files: dict[str, list[ObjectInfo]] = field(default_factory=dict)
    # As stored, per group of files read together (what the raw zone's table describes).
    stored_columns: tuple[tuple[str, str], ...] = ()
    layouts: list[Layout] = field(default_factory=list)

    @property
    def data_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c not in (CORRUPT, SOURCE_FILE)]


def read_objects(ctx: Context, source: SourceConfig, objects: list[ObjectInfo]) -> RawFrame:
    """All of a batch's files as one frame, grouped by concrete format (and CSV header)."""
    groups: dict[tuple, list[ObjectInfo]] = defaultdict(list)
    for obj in objects:
        head = ctx.storage.read_bytes("raw", obj.key, HEAD_BYTES)
        fmt = source.format
        if fmt == "auto":
            fmt = detect_format(obj.key, head) or "csv"
        header = tuple(_csv_header(head, source.read)) if fmt == "csv" else ()
        groups[(fmt, header)].append(obj)
    ordered = sorted(groups.items())
    frames = [_read_group(ctx, source, fmt, list(header), objs) for (fmt, header), objs in ordered]
    raw = _union(frames)
    raw.layouts = [
        Layout(fmt, part.stored_columns, tuple(objs))
        for ((fmt, _), objs), part in zip(ordered, frames, strict=True)
    ]
    for (fmt, _), objs in groups.items():
        if fmt in LINE_FORMATS:
            raw.line_files.setdefault(fmt, []).extend(objs)
    return raw


def _csv_header(head: bytes, read: ReadOptions) -> list[str]:
    encoding = {"latin-1": "latin-1", "utf-16": "utf-16"}.get(read.encoding, "utf-8-sig")
    first = plain_head(head).decode(encoding, errors="replace").splitlines()[:1] or [""]
    row = next(
        csv.reader(
            io.StringIO(first[0]),
            delimiter=read.delimiter or SPARK_CSV["sep"],
            quotechar=read.quote or SPARK_CSV["quote"],
        ),
        [],
    )
    if read.header:
        return row
    return [f"column_{i + 1}" for i in range(len(row))]


def _read_group(
    ctx: Context, source: SourceConfig, fmt: str, header: list[str], objects: list[ObjectInfo]
) -> RawFrame:
    uris = [ctx.storage.uri("raw", o.key) for o in objects]
    if fmt == "csv":
        return _read_csv(ctx, source.read, header, uris)
    if fmt in ("json", "jsonl"):
        return _read_json(ctx, source.read, fmt, uris)
    if fmt == "avro" and ctx.home == "local":
        return _read_avro_locally(ctx, objects)
    reader = ctx.spark.read
    if fmt == "parquet":
        reader = reader.option("mergeSchema", "true")
    frame = reader.format(fmt).load(uris)
    return _finish(ctx, frame, list(frame.columns), text=False)


def _text_options(read: ReadOptions) -> dict[str, str]:
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}
    if read.multiline is not None:
        options["multiLine"] = str(read.multiline).lower()
    if read.encoding:
        options["encoding"] = read.encoding
    return options


def _read_csv(ctx: Context, read: ReadOptions, header: list[str], uris: list[str]) -> RawFrame:
    from pyspark.sql.types import StringType, StructField, StructType

    placeholders = [f"_c{i}" for i in range(len(header))]
    schema = StructType([StructField(p, StringType()) for p in [*placeholders, CORRUPT]])
    options = {
        **_text_options(read),
        "header": "true" if read.header else "false",
        "sep": read.delimiter or SPARK_CSV["sep"],
        "quote": read.quote or SPARK_CSV["quote"],
        "escape": read.escape or SPARK_CSV["escape"],
    }
    frame = ctx.spark.read.schema(schema).options(**options).csv(uris)
    return _finish(ctx, frame, header, text=True, by_position=True)


def _read_json(ctx: Context, read: ReadOptions, fmt: str, uris: list[str]) -> RawFrame:
    options = {**_text_options(read), "primitivesAsString": "true"}
    options.setdefault("multiLine", "true" if fmt == "json" else "false")
    frame = ctx.spark.read.options(**options).json(uris)
    raw = [c for c in frame.columns if c != CORRUPT]
    return _finish(ctx, frame, raw, text=True)


def _read_avro_locally(ctx: Context, objects: list[ObjectInfo]) -> RawFrame:
    from .avro import read_container, spark_type

    rows, fields = [], None
    for obj in objects:
        schema, records = read_container(ctx.storage.read_bytes("raw", obj.key))
        fields = fields or [(f["name"], spark_type(f["type"])) for f in schema["fields"]]
        rows += [(*[r.get(name) for name, _ in fields], None, obj.key) for r in records]
    names = [name for name, _ in fields or []]
    ddl = ", ".join(
        [*(f"`{n}` {t}" for n, t in fields or []), f"{CORRUPT} string", f"{SOURCE_FILE} string"]
    )
    frame = ctx.spark.createDataFrame(rows, ddl)
    stored = tuple((name, _hive_type(t)) for name, t in fields or [])
    cleaned = clean_names(names)
    frame = frame.toDF(*cleaned, CORRUPT, SOURCE_FILE)
    return RawFrame(frame, False, dict(zip(names, cleaned, strict=True)), stored_columns=stored)


def _finish(
    ctx: Context, frame: Any, raw_names: list[str], text: bool, by_position: bool = False
) -> RawFrame:
    """Rename by position (raw names may hold dots, backticks or duplicates); add the key."""
    from pyspark.sql import functions as F

    stored = _stored_columns(frame, raw_names, by_position)
    cleaned = iter(clean_names(raw_names))
    frame = frame.toDF(*[c if c == CORRUPT else next(cleaned) for c in frame.columns])
    if CORRUPT not in frame.columns:
        frame = frame.withColumn(CORRUPT, F.lit(None).cast("string"))
    frame = with_source_file(ctx, frame)
    mapping = dict(zip(raw_names, clean_names(raw_names), strict=True))
    return RawFrame(frame, text, mapping, stored_columns=stored)


def _stored_columns(
    frame: Any, raw_names: list[str], by_position: bool
) -> tuple[tuple[str, str], ...]:
    """CSV columns are matched by position, so they take the cleaned names (as text); the
    other formats are matched by name, so they keep the files' own."""
    if by_position:
        return tuple((name, "string") for name in clean_names(raw_names))
    types = [t for c, t in frame.dtypes if c != CORRUPT]
    return tuple((name, _hive_type(kind)) for name, kind in zip(raw_names, types, strict=True))


def _hive_type(spark_type: str) -> str:
    """Spark SQL's type names are Hive's, but for the timestamp without a time zone."""
    return spark_type.replace("timestamp_ntz", "timestamp")


# What makes a line blank to each reader: the CSV reader skips a line that Java's
# String.trim() empties (every character up to U+0020); JSON lines skips only JSON's whitespace,
# and a line of other control characters is a corrupt record there.
BLANK_CHARACTERS = {"csv": "".join(map(chr, range(0x21))), "jsonl": " \t\r\n"}


def with_source_file(ctx: Context, frame: Any) -> Any:
    """The frame with `_source_file`: the object key each row was read from."""
    from pyspark.sql import functions as F

    prefix = ctx.storage.uri("raw", "")
    # Spark gives the file as a URI (`day%201.csv`); the column holds the object's key as the
    # landing check and the bookmarks know it. A '+' is kept: URLDecoder would make it a space.
    path = F.expr("url_decode(replace(input_file_name(), '+', '%2B'))")
    return frame.withColumn(
        SOURCE_FILE,
        F.when(path.startswith(prefix), path.substr(len(prefix) + 1, 1 << 30)).otherwise(path),
    )


def blank_lines(ctx: Context, raw: RawFrame, read: ReadOptions) -> dict[str, int]:
    """Whitespace-only lines per file read line by line: Spark's readers skip them, so they are
    neither rows nor quarantined; counted, a file's lines add up. One plain line scan. Not for
    a multi-line CSV (a blank line may be data in a quoted field) or UTF-16 (the line reader is
    UTF-8)."""
    from pyspark.sql import functions as F

    if not raw.line_files or read.multiline or read.encoding == "utf-16":
        return {}
    found: dict[str, int] = {}
    for fmt, objects in sorted(raw.line_files.items()):
        lines = ctx.spark.read.text([ctx.storage.uri("raw", o.key) for o in objects])
        # No regex, and the file's name only for the blank lines: filter first (Spark keeps a
        # filter above the nondeterministic input_file_name()).
        blank = lines.filter(F.btrim(F.col("value"), F.lit(BLANK_CHARACTERS[fmt])) == "")
        counted = with_source_file(ctx, blank).groupBy(SOURCE_FILE).count()
        found.update({r[SOURCE_FILE]: r["count"] for r in counted.collect()})
    return found


def _union(frames: list[RawFrame]) -> RawFrame:
    from pyspark.sql import functions as F

    if len(frames) == 1:
        return frames[0]
    text = any(f.text for f in frames)
    combined = None
    for part in frames:
        frame = part.frame
        if text and not part.text:
            frame = frame.select(*[F.col(c).cast("string").alias(c) for c in frame.columns])
        combined = (
            frame if combined is None else combined.unionByName(frame, allowMissingColumns=True)
        )
    mapping = {k: v for f in frames for k, v in f.mapping.items()}
    return RawFrame(combined, text, mapping)
