"""Stage `emit`: canonical bytes written atomically to out/<pipeline>/<env>/.

The whole folder appears at once: files go to a sibling temporary folder that then replaces
the old one, so a failed or interrupted compile never leaves a half-written output.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from .render import canonical_json

MANIFEST = "manifest.json"


def with_template_and_manifest(
    template_json: bytes, files: dict[str, bytes], release: str
) -> dict[str, bytes]:
    """All output files: the template, the rendered files and a manifest of their hashes."""
    everything = {"template.json": template_json, **files}
    manifest = {
        "release": release,
        "files": {
            path: hashlib.sha256(data).hexdigest() for path, data in sorted(everything.items())
        },
    }
    return {**everything, MANIFEST: canonical_json(manifest)}


def target_dir(out_root: Path, pipeline: str, env: str) -> Path:
    target = (out_root / pipeline / env).resolve()
    if out_root.resolve() not in target.parents:
        raise ValueError(f"output folder {target} escapes {out_root}")
    return target


def emit(out_root: Path, pipeline: str, env: str, files: dict[str, bytes]) -> Path:
    """Write `files` as out_root/pipeline/env/, replacing what was there in one step."""
    target = target_dir(out_root, pipeline, env)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{env}.tmp-", dir=target.parent))
    try:
        for relative, data in sorted(files.items()):
            path = (staging / relative).resolve()
            if staging.resolve() not in path.parents:
                raise ValueError(f"refusing to write outside the output folder: {relative}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _swap(staging: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / "previous")
    os.rename(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
