"""The landing check: does an arriving file belong to a source, and may it be ingested?

Standard library only: the local runner calls it in-process, and the landing function on AWS
carries this module's text inline (see landing_function.py). Checks: size, extension, name
pattern, and the content's type sniffed from its first bytes. `LandingRules` is what the check
reads of a source, the same in both homes.
"""

from __future__ import annotations

import posixpath
import re
import zlib
from dataclasses import dataclass

from .typed_json import decode  # inline-drop

REJECTED_PREFIX = "_rejected/"
SNIFF_BYTES = 4096

DEFAULT_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".csv.gz", ".txt"),
    "json": (".json", ".json.gz"),
    "jsonl": (".jsonl", ".ndjson", ".jsonl.gz", ".json"),
    "parquet": (".parquet",),
    "orc": (".orc",),
    "avro": (".avro",),
    "auto": (".csv", ".json", ".jsonl", ".ndjson", ".parquet", ".orc", ".avro", ".txt"),
}
GZIP_MAGIC = b"\x1f\x8b"
# Which sniffed content each declared format accepts (of a gzip file: its decompressed content,
# which Spark reads through the codec its `.gz` name selects).
COMPATIBLE = {
    "csv": {"text"},
    "json": {"json"},
    "jsonl": {"json"},
    "parquet": {"parquet"},
    "orc": {"orc"},
    "avro": {"avro"},
    "auto": {"text", "json", "parquet", "orc", "avro"},
}


@dataclass(frozen=True)
class Accept:
    """A source's `accept` rules (defaults resolved by the compiler)."""

    max_size_mb: float
    min_size_bytes: int
    name_pattern: str | None = None
    extensions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LandingRules:
    """What the landing check reads of one source."""

    format: str
    landing: str
    accept: Accept


def landing_rules(sources: dict) -> dict[str, LandingRules]:
    """Source name -> its rules, from the JSON the compiler wrote (a ShapeError if malformed)."""
    return {n: decode(LandingRules, s, f"sources.{n}") for n, s in sources.items()}


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str = ""


def source_for_key(key: str, sources: dict[str, LandingRules]) -> str | None:
    """The source whose landing prefix holds `key` (prefixes never overlap; the compiler checks)."""
    for name, source in sorted(sources.items()):
        if key.startswith(source.landing) and key != source.landing:
            return name
    return None


def sniff(head: bytes) -> str:
    """parquet | orc | avro | gzip | json | text | binary, from a file's first bytes."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ORC"):
        return "orc"
    if head.startswith(b"Obj\x01"):
        return "avro"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if b"\x00" in head:
        return "binary"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"{", b"["):
        return "json"
    return "text"


def plain_head(head: bytes) -> bytes:
    """A file's first bytes as content: a gzip file's are decompressed as far as they go."""
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
    except zlib.error:
        return b""


def content_kind(key: str, head: bytes) -> str:
    """What a file holds: `sniff` of its content, seen through gzip for a `.gz` file."""
    if not head.startswith(GZIP_MAGIC):
        return sniff(head)
    if not key.lower().endswith(".gz"):
        return "gzip without a .gz name"  # Spark picks the codec by the name: it would not
    inner = plain_head(head)
    return sniff(inner) if inner else "corrupt gzip"


def detect_format(key: str, head: bytes) -> str | None:
    """The concrete format of a file for `format: auto`."""
    kind = content_kind(key, head)
    head = plain_head(head)
    if kind in ("parquet", "orc", "avro"):
        return kind
    if kind == "json":
        return (
            "jsonl" if key.endswith((".jsonl", ".ndjson")) or _one_object_per_line(head) else "json"
        )
    return "csv" if kind == "text" else None


def _one_object_per_line(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0].strip()
    return first.startswith(b"{") and first.endswith(b"}")


def check_file(key: str, size: int, head: bytes, source: LandingRules) -> Verdict:
    """Apply a source's `accept` rules to one arriving file."""
    accept = source.accept
    name = posixpath.basename(key)
    if size > accept.max_size_mb * 1024 * 1024:
        return Verdict(False, f"file is {size} bytes; the limit is {accept.max_size_mb:g} MB")
    if size < accept.min_size_bytes:
        return Verdict(
            False, f"file is {size} bytes; at least {accept.min_size_bytes} needed (empty file)"
        )
    # No `extensions`: the format's own list (the spec documents it), not a fallback value.
    extensions = accept.extensions or DEFAULT_EXTENSIONS[source.format]
    if not name.lower().endswith(tuple(extensions)):
        return Verdict(False, f"extension of '{name}' is not one of {', '.join(extensions)}")
    if accept.name_pattern and not re.search(accept.name_pattern, name):
        return Verdict(False, f"name '{name}' does not match {accept.name_pattern}")
    kind = content_kind(key, head)
    if kind not in COMPATIBLE[source.format]:
        return Verdict(False, f"content looks like {kind}, not {source.format}")
    return Verdict(True)
