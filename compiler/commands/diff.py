"""`pipegen diff`: what a spec change does to the stack and to the data's consumers.

Two compiles of one environment are compared: resources added, removed and changed. Breaking:
a resource that disappears (a logical ID change makes CloudFormation replace it: a new bucket
or table, the old one orphaned or deleted), a change to a property CloudFormation can only apply
by replacement (a bucket or table name, a table key, ...), and curated (or processed) datasets
whose columns consumers read disappear or change type.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..pipeline import compile_plan, plan_all
from ..plan import PipelinePlan
from .common import EXIT_FINDINGS, EXIT_OK, UsageError, existing, spec_options

# Properties whose change makes CloudFormation replace the resource (its documentation's
# "Update requires: Replacement"), for the types pipegen generates.
REPLACEMENT = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::DynamoDB::Table": ("TableName", "KeySchema"),
    "AWS::KMS::Alias": ("AliasName",),
    "AWS::IAM::Role": ("RoleName", "Path"),
    "AWS::Glue::Job": ("Name",),
    "AWS::Glue::Crawler": ("Name",),
    "AWS::Glue::Workflow": ("Name",),
    "AWS::Glue::Trigger": ("Name", "Type"),
    "AWS::Glue::Database": ("CatalogId",),
    "AWS::Glue::SecurityConfiguration": ("Name", "EncryptionConfiguration"),
    "AWS::Glue::Connection": ("CatalogId",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::Events::Rule": ("Name",),
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::CloudWatch::Dashboard": ("DashboardName",),
    "AWS::EC2::VPC": ("CidrBlock",),
    "AWS::EC2::Subnet": ("CidrBlock", "AvailabilityZone", "VpcId"),
    "AWS::EC2::SecurityGroup": ("GroupDescription", "VpcId"),
    "AWS::CE::AnomalyMonitor": ("MonitorType", "MonitorSpecification"),
}
# Types whose replacement loses or strands data rather than just recreating configuration.
STATEFUL = ("AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::Logs::LogGroup")


@dataclass
class Change:
    kind: str  # added | removed | changed
    logical_id: str
    type: str
    properties: list[str] = field(default_factory=list)
    breaking: str = ""


@dataclass
class SchemaChange:
    dataset: str
    message: str


@dataclass
class Diff:
    resources: list[Change]
    schema: list[SchemaChange]

    @property
    def breaking(self) -> list[str]:
        found = [f"{c.logical_id}: {c.breaking}" for c in self.resources if c.breaking]
        return found + [f"{s.dataset}: {s.message}" for s in self.schema]


def diff_plans(old: PipelinePlan, new: PipelinePlan) -> Diff:
    before = json.loads(compile_plan(old).files["template.json"])["Resources"]
    after = json.loads(compile_plan(new).files["template.json"])["Resources"]
    return Diff(_resources(before, after), _schema(old, new))


def _resources(before: dict, after: dict) -> list[Change]:
    changes = []
    for name in sorted(set(before) | set(after)):
        if name not in before:
            changes.append(Change("added", name, after[name]["Type"]))
        elif name not in after:
            kind = before[name]["Type"]
            changes.append(Change("removed", name, kind, breaking=_removed(before[name])))
        elif before[name] != after[name]:
            changes.append(_changed(name, before[name], after[name]))
    return changes


def _removed(resource: dict) -> str:
    if resource["Type"] in STATEFUL:
        kept = resource.get("DeletionPolicy") == "Retain"
        fate = "left behind, no longer managed" if kept else "DELETED with its contents"
        return f"removed or renamed (a logical ID change): the existing one is {fate}"
    return "removed or renamed (a logical ID change): CloudFormation replaces it"


def _changed(name: str, old: dict, new: dict) -> Change:
    kind = new["Type"]
    if old["Type"] != kind:
        return Change("changed", name, kind, ["Type"], "type changed: replaced")
    props_old, props_new = old.get("Properties", {}), new.get("Properties", {})
    changed = sorted(
        k for k in set(props_old) | set(props_new) if props_old.get(k) != props_new.get(k)
    )
    others = [
        k
        for k in ("DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Metadata")
        if old.get(k) != new.get(k)
    ]
    replaced = [p for p in changed if p in REPLACEMENT.get(kind, ())]
    breaking = (
        f"replacement: {', '.join(replaced)} can only change by replacing it" if replaced else ""
    )
    return Change("changed", name, kind, changed + others, breaking)


def column_types(plan: PipelinePlan) -> dict[str, dict[str, str | None]]:
    """Every dataset's known columns with their type where it can be told (None: computed)."""
    return {name: dict(columns) for name, columns in plan.dataset_columns.items()}


