"""The stage configs: typed, frozen, one class per config the compiler writes and a job reads.

These classes own the configs' keys. The compiler's render step builds them from the plan and
writes them with `typed_json.encode`; a job reads them with `typed_json.decode`, which refuses
a missing or unknown key. Every default is resolved by the compiler before it writes: a job
reads each setting and never falls back to a value of its own. Steps and rules stay JSON
mappings here: the runtime's own catalogues (`steps.STEPS`, `rules.DIMENSIONS`) dispatch them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .landing import Accept, LandingRules

API_VERSION = "pipegen/v1"
STAGES = ("ingestion", "processing", "quality")
SOURCE_KINDS = ("append", "reference")
ON_INCOMPATIBLE_SCHEMA = ("quarantine", "fail")
ON_IDENTICAL_FILE = ("skip", "ingest")
GRANULARITIES = ("year", "month", "day")
ON_QUALITY_FAILURE = ("alert", "block")


@dataclass(frozen=True)
class ReadOptions:
    """How text files are read; None: Spark's own behaviour for that option."""

    header: bool | None
    delimiter: str | None
    quote: str | None
    escape: str | None
    null_values: tuple[str, ...] | None
    multiline: bool | None
    encoding: str | None
    date_format: str | None
    timestamp_format: str | None


@dataclass(frozen=True)
class Partitioning:
    column: str
    granularity: Literal[GRANULARITIES]  # type: ignore[valid-type]


@dataclass(frozen=True)
class SourceConfig:
    """A source as the ingestion job reads it."""

    description: str
    format: str
    landing: str
    kind: Literal[SOURCE_KINDS]  # type: ignore[valid-type]
    read: ReadOptions
    schema: dict[str, str] | None
    partition_by: Partitioning | None
    accept: Accept
    on_incompatible_schema: Literal[ON_INCOMPATIBLE_SCHEMA]  # type: ignore[valid-type]
    on_identical_file: Literal[ON_IDENTICAL_FILE]  # type: ignore[valid-type]

    @property
    def is_reference(self) -> bool:
        return self.kind == "reference"

    @property
    def landing_rules(self) -> LandingRules:
        return LandingRules(self.format, self.landing, self.accept)


@dataclass(frozen=True)
class SourceRef:
    """What processing and quality know of a source: its kind, and where its files land (for
    messages)."""

    kind: Literal[SOURCE_KINDS]  # type: ignore[valid-type]
    landing: str

    @property
    def is_reference(self) -> bool:
        return self.kind == "reference"


@dataclass(frozen=True)
class TransformConfig:
    name: str
    description: str
    from_: str = field(metadata={"json": "from"})
    steps: tuple[Any, ...]
    partition_by: Partitioning | None


@dataclass(frozen=True)
class Score:
    fail_below: float
    warn_below: float


@dataclass(frozen=True)
class QualitySettings:
    tables: dict[str, tuple[Any, ...]]
    score: Score
    on_failure: Literal[ON_QUALITY_FAILURE]  # type: ignore[valid-type]
    history_runs: int
    failed_rows_per_rule: int


@dataclass(frozen=True)
class _Header:
    """What every stage config starts with (a job refuses a config for another stage)."""

    apiVersion: str  # the JSON key's own spelling
    pipeline: str
    environment: str
    stage: str
    # Opt-in notices (kind -> addresses); each stage announces its own kinds.
    notices: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class IngestionConfig(_Header):
    sources: dict[str, SourceConfig]


@dataclass(frozen=True)
class ProcessingConfig(_Header):
    sources: dict[str, SourceRef]
    transforms: tuple[TransformConfig, ...]


@dataclass(frozen=True)
class QualityConfig(_Header):
    sources: dict[str, SourceRef]
    tables: tuple[str, ...]
    quality: QualitySettings


StageConfig = IngestionConfig | ProcessingConfig | QualityConfig
CONFIG_CLASSES: dict[str, type] = {
    "ingestion": IngestionConfig,
    "processing": ProcessingConfig,
    "quality": QualityConfig,
}
