"""`pipegen upload`: put compiled artifacts where the deployed jobs expect them.

Keys are `pipegen/releases/<release>/<path in the output folder>`, exactly the ScriptLocation,
`--extra-py-files` and `--pipegen-config` of the jobs (see naming.py); the release is the
content hash in manifest.json. The bucket is the stack's scripts bucket, named from the
account (naming.py), as `deploy` uploads. The bundle and configs go up before the scripts, so
a job started mid-upload finds its runtime and config already in place.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..user_problems import UserProblem
from .common import EXIT_OK, aws_options, connect, plan_for_env


def artifacts(folder: Path) -> tuple[dict[str, bytes], str]:
    """The compiled files the jobs load, and their release, from an output folder."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise UserProblem(
            f"{folder} has no manifest.json", "compile it first: pipegen compile SPEC"
        )
    manifest = json.loads(manifest_path.read_text())
    files = {name: (folder / name).read_bytes() for name in manifest["files"]}
    return files, manifest["release"]


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("upload", help="upload compiled artifacts to the scripts bucket")
    aws_options(command)
    command.add_argument("--out", type=Path, default=Path("out"))
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..aws_home.change_sets import upload_artifacts

    plan = plan_for_env(args)
    files, release = artifacts(args.out / plan.name / plan.env)
    upload_artifacts(connect(args, plan), plan, files, release, print)
    return EXIT_OK
