"""`*Plan`: what a spec means for one environment, frozen. Builders, renderers, the commands and
the homes read only these.

Every item keeps the span where the user wrote it, so later checks can point back at the spec.
A source and a transform carry their resolved, typed config (`config`: the runtime's own class,
defaults filled in, exactly what the jobs will read); `spec` is the validated model with its
positions, for the checks only (a test holds the builders, renderers, commands and homes to
`config`). Whole sections (quality, alerts, budget, network, retention) are the spec's frozen
models: pydantic resolved their defaults and the environment's overrides are merged in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipegen_runtime.stage_config import SourceConfig, TransformConfig

from .diagnostics import Diagnostic, Span
from .load import SourceMap
from .naming import Naming
from .spec.alerts import Alerts
from .spec.budget import Budget
from .spec.document import JobSettings, Retention
from .spec.network import Network
from .spec.quality import Quality
from .spec.sources import Source
from .spec.transforms import Transform

METADATA_COLUMNS = ("_batch_id", "_ingested_at", "_source_file")


@dataclass(frozen=True)
class JobPlan:
    kind: str
    settings: JobSettings
    span: Span


@dataclass(frozen=True)
class SourcePlan:
    name: str
    spec: Source
    span: Span
    config: SourceConfig

    @property
    def columns(self) -> tuple[str, ...] | None:
        """Known columns after ingestion, or None when the schema is inferred at run time."""
        if self.spec.schema_ is None:
            return None
        return (*self.spec.schema_, *METADATA_COLUMNS)


@dataclass(frozen=True)
class TransformPlan:
    name: str
    spec: Transform
    span: Span
    inputs: tuple[str, ...]
    config: TransformConfig


@dataclass(frozen=True)
class PipelinePlan:
    """One pipeline in one environment, references resolved, transforms in dependency order."""

    name: str
    env: str
    region: str
    description: str
    owner: str
    spec_file: str
    tags: tuple[tuple[str, str], ...]
    jobs: tuple[JobPlan, ...]
    sources: tuple[SourcePlan, ...]
    transforms: tuple[TransformPlan, ...]
    quality: Quality
    quality_span: Span
    schedule: str | None
    retention: Retention
    alerts: Alerts
    budget: Budget | None
    network: Network
    # Hours without a successful run before the missed-run alarm; None: no such alarm.
    missed_run_hours: int | None
    naming: Naming
    environments: tuple[str, ...]
    # For checks that point inside steps and rules; builders never read it.
    source_map: SourceMap
    # What the checks found that does not stop the compile, for validate, lint and compile.
    warnings: tuple[Diagnostic, ...] = ()
    # Dataset -> its columns (name, type where the spec tells it), for every dataset whose
    # columns are known; filled in after the checks (see pipeline.py).
    dataset_columns: dict[str, tuple[tuple[str, str | None], ...]] = field(default_factory=dict)

    def job(self, kind: str) -> JobPlan:
        return next(j for j in self.jobs if j.kind == kind)

    @property
    def tables(self) -> dict[str, SourcePlan | TransformPlan]:
        """Every named dataset (sources and transforms) by name."""
        return {**{s.name: s for s in self.sources}, **{t.name: t for t in self.transforms}}
