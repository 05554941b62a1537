"""Spec models for `sources`: what lands in the raw bucket and how to read it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pipegen_runtime.landing import DEFAULT_EXTENSIONS

from .base import ColumnName, ColumnType, Model, Text

# The formats the runtime reads, owned by its landing check (each with its default extensions).
Format = Literal[tuple(DEFAULT_EXTENSIONS)]  # type: ignore[valid-type]
# Key prefixes in the raw bucket: segments of safe characters, always ending in '/', so no
# '..', no leading '/', nothing that escapes a folder or widens an IAM ARN.
LandingPrefix = Annotated[
    str, Field(pattern=r"^(?:[A-Za-z0-9_=-]+/){1,8}$", min_length=2, max_length=200)
]
Extension = Annotated[str, Field(pattern=r"^\.[a-z0-9]{1,10}(?:\.[a-z0-9]{1,10})?$")]


class ReadOptions(Model):
    """Reader options; the CSV-only ones are rejected for other formats by a semantic check."""

    header: bool | None = None
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    quote: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    escape: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    null_values: list[Annotated[str, Field(max_length=64)]] | None = None
    multiline: bool | None = None
    encoding: Literal["utf-8", "latin-1", "utf-16"] | None = None
    date_format: Annotated[str, Field(max_length=64)] | None = None
    timestamp_format: Annotated[str, Field(max_length=64)] | None = None


# Formats whose files may be CSV (`auto` decides per file).
CSV_FORMATS = ("csv", "auto")
CSV_ONLY_OPTIONS = ("header", "delimiter", "quote", "escape", "null_values")
TEXT_ONLY_OPTIONS = ("multiline", "encoding", "date_format", "timestamp_format")


class Partitioning(Model):
    """`year=/month=/day=` partitions from a date or timestamp column."""

    column: ColumnName
    granularity: Literal["year", "month", "day"] = "day"


class AcceptRules(Model):
    """The landing check an arriving file must pass before any job sees it."""

    max_size_mb: Annotated[float, Field(gt=0, le=5 * 1024 * 1024)] = 1024
    min_size_bytes: Annotated[int, Field(ge=0)] = 1
    name_pattern: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    extensions: list[Extension] | None = None


class Source(Model):
    """One dataset arriving in the raw bucket under `landing`."""

    description: Text = ""
    format: Format
    landing: LandingPrefix
    kind: Literal["append", "reference"] = "append"
    read: ReadOptions = ReadOptions()
    schema_: dict[ColumnName, ColumnType] | None = Field(default=None, alias="schema")
    partition_by: Partitioning | None = None
    accept: AcceptRules = AcceptRules()
    on_incompatible_schema: Literal["quarantine", "fail"] = "quarantine"
    # A file whose content was already ingested under another name (a re-sent file).
    on_identical_file: Literal["skip", "ingest"] = "skip"
