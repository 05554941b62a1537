"""The raw zone in the catalog: a table `raw_<source>` per source over its files as they landed,
partitioned by landing date, written only by the ingestion job (consumers read it).

Raw files land flat under their landing prefix, and moving them into date folders would re-fire
the landing rule and change the keys the bookmarks hold, so a partition cannot be a folder of
the files themselves. Instead each batch writes, per landing date, a manifest
`_catalog/<source>/landed=<date>/<batch>.txt` into the raw bucket listing its files, one URI a
line, and the table reads the manifests with Hive's SymlinkTextInputFormat and the files with
their format's serde: the layout Athena documents for S3 Inventory and Delta Lake manifests.

The table's columns come from the files (CSV's from its header, by position; the other formats'
by name), typed as stored: text formats stay text, which their processed table types.
A file whose layout cannot join the table's (another format, a CSV header that is not an
extension of the table's, a new Avro schema) is left out, counted and named in the summary.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import Context
    from .readers import Layout
    from .stage_config import SourceConfig

# A landing prefix never starts with '_' (the compiler's PG415), so no source lands here and
# the landing rule never fires on a manifest.
MANIFESTS = "_catalog/"
TABLE_PREFIX = "raw_"
PARTITION_KEY = "landed"
SYMLINK_INPUT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
SERDES = {
    "csv": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
    "jsonl": "org.apache.hive.hcatalog.data.JsonSerDe",
    "parquet": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    "orc": "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    "avro": "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
}
# Formats whose readers match columns by position; the others match by name.
BY_POSITION = ("csv",)
AVRO_SCHEMA = "avro.schema.literal"


def table_name(source: str) -> str:
    return f"{TABLE_PREFIX}{source}"


def manifest_key(source: str, landed: str, batch: str) -> str:
    return f"{MANIFESTS}{source}/{PARTITION_KEY}={landed}/{batch}.txt"


@dataclass
class Listing:
    """What one batch adds to its source's raw table."""

    source: str
    fmt: str | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)
    avro_schema: str | None = None
    manifests: dict[str, list[str]] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # object key -> why
    known_days: set[str] = field(default_factory=set)  # the table's partitions before

    @property
    def listed(self) -> int:
        return sum(len(uris) for uris in self.manifests.values())


def plan(ctx: Context, name: str, layouts: list[Layout], batch: str) -> Listing:
    """The batch's manifests: its files of a layout the table can hold, by landing date."""
    table = ctx.catalog.get_table(table_name(name))
    listing = Listing(name)
    if table:
        listing.fmt, listing.avro_schema = table["format"], table.get("avro_schema")
        listing.columns = [(c["name"], c["type"]) for c in table["columns"]]
        listing.known_days = {p[PARTITION_KEY] for p in table.get("partitions", [])}
    by_day: dict[str, list[str]] = defaultdict(list)
    for layout in layouts:
        why = _join(ctx, listing, layout)
        for obj in layout.objects:
            if why:
                listing.left_out[obj.key] = why
            else:
                by_day[obj.landed].append(ctx.storage.uri("raw", obj.key))
    listing.manifests = {
        manifest_key(name, day, batch): sorted(uris) for day, uris in sorted(by_day.items())
    }
    return listing


def _join(ctx: Context, listing: Listing, layout: Layout) -> str:
    """Widen the listing's table to hold `layout`; the reason it cannot, or ''."""
    if layout.fmt not in SERDES:
        # A JSON document may span lines; the JSON serdes read one record a line.
        return f"format '{layout.fmt}' has no Hive serde that reads it"
    if listing.fmt is not None and layout.fmt != listing.fmt:
        return f"format '{layout.fmt}', and the table holds '{listing.fmt}' files"
    schema = _avro_schema(ctx, layout) if layout.fmt == "avro" else None
    if listing.fmt is not None and schema != listing.avro_schema:
        return "an Avro schema other than the table's"
    columns = _merged(listing.columns, list(layout.columns), layout.fmt in BY_POSITION)
    if columns is None:
        return "columns that do not extend the table's (" + ", ".join(_names(layout)) + ")"
    listing.fmt, listing.avro_schema, listing.columns = layout.fmt, schema, columns
    return ""


