"""Stage `render`: Plan -> generated files (job scripts, stage configs, runtime bundle).

Job scripts come from Jinja templates with StrictUndefined and contain no spec values at all:
the only variable is the stage, from a closed set, passed through `repr`. Spec values reach
the jobs only as JSON config files.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jinja2

import pipegen_runtime
import pipegen_templates
from pipegen_runtime.stage_config import (
    API_VERSION,
    IngestionConfig,
    ProcessingConfig,
    QualityConfig,
    QualitySettings,
    SourceRef,
    StageConfig,
)
from pipegen_runtime.typed_json import encode

from .naming import BUNDLE_NAME, JOBS
from .plan import PipelinePlan, SourcePlan
from .resolve import runtime_config

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(pipegen_templates.__file__).parent),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, fixed indent, trailing newline: the same value always gives the same bytes."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode()


def ordered_json(value: Any) -> bytes:
    """Like canonical_json, but in the spec's own key order (a schema's column order matters);
    the same spec still gives the same bytes."""
    return (json.dumps(value, indent=2, ensure_ascii=True) + "\n").encode()


def render(plan: PipelinePlan) -> dict[str, bytes]:
    """Relative path -> content for jobs/, config/ and the runtime bundle."""
    files: dict[str, bytes] = {}
    for stage in JOBS:
        files[f"jobs/{stage}.py"] = render_job_script(stage).encode()
        files[f"config/{stage}.json"] = ordered_json(encode(stage_config(plan, stage)))
    files[BUNDLE_NAME] = runtime_bundle()
    return files


def render_job_script(stage: str) -> str:
    if stage not in JOBS:
        raise ValueError(f"unknown stage {stage!r}")
    return _ENV.get_template("job.py.j2").render(stage=stage, stage_literal=repr(stage))


def stage_config(plan: PipelinePlan, stage: str) -> StageConfig:
    """The typed config one job reads, and nothing environment-specific beyond names."""
    notices = {kind: tuple(addresses) for kind, addresses in plan.alerts.notices.items()}
    header = (API_VERSION, plan.name, plan.env, stage, notices)
    if stage == "ingestion":
        return IngestionConfig(*header, {s.name: s.config for s in plan.sources})
    refs = {s.name: SourceRef(s.config.kind, s.config.landing) for s in plan.sources}
    if stage == "processing":
        return ProcessingConfig(*header, refs, tuple(t.config for t in plan.transforms))
    quality = runtime_config(QualitySettings, _dump(plan.quality), "quality")
    return QualityConfig(*header, refs, tuple(t.name for t in plan.transforms), quality)


def landing_config(source: SourcePlan) -> dict[str, Any]:
    """What the landing check reads of a source, the same in both homes: in the landing
    function's environment (4 KB for all sources, hence no nulls) and in the local runner."""
    return encode(source.config.landing_rules, drop_none=True)


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True)


@functools.lru_cache(maxsize=1)
def runtime_bundle() -> bytes:
    """The runtime package as a zip with fixed timestamps and order: same code, same bytes.
    Made once per process: every spec of a batch ships the same runtime."""
    root = Path(pipegen_runtime.__file__).parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(f"pipegen_runtime/{relative}", date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, path.read_bytes())
    return buffer.getvalue()