def _schema(old: PipelinePlan, new: PipelinePlan) -> list[SchemaChange]:
    before, after = column_types(old), column_types(new)
    changes = []
    datasets_before = {s.name for s in old.sources} | {t.name for t in old.transforms}
    datasets_after = {s.name for s in new.sources} | {t.name for t in new.transforms}
    for gone in sorted(datasets_before - datasets_after):
        changes.append(SchemaChange(gone, "dataset removed or renamed: its readers find nothing"))
    for name in sorted(set(before) & set(after)):
        for column, kind in sorted(before[name].items()):
            if column not in after[name]:
                changes.append(SchemaChange(name, f"column '{column}' removed"))
            elif kind and after[name][column] and kind != after[name][column]:
                changes.append(
                    SchemaChange(name, f"column '{column}' retyped {kind} -> {after[name][column]}")
                )
    return changes


def plans_against(spec: Path, against: str, env: str) -> tuple[PipelinePlan, PipelinePlan]:
    """(old, new): `against` is another spec file, or a git revision of this one."""
    new = plan_all(spec, spec.name)[env]
    other = Path(against)
    if other.is_file():
        return plan_all(other, other.name)[env], new
    text = _git_show(spec, against)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / spec.name
        path.write_bytes(text)
        # Named as the spec itself, so that its `pipegen:spec` tag does not show as a change.
        return plan_all(path, spec.name)[env], new


class GitError(Exception):
    pass


def _git_show(spec: Path, revision: str) -> bytes:
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=spec.resolve().parent,
        capture_output=True,
        text=True,
    )
    if top.returncode != 0:
        raise GitError(f"{spec} is not in a git repository; give --against another spec file")
    relative = spec.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    shown = subprocess.run(
        ["git", "show", f"{revision}:{relative}"], cwd=top.stdout.strip(), capture_output=True
    )
    if shown.returncode != 0:
        raise GitError(f"git cannot show {relative} at {revision}: {shown.stderr.decode().strip()}")
    return shown.stdout


def as_text(result: Diff) -> str:
    counts = {
        k: sum(c.kind == k for c in result.resources) for k in ("added", "removed", "changed")
    }
    lines = [
        f"resources: {counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"
    ]
    mark = {"added": "+", "removed": "-", "changed": "~"}
    for c in result.resources:
        detail = f": {', '.join(c.properties)}" if c.properties else ""
        flag = f"  BREAKING ({c.breaking})" if c.breaking else ""
        lines.append(f"  {mark[c.kind]} {c.type} {c.logical_id}{detail}{flag}")
    if result.schema:
        lines.append("data consumers:")
        lines += [f"  ! {s.dataset}: {s.message}  BREAKING" for s in result.schema]
    lines.append(f"breaking changes: {len(result.breaking)}")
    return "\n".join(lines) + "\n"


def as_json(result: Diff) -> str:
    data: dict[str, Any] = {
        "resources": [c.__dict__ for c in result.resources],
        "schema": [s.__dict__ for s in result.schema],
        "breaking": result.breaking,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("diff", help="what a change does to the stack and its consumers")
    spec_options(command, ("text", "json"))
    command.add_argument(
        "--against",
        default="HEAD",
        help="a git revision of the spec (default HEAD) or another spec",
    )
    command.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 when anything changes (as git diff --exit-code), for CI",
    )
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    existing([args.spec])
    try:
        old, new = plans_against(args.spec, args.against, args.env)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    except KeyError:
        raise UsageError(f"environment '{args.env}' is missing on one side of the diff") from None
    result = diff_plans(old, new)
    sys.stdout.write(as_json(result) if args.format == "json" else as_text(result))
    changed = bool(result.resources or result.schema)
    return EXIT_FINDINGS if args.exit_code and changed else EXIT_OK
