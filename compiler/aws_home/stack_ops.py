"""The deploy, rollback and status commands, composed from the steps in deploy.py."""

from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..plan import PipelinePlan
from . import change_sets as d


@dataclass(frozen=True)
class DeployOptions:
    plan_only: bool = False
    validate_only: bool = False
    upload: bool = True
    backup: bool = False
    rollback: bool = True


def deploy_pipeline(
    plan: PipelinePlan, files: dict[str, bytes], aws: d.Aws, options: DeployOptions, echo
) -> int:
    stack = plan.naming.prefix
    body = files["template.json"]
    release = json.loads(files["manifest.json"])["release"]
    bucket = d.bootstrap_bucket(aws)
    url = d.stage_template(aws, bucket, stack, body)
    aws.client("cloudformation").validate_template(TemplateURL=url)
    echo(f"{stack}: template valid ({len(body):,} bytes, release {release})")
    if options.validate_only:
        return 0
    existed = d.stack_status(aws, stack) not in (None, "REVIEW_IN_PROGRESS")
    name, kind = d.plan_changes(aws, stack, url, release, echo)
    if options.plan_only:
        if name:
            d.discard(aws, stack, name, kind)
        echo(f"{stack}: plan only; nothing was changed")
        return 0
    if existed and options.upload:
        d.upload_artifacts(aws, plan, files, release, echo)
    if name is None:
        return 0
    previous = d.current_template(aws, stack) if existed else None
    if existed and options.backup:
        echo(f"  backup: s3://{bucket}/{d.save_backup(aws, bucket, plan)}")
    return _execute(plan, files, aws, options, echo, name, previous, bucket, release)


def _execute(plan, files, aws, options, echo, name, previous, bucket, release) -> int:
    stack = plan.naming.prefix
    try:
        status = d.execute(aws, stack, name, not options.rollback, echo)
    except ClientError as exc:
        echo(f"{stack}: the update failed: {exc}")
        status = "UPDATE_FAILED"
    if status in d.FAILED:
        return _failed(aws, stack, status, previous, bucket, options, echo)
    if previous is None and options.upload:
        d.upload_artifacts(aws, plan, files, release, echo)
    _protect(aws, stack, json.loads(files["template.json"]), echo)
    echo(f"{stack}: {status}")
    return 0


def _failed(aws, stack, status, previous, bucket, options, echo) -> int:
    echo(f"{stack}: {status}")
    if status.endswith("ROLLBACK_COMPLETE") or previous is None or not options.rollback:
        if not options.rollback:
            echo(f"{stack}: left as it is (--no-rollback); `pipegen rollback` restores the backup")
        return 1
    # CloudFormation did not roll back by itself (the call failed before it could): put the
    # previous template back with a change set of its own.
    url = d.stage_template(aws, bucket, stack, json.dumps(previous, sort_keys=True).encode())
    release = previous.get("Metadata", {}).get("pipegen", {}).get("release", "previous")
    name, _ = d.plan_changes(aws, stack, url, f"rollback-{release}", echo)
    restored = d.execute(aws, stack, name, False, echo) if name else "its template unchanged"
    echo(f"{stack}: rolled back to release {release} ({restored})")
    return 1


def _protect(aws, stack, template, echo) -> None:
    try:
        d.protect_data(aws, stack, template)
    except ClientError as exc:
        echo(f"  warning: could not set the stack policy that protects the data: {exc}")


def rollback_pipeline(plan: PipelinePlan, aws: d.Aws, echo) -> int:
    stack = plan.naming.prefix
    bucket = d.bootstrap_bucket(aws)
    base, template, meta = d.latest_backup(aws, bucket, stack)
    echo(f"{stack}: restoring s3://{bucket}/{base} (release {meta['release']})")
    url = d.stage_template(aws, bucket, stack, template)
    name, _ = d.plan_changes(aws, stack, url, f"rollback-{meta['release']}", echo)
    if name is None:
        return 0
    try:
        status = d.execute(aws, stack, name, False, echo)
    except ClientError as exc:
        raise d.DeployError(f"restoring the backup failed: {exc}") from None
    echo(f"{stack}: {status}")
    return 1 if status in d.FAILED else 0


def show_status(plan: PipelinePlan, aws: d.Aws, echo) -> int:
    stack = plan.naming.prefix
    status = d.stack_status(aws, stack)
    if status is None:
        echo(f"{stack}: not deployed")
        return 1
    echo(f"{stack}: {status}")
    shown = d.outputs(aws, stack) or _named_resources(aws, plan)
    for key, value in sorted(shown.items()):
        echo(f"  {key:<24} {value}")
    echo("last workflow runs:")
    for line in _runs(aws, plan):
        echo(f"  {line}")
    alarms = aws.client("cloudwatch").describe_alarms(
        AlarmNamePrefix=f"{stack}-", StateValue="ALARM"
    )
    firing = [a["AlarmName"] for a in alarms.get("MetricAlarms", [])]
    echo(f"alarms in ALARM: {len(firing)}")
    for name in firing:
        echo(f"  {name}")
    return 0


def _named_resources(aws: d.Aws, plan: PipelinePlan) -> dict[str, str]:
    """What the outputs would name, from naming.py, when the stack reports no outputs."""
    from ..logical_ids import bucket_output_id, job_name_output_id
    from ..naming import DATA_ZONES, JOBS

    account = aws.client("sts").get_caller_identity()["Account"]
    naming = plan.naming
    names = {
        bucket_output_id(z): naming.bucket(z).replace("${AWS::AccountId}", account)
        for z in (*DATA_ZONES, "scripts")
    }
    names |= {job_name_output_id(j): naming.job(j) for j in JOBS}
    return names | {"WorkflowName": naming.workflow}


def _runs(aws: d.Aws, plan: PipelinePlan) -> list[str]:
    try:
        runs = aws.client("glue").get_workflow_runs(Name=plan.naming.workflow, MaxResults=5)["Runs"]
    except ClientError as exc:
        return [f"(none: {exc.response['Error']['Code']})"]
    if not runs:
        return ["(none yet)"]
    return [f"{r['WorkflowRunId']} {r['Status']} started {r.get('StartedOn', '')}" for r in runs]