def _merged(
    table: list[tuple[str, str]], files: list[tuple[str, str]], by_position: bool
) -> list[tuple[str, str]] | None:
    """The table's columns widened by the files', or None when they conflict: by position,
    one must begin with the other; by name, a column both have must have one type."""
    if by_position:
        shorter, longer = sorted((table, files), key=len)
        return list(longer) if longer[: len(shorter)] == shorter else None
    types = dict(table)
    if any(types.get(name, kind) != kind for name, kind in files):
        return None
    return [*table, *[(n, k) for n, k in files if n not in types]]


def _names(layout: Layout) -> list[str]:
    return [name for name, _ in layout.columns][:8]


def _avro_schema(ctx: Context, layout: Layout) -> str:
    import json

    from .avro import writer_schema
    from .readers import HEAD_BYTES

    head = ctx.storage.read_bytes("raw", layout.objects[0].key, HEAD_BYTES)
    return json.dumps(writer_schema(head), sort_keys=True)


def write(ctx: Context, listing: Listing, superseded: dict[str, list[str]]) -> None:
    """Write the batch's manifests, and take files that arrived again with new content out of
    the manifests of their earlier batches (the key now holds only the new content)."""
    for key, uris in listing.manifests.items():
        ctx.storage.write_bytes("raw", key, _manifest(uris))
    if superseded:
        _forget(ctx, {ctx.storage.uri("raw", k) for k in superseded}, superseded)


def _manifest(uris: list[str]) -> bytes:
    """Hive's symlink format: one file URI a line."""
    return "".join(f"{uri}\n" for uri in uris).encode()


def _forget(ctx: Context, uris: set[str], superseded: dict[str, list[str]]) -> None:
    batches = {b for ids in superseded.values() for b in ids}
    for batch in ctx.state.committed_batches("ingestion"):
        if batch.batch_id not in batches:
            continue
        for key in batch.info.get("raw_manifests", []):
            if ctx.storage.head("raw", key) is None:
                continue
            lines = ctx.storage.read_bytes("raw", key).decode().splitlines()
            kept = [line for line in lines if line not in uris]
            if not kept:
                ctx.storage.delete("raw", key)
            elif len(kept) < len(lines):
                ctx.storage.write_bytes("raw", key, _manifest(kept))


def register(ctx: Context, source: SourceConfig, listing: Listing) -> None:
    """State the whole raw table: its columns as widened, and one partition a landing day."""
    if listing.fmt is None:
        return
    days = listing.known_days | {_day(key) for key in listing.manifests}
    ctx.catalog.put_table(
        {
            "name": table_name(listing.source),
            "zone": "raw",
            "kind": "raw",
            "source": listing.source,
            "location": ctx.storage.uri("raw", f"{MANIFESTS}{listing.source}/"),
            "format": listing.fmt,
            "avro_schema": listing.avro_schema,
            "columns": _columns(listing, source),
            "partition_keys": [PARTITION_KEY],
            "partitions": [{PARTITION_KEY: day} for day in sorted(days)],
            "storage": storage(listing, source),
        }
    )


def _day(manifest: str) -> str:
    return manifest.split(f"/{PARTITION_KEY}=", 1)[1].split("/", 1)[0]


def _columns(listing: Listing, source: SourceConfig) -> list[dict[str, str]]:
    declared = dict(source.schema or {})
    columns = []
    for name, kind in listing.columns:
        entry = {"name": name, "type": kind}
        if kind == "string" and declared.get(name, "string") != "string":
            entry["comment"] = f"as landed; typed {declared[name]} in table {listing.source}"
        columns.append(entry)
    return columns


def storage(listing: Listing, source: SourceConfig) -> dict[str, Any]:
    """How a reader of the table finds (manifests) and parses (serde) its files."""
    from .readers import SPARK_CSV

    serde_parameters: dict[str, str] = {}
    parameters = {"classification": listing.fmt}
    if listing.fmt == "csv":
        read = source.read
        serde_parameters = {
            "separatorChar": read.delimiter or SPARK_CSV["sep"],
            "quoteChar": read.quote or SPARK_CSV["quote"],
            "escapeChar": read.escape or SPARK_CSV["escape"],
        }
        if read.header:
            parameters["skip.header.line.count"] = "1"
    if listing.avro_schema:
        serde_parameters[AVRO_SCHEMA] = listing.avro_schema
    return {
        "input_format": SYMLINK_INPUT,
        "output_format": TEXT_OUTPUT,
        "serde": SERDES[listing.fmt],
        "serde_parameters": serde_parameters,
        "parameters": parameters,
    }
