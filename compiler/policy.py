"""PG701-PG708: the compiler's own checks of every template it builds, for what no scanner
catches. A finding here means a spec found a way past the spec checks, or a builder bug; the
template is not written either way.

- PG701 an `Fn::Sub` variable that is neither a pseudo parameter nor a resource or attribute of
  this template nor one of the Sub's own variables (a spec-derived `${` would be one)
- PG702 a `*` or `?` inside an ARN, other than one trailing wildcard after a fixed prefix
- PG703 a bucket name that breaks S3's rules
- PG704 a Glue job with both MaxCapacity and WorkerType
- PG705 a Glue job allowed more than one concurrent run (the state store commits in order)
- PG706 a Glue job timeout outside 1..the spec's limit
- PG707 a bucket without a rule that aborts incomplete multipart uploads
- PG708 an IAM statement with a `*` action, or a `*` resource outside the cases AWS requires;
  in a role's own policy, any wildcard in an action (`kms:GenerateDataKey*`): a role names the
  exact actions it uses
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .checks.aws_limits import bucket_name_problems
from .diagnostics import Diagnostic, Span
from .plan import PipelinePlan

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ACCOUNT = "1" * 12
# Actions AWS does not scope by resource: a `*` resource is required. Each is named with why.
STAR_RESOURCE_ACTIONS = {
    # CloudWatch metrics have no ARN; a namespace condition narrows it.
    "cloudwatch:PutMetricData": "metrics have no resource ARN",
    # ENIs for Glue connections and the function in a VPC are created before their IDs exist.
    "ec2:CreateNetworkInterface": "the ENI's ID does not exist before it is created",
    "ec2:DeleteNetworkInterface": "Glue and Lambda delete ENIs they created, by ID",
    "ec2:DescribeNetworkInterfaces": "Describe* actions take no resource",
    "ec2:DescribeSecurityGroups": "Describe* actions take no resource",
    "ec2:DescribeSubnets": "Describe* actions take no resource",
    "ec2:DescribeVpcAttribute": "Describe* actions take no resource",
    "ec2:DescribeVpcEndpoints": "Describe* actions take no resource",
    "ec2:DescribeRouteTables": "Describe* actions take no resource",
    "ec2:AssignPrivateIpAddresses": "acts on ENIs Lambda creates at run time",
    "ec2:UnassignPrivateIpAddresses": "acts on ENIs Lambda creates at run time",
}
# In a key policy `Resource: "*"` means the key itself (AWS requires exactly "*").
KEY_POLICY_TYPES = ("AWS::KMS::Key",)
ROLE_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::RolePolicy")


def check(template: dict[str, Any], plan: PipelinePlan, spans: dict[str, Span]) -> list[Diagnostic]:
    """Each finding on the spec line of the setting that made its resource."""
    root = plan.source_map.at(())
    return [
        Diagnostic(spans.get(resource, root), code, message)
        for resource, (code, message) in findings_by_resource(template, plan)
    ]


def findings(template: dict[str, Any], plan: PipelinePlan) -> Iterator[tuple[str, str]]:
    for _, finding in findings_by_resource(template, plan):
        yield finding


def findings_by_resource(
    template: dict[str, Any], plan: PipelinePlan
) -> Iterator[tuple[str, tuple[str, str]]]:
    resources = template.get("Resources", {})
    for name, resource in sorted(resources.items()):
        kind, props = resource["Type"], resource.get("Properties", {})
        found = list(_sub_variables(name, resource, resources))
        if kind == "AWS::S3::Bucket":
            found += _bucket(name, props, plan)
        if kind == "AWS::Glue::Job":
            found += _job(name, props, plan)
        for statement in _statements(kind, props):
            found += _statement(name, kind, statement)
        yield from ((name, f) for f in found)


def _sub_variables(
    name: str, resource: dict[str, Any], resources: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    for text, local in _subs(resource):
        for variable in _SUB_VARIABLE.findall(text):
            if variable.startswith("!"):
                continue  # `${!Literal}` is Sub's escape for a literal `${`
            known = (
                variable.startswith("AWS::")
                or variable in local
                or variable.split(".", 1)[0] in resources
            )
            if not known:
                yield (
                    "PG701",
                    f"resource {name}: Fn::Sub variable '${{{variable}}}' names nothing "
                    "in this template",
                )


def _subs(node: Any) -> Iterator[tuple[str, set[str]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::Sub":
                if isinstance(value, str):
                    yield value, set()
                else:
                    yield value[0], set(value[1])
                    yield from _subs(value[1])
            else:
                yield from _subs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _subs(item)


def _bucket(name: str, props: dict, plan: PipelinePlan) -> Iterator[tuple[str, str]]:
    bucket = _text(props.get("BucketName", ""))
    for problem in bucket_name_problems(bucket):
        yield "PG703", f"bucket {name}: '{bucket}' {problem}"
    rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
    if not any(r.get("AbortIncompleteMultipartUpload") and r["Status"] == "Enabled" for r in rules):
        yield "PG707", f"bucket {name}: no rule aborts incomplete multipart uploads"


def _job(name: str, props: dict, plan: PipelinePlan) -> Iterator[tuple[str, str]]:
    if "MaxCapacity" in props and "WorkerType" in props:
        yield "PG704", f"Glue job {name}: MaxCapacity and WorkerType together"
    runs = props.get("ExecutionProperty", {}).get("MaxConcurrentRuns")
    if runs != 1:
        yield "PG705", f"Glue job {name}: {runs} concurrent runs allowed; the state store needs 1"
    limit = max(j.settings.timeout_minutes for j in plan.jobs)
    timeout = props.get("Timeout")
    if not isinstance(timeout, int) or not 1 <= timeout <= limit:
        yield "PG706", f"Glue job {name}: timeout {timeout} outside 1..{limit} minutes"


def _statements(kind: str, props: dict) -> Iterator[dict]:
    documents = [
        props.get(key)
        for key in ("PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument")
        if isinstance(props.get(key), dict)
    ]
    for document in documents:
        statements = document.get("Statement", [])
        yield from statements if isinstance(statements, list) else [statements]


def _statement(name: str, kind: str, statement: dict) -> Iterator[tuple[str, str]]:
    actions = _list(statement.get("Action", []))
    resources = _list(statement.get("Resource", []))
    allow = statement.get("Effect") == "Allow"
    # The account root administers each key (`kms:*`); without it a key can become unmanageable.
    administers = kind in KEY_POLICY_TYPES and statement.get("Sid") == "AccountAdministers"
    if allow and not administers and any(a == "*" or a.endswith(":*") for a in actions):
        yield "PG708", f"{name}: statement {statement.get('Sid')} allows every action"
    elif allow and kind in ROLE_POLICY_TYPES and any("*" in a for a in actions):
        wildcards = ", ".join(a for a in actions if "*" in a)
        yield "PG708", f"{name}: statement {statement.get('Sid')} has wildcard actions {wildcards}"
    for resource in resources:
        text = _text(resource)
        if text == "*":
            if allow and kind not in KEY_POLICY_TYPES:
                unscoped = [a for a in actions if a not in STAR_RESOURCE_ACTIONS]
                if unscoped:
                    yield (
                        "PG708",
                        f"{name}: statement {statement.get('Sid')} gives {', '.join(unscoped)} "
                        "on every resource",
                    )
            continue
        if not _wildcards_ok(text):
            yield "PG702", f"{name}: ARN '{text}' has a wildcard inside it"


def _wildcards_ok(arn: str) -> bool:
    """One trailing `*`, after a `/` or `:` or a fixed name prefix; never `?`."""
    if "?" in arn:
        return False
    return arn.count("*") == 0 or (arn.count("*") == 1 and arn.endswith("*"))


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A string as it would read after CloudFormation resolved it, for these checks."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = sub if isinstance(sub, str) else sub[0]
        text = text.replace("${AWS::AccountId}", _ACCOUNT).replace("${AWS::Partition}", "aws")
        return text.replace("${AWS::Region}", "us-east-1")
    return "<resolved at deploy>"
