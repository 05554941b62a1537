"""CloudFormation in the emulator: create what the template declares and moto skips.

moto's CloudFormation warns "not supported" and creates nothing for `AWS::Glue::*` and
`AWS::S3::BucketPolicy`; it creates S3 buckets with their encryption and tags only; it hands
KMS keys CloudFormation's `{Key, Value}` tags where its KMS backend wants `{TagKey, TagValue}`;
and its log group's `Fn::GetAtt Arn` lacks the `:*` that CloudFormation returns (the form IAM
policies use to cover the group's streams). Each fix below applies the template's own
properties through moto's own backends, so the stack under test is exactly the compiled one.
"""

from __future__ import annotations

from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition


def install() -> None:
    from moto.cloudformation import parsing

    from . import cfn_models  # noqa: F401  (defining them registers them with moto)

    fix_kms_tags()
    _apply_bucket_versioning()
    _log_group_arn_as_cloudformation_returns_it()
    # The model map is cached on first use; these classes must be in it.
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


def fix_kms_tags() -> None:
    """moto's CloudFormation hands AWS::KMS::Key its `{Key, Value}` tags, which its KMS backend
    reads as `{TagKey, TagValue}` (KeyError). CloudFormation takes `{Key, Value}` (cfn-lint
    agrees), so the fake is corrected and the template stays exactly as compiled."""
    from moto.kms import models

    original = models.Key.create_from_cloudformation_json.__func__

    def create(cls, name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        properties["Tags"] = [
            {"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])
        ]
        return original(cls, name, cloudformation_json, account_id, region_name, **kwargs)

    models.Key.create_from_cloudformation_json = classmethod(create)


def _apply_bucket_versioning() -> None:
    original = FakeBucket.create_from_cloudformation_json.__func__

    def create(cls, name, cloudformation_json, account_id, region_name, **kwargs):
        bucket = original(cls, name, cloudformation_json, account_id, region_name, **kwargs)
        status = cloudformation_json["Properties"].get("VersioningConfiguration", {})
        if status.get("Status"):
            backend = s3_backends[account_id][get_partition(region_name)]
            backend.put_bucket_versioning(name, status["Status"])
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)


def _log_group_arn_as_cloudformation_returns_it() -> None:
    """CloudFormation documents `Fn::GetAtt Arn` of AWS::Logs::LogGroup as
    `arn:...:log-group:NAME:*`; moto returns it without the `:*`, so a policy built from it would
    cover no log stream here while it covers them all on AWS."""
    from moto.logs.models import LogGroup

    original = LogGroup.get_cfn_attribute

    def get_cfn_attribute(self, attribute_name: str) -> str:
        value = original(self, attribute_name)
        return f"{value}:*" if attribute_name == "Arn" and not value.endswith(":*") else value

    LogGroup.get_cfn_attribute = get_cfn_attribute
