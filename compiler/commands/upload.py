"""`pipegen upload`: put compiled artifacts where the deployed jobs expect them.

Keys are `pipegen/releases/<release>/<path in the output folder>`, exactly the ScriptLocation,
`--extra-py-files` and `--pipegen-config` of the jobs (see naming.py); the release is the
content hash in manifest.json. The bundle and configs go up before the
scripts, so a job started mid-upload finds its runtime and config already in place.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..naming import BUNDLE_NAME
from ..plan import PipelinePlan
from ..user_problems import UserProblem
from .common import EXIT_OK, plan_for_env

UPLOADED = ("config/", BUNDLE_NAME, "jobs/")


def artifact_files(folder: Path) -> list[str]:
    """Relative paths to upload, in upload order (bundle, configs, then scripts)."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise UserProblem(
            f"{folder} has no manifest.json", "compile it first: pipegen compile SPEC"
        )
    files = json.loads(manifest_path.read_text())["files"]
    order = {BUNDLE_NAME: 0, "config/": 1, "jobs/": 2}
    chosen = [f for f in files if f.startswith(UPLOADED)]
    return sorted(chosen, key=lambda f: (next(v for k, v in order.items() if f.startswith(k)), f))


def upload(
    folder: Path,
    plan: PipelinePlan,
    *,
    bucket: str | None,
    stack: str | None,
    region: str,
    endpoint_url: str | None,
) -> list[str]:
    import boto3

    files = artifact_files(folder)  # first: a folder never compiled is said as such
    session = boto3.session.Session(region_name=region)
    if bucket is None:
        bucket = scripts_bucket(session, stack or plan.naming.prefix, endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    keys = []
    prefix = plan.naming.release_prefix(release_of_folder(folder))
    for relative in files:
        key = prefix + relative
        s3.put_object(Bucket=bucket, Key=key, Body=(folder / relative).read_bytes())
        keys.append(f"{bucket}/{key}")
    return keys


def release_of_folder(folder: Path) -> str:
    return json.loads((folder / "manifest.json").read_text())["release"]


def scripts_bucket(session, stack: str, endpoint_url: str | None) -> str:
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == "ScriptsBucket":
            return output["OutputValue"]
    raise UserProblem(
        f"stack {stack} has no ScriptsBucket output",
        "it was not made by pipegen, or its deploy did not finish: pipegen status SPEC --env ENV",
    )


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("upload", help="upload compiled artifacts to the scripts bucket")
    command.add_argument("spec", type=Path)
    command.add_argument("--env", default="dev")
    command.add_argument("--out", type=Path, default=Path("out"))
    command.add_argument("--bucket", help="scripts bucket (default: the stack's ScriptsBucket)")
    command.add_argument("--stack", help="stack name (default: <pipeline>-<env>)")
    command.add_argument("--region")
    command.add_argument("--endpoint-url", help="AWS endpoint (e.g. a local moto server)")
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    plan = plan_for_env(args)
    folder = args.out / plan.name / plan.env
    uploaded = upload(
        folder,
        plan,
        bucket=args.bucket,
        stack=args.stack,
        region=args.region or plan.region,
        endpoint_url=args.endpoint_url,
    )
    for key in uploaded:
        print(f"uploaded s3://{key}")
    return EXIT_OK
