"""What every builder shares: the template under construction, tags, and ARN helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from troposphere import AWSObject, GetAtt, Ref, Sub, Tags, Template

from ..diagnostics import Diagnostic, Span
from ..logical_ids import bucket_id
from ..naming import own_tags
from ..plan import PipelinePlan
from ..stack_limits import MAX_RESOURCES, resource_count

# Logical IDs of the KMS keys, here so that any builder can name one without import cycles.
# What the CloudWatch Logs service may do with the logs key (what AWS documents it needs).
KEY_USE = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
]
# What a pipeline role may do with a key, in its own policy and in the key's: S3 and DynamoDB
# ask for a data key on write and decrypt on read. Exact actions, no wildcards: a role holds
# nothing it does not use (tests/test_aws_home.py lists what each role used).
ROLE_KEY_USE = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
# What a role that only sends to the encrypted topic or queue needs of the notify key.
SEND_KEY_USE = ["kms:Decrypt", "kms:GenerateDataKey"]


@dataclass
class Stack:
    """The template being built for one plan, plus problems found while building."""

    plan: PipelinePlan
    # Content hash of the job artifacts (scripts, configs, bundle) the template points at.
    release: str = "unreleased"
    template: Template = field(default_factory=Template)
    problems: list[Diagnostic] = field(default_factory=list)
    # The spec path whose setting made each resource, by logical ID: lint and the policy checks
    # put a finding about a resource on that line of the spec.
    origins: dict[str, tuple[str | int, ...]] = field(default_factory=dict)
    origin: tuple[str | int, ...] = ("pipeline",)
    # Spec paths of resources past CloudFormation's limit: counted, not added (troposphere
    # would raise), so the finding can say how many the spec asks for.
    over_limit: list[tuple[str | int, ...]] = field(default_factory=list)

    @contextmanager
    def made_by(self, *path: str | int) -> Iterator[None]:
        """Resources added inside come from this spec path."""
        outer, self.origin = self.origin, path
        try:
            yield
        finally:
            self.origin = outer

    def spans(self) -> dict[str, Span]:
        """Each resource's logical ID -> the spec position of the setting that made it."""
        return {i: self.plan.source_map.key_at(path) for i, path in self.origins.items()}

    def add(self, resource: AWSObject) -> AWSObject:
        if resource.title in self.template.resources:
            self.problems.append(
                Diagnostic(
                    self.plan.source_map.at(()),
                    "PG503",
                    f"two resources share the logical ID '{resource.title}'",
                )
            )
            return resource
        if len(self.template.resources) >= MAX_RESOURCES:
            self.over_limit.append(self.origin)
            return resource
        self.origins[resource.title] = self.origin
        return self.template.add_resource(resource)

    def limit_problems(self) -> list[Diagnostic]:
        made = len(self.template.resources) + len(self.over_limit)
        first = self.over_limit[0] if self.over_limit else ()
        return resource_count(made, self.plan.source_map.key_at(first))

    def tag_pairs(self) -> list[tuple[str, str]]:
        """The user's tags plus pipegen's own; these drive cost allocation."""
        own = own_tags(self.plan.name, self.plan.env, self.plan.spec_file)
        return sorted([*self.plan.tags, *own])

    def tags(self) -> Tags:
        # Tags(mapping) makes one {Key, Value} per entry; Tags(*dicts) would not.
        return Tags(self.tag_map())

    def tag_map(self) -> dict[str, str]:
        return dict(self.tag_pairs())


def bucket_arn(zone: str) -> GetAtt:
    return GetAtt(bucket_id(zone), "Arn")


def bucket_objects_arn(zone: str, prefix: str = "") -> Sub:
    return Sub(f"${{{bucket_id(zone)}.Arn}}/{prefix}*")


def bucket_name(zone: str) -> Ref:
    return Ref(bucket_id(zone))


def s3_uri(zone: str, key: str) -> Sub:
    return Sub(f"s3://${{{bucket_id(zone)}}}/{key}")


def account_arn(service: str, resource: str) -> Sub:
    """An ARN in this account and region; `resource` must hold no spec-derived `${`."""
    return Sub(f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(sid: str, actions: list[str], resources: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources,
        **extra,
    }


def scanner_skips(resource: AWSObject, reasons: dict[str, str]) -> AWSObject:
    """Per-resource checkov skips, each with the reason a reviewer reads in the template."""
    resource.Metadata = {
        "checkov": {"skip": [{"id": k, "comment": v} for k, v in sorted(reasons.items())]}
    }
    return resource
