"""What is deployed: the stack's jobs, triggers, function, rules and buckets, read from AWS.

Everything comes from the services themselves (CloudFormation's resource list, Glue's jobs and
triggers, Lambda's configuration, EventBridge's rules and targets), not from the spec: the AWS
home tests what was deployed. Two things only CloudFormation still holds are read from the
deployed template: the function's inline code and its invoke config (retries, failure queue).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


class NotDeployed(Exception):
    """The stack, or a part of it the AWS home needs, is not there."""


@dataclass(frozen=True)
class Job:
    name: str
    role_arn: str
    script_location: str
    arguments: dict[str, str]
    max_retries: int


@dataclass(frozen=True)
class Trigger:
    name: str
    kind: str  # ON_DEMAND | SCHEDULED | CONDITIONAL
    logical: str  # AND | ANY
    conditions: tuple[tuple[str, str], ...]  # (job, state)
    actions: tuple[str, ...]  # job names


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str
    to_function: bool
    to_others: bool


@dataclass(frozen=True)
class Function:
    name: str
    role_arn: str
    environment: dict[str, str]
    code: str
    max_retries: int
    failure_queue_url: str | None
    log_group: str | None


@dataclass(frozen=True)
class DeployedStack:
    name: str
    account: str
    region: str
    workflow: str
    jobs: dict[str, Job]
    triggers: tuple[Trigger, ...]
    rules: tuple[Rule, ...]
    function: Function
    raw_bucket: str

    @property
    def landing_prefixes(self) -> list[str]:
        sources = json.loads(self.function.environment["PIPEGEN_SOURCES"])
        return sorted(s["landing"] for s in sources.values())


def read_stack(aws: Any, stack: str) -> DeployedStack:
    resources = _resources(aws, stack)
    template = _template(aws, stack)
    glue = aws.client("glue")
    workflow = _physical(resources, "AWS::Glue::Workflow")[0]
    jobs = {name: _job(glue, name) for name in _physical(resources, "AWS::Glue::Job")}
    function_name = _physical(resources, "AWS::Lambda::Function")[0]
    return DeployedStack(
        name=stack,
        account=aws.client("sts").get_caller_identity()["Account"],
        region=aws.region,
        workflow=workflow,
        jobs=jobs,
        triggers=tuple(_triggers(glue, workflow)),
        rules=tuple(_rules(aws.client("events"), stack, function_name)),
        function=_function(aws, function_name, template, resources),
        raw_bucket=resources["RawBucket"]["PhysicalResourceId"],
    )


def _resources(aws: Any, stack: str) -> dict[str, dict[str, Any]]:
    cloudformation = aws.client("cloudformation")
    try:
        pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
        return {r["LogicalResourceId"]: r for page in pages for r in page["StackResourceSummaries"]}
    except ClientError as exc:
        if "does not exist" in str(exc):
            raise NotDeployed(
                f"stack {stack} is not deployed: run `pipegen deploy` first"
            ) from None
        raise


def _template(aws: Any, stack: str) -> dict[str, Any]:
    body = aws.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
    return json.loads(body) if isinstance(body, str) else body


def _physical(resources: dict[str, dict[str, Any]], kind: str) -> list[str]:
    found = sorted(r["PhysicalResourceId"] for r in resources.values() if r["ResourceType"] == kind)
    if not found:
        raise NotDeployed(f"the stack has no {kind}")
    return found


def _job(glue: Any, name: str) -> Job:
    job = glue.get_job(JobName=name)["Job"]
    return Job(
        name=name,
        role_arn=job["Role"],
        script_location=job["Command"]["ScriptLocation"],
        arguments=dict(job.get("DefaultArguments", {})),
        max_retries=int(job.get("MaxRetries", 0)),
    )


def _triggers(glue: Any, workflow: str) -> list[Trigger]:
    found = []
    for page in glue.get_paginator("get_triggers").paginate():
        for trigger in page["Triggers"]:
            if trigger.get("WorkflowName") != workflow:
                continue
            predicate = trigger.get("Predicate", {})
            found.append(
                Trigger(
                    name=trigger["Name"],
                    kind=trigger["Type"],
                    logical=predicate.get("Logical", "AND"),
                    conditions=tuple(
                        (c["JobName"], c["State"]) for c in predicate.get("Conditions", [])
                    ),
                    actions=tuple(a["JobName"] for a in trigger["Actions"] if "JobName" in a),
                )
            )
    return sorted(found, key=lambda t: t.name)


def _rules(events: Any, stack: str, function: str) -> list[Rule]:
    found = []
    for page in events.get_paginator("list_rules").paginate(NamePrefix=f"{stack}-"):
        for rule in page["Rules"]:
            targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            to_function = [t for t in targets if t["Arn"].endswith(f":function:{function}")]
            found.append(
                Rule(
                    name=rule["Name"],
                    pattern=rule["EventPattern"],
                    to_function=bool(to_function),
                    to_others=len(to_function) < len(targets),
                )
            )
    return sorted(found, key=lambda r: r.name)


def _function(aws: Any, name: str, template: dict, resources: dict) -> Function:
    configuration = aws.client("lambda").get_function_configuration(FunctionName=name)
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    code = functions[0]["Properties"]["Code"].get("ZipFile")
    if code is None:
        raise NotDeployed(f"function {name} has no inline code in the deployed template")
    invoke = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
    ]
    queues = _physical(resources, "AWS::SQS::Queue") if invoke else []
    return Function(
        name=name,
        role_arn=configuration["Role"],
        environment=configuration.get("Environment", {}).get("Variables", {}),
        code=code,
        max_retries=int(invoke[0].get("MaximumRetryAttempts", 2)) if invoke else 2,
        failure_queue_url=queues[0] if queues else None,
        log_group=configuration.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{name}",
    )
