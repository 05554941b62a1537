"""The CloudFormation models moto lacks: Glue's database, security configuration, jobs,
workflow and triggers, and bucket policies. Importing this module registers them with moto
(it finds models through `CloudFormationModel.__subclasses__()`), so only `install()` does.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.glue.models import glue_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition


class _Emulated:
    """A resource moto's CloudFormation skips, made through moto's own backend.

    Each concrete class also derives from CloudFormationModel directly: moto finds the models
    it may create through `CloudFormationModel.__subclasses__()`. A subclass says how to
    `create` (returning the physical ID) and `delete`; an update replaces the resource.
    """

    def __init__(self, name: str):
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        return cls(cls.create(account_id, region_name, cloudformation_json["Properties"]))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        cls.delete_from_cloudformation_json(
            original_resource.name, cloudformation_json, account_id, region_name
        )
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        cls.delete(account_id, region_name, resource_name)

    @staticmethod
    def create(account: str, region: str, properties: dict) -> str:
        raise NotImplementedError

    @staticmethod
    def delete(account: str, region: str, name: str) -> None:
        raise NotImplementedError


class BucketPolicy(_Emulated, CloudFormationModel):
    """`AWS::S3::BucketPolicy`, applied to its bucket (physical ID: the bucket)."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @staticmethod
    def create(account, region, properties):
        document = json.dumps(properties["PolicyDocument"]).encode()
        _s3(account, region).put_bucket_policy(properties["Bucket"], document)
        return properties["Bucket"]

    @staticmethod
    def delete(account, region, name):
        from moto.s3.exceptions import MissingBucket

        # When the bucket went first, its policy went with it.
        with contextlib.suppress(MissingBucket):
            _s3(account, region).delete_bucket_policy(name)


def _s3(account: str, region: str) -> Any:
    return s3_backends[account][get_partition(region)]


def _glue(account: str, region: str) -> Any:
    return glue_backends[account][region]


class GlueDatabase(_Emulated, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Database"

    @staticmethod
    def create(account, region, properties):
        database = properties["DatabaseInput"]
        _glue(account, region).create_database(database["Name"], database)
        return database["Name"]

    @staticmethod
    def delete(account, region, name):
        _glue(account, region).delete_database(name)


class GlueSecurityConfiguration(_Emulated, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::SecurityConfiguration"

    @staticmethod
    def create(account, region, properties):
        _glue(account, region).create_security_configuration(
            properties["Name"], properties["EncryptionConfiguration"]
        )
        return properties["Name"]

    @staticmethod
    def delete(account, region, name):
        _glue(account, region).delete_security_configuration(name)


class GlueJob(_Emulated, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Job"

    @staticmethod
    def create(account, region, p):
        _glue(account, region).create_job(
            name=p["Name"],
            role=p["Role"],
            command=p["Command"],
            description=p.get("Description"),
            log_uri=p.get("LogUri"),
            execution_property=p.get("ExecutionProperty"),
            default_arguments=p.get("DefaultArguments"),
            non_overridable_arguments=p.get("NonOverridableArguments"),
            connections=p.get("Connections"),
            max_retries=p.get("MaxRetries"),
            allocated_capacity=p.get("AllocatedCapacity"),
            timeout=p.get("Timeout"),
            max_capacity=p.get("MaxCapacity"),
            security_configuration=p.get("SecurityConfiguration"),
            tags=p.get("Tags"),
            notification_property=p.get("NotificationProperty"),
            glue_version=p.get("GlueVersion"),
            number_of_workers=p.get("NumberOfWorkers"),
            worker_type=p.get("WorkerType"),
            code_gen_configuration_nodes=None,
            execution_class=p.get("ExecutionClass"),
            source_control_details=None,
        )
        return p["Name"]

    @staticmethod
    def delete(account, region, name):
        _glue(account, region).delete_job(name)


class GlueWorkflow(_Emulated, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Workflow"

    @staticmethod
    def create(account, region, p):
        _glue(account, region).create_workflow(
            p["Name"],
            p.get("DefaultRunProperties"),
            p.get("Description"),
            p.get("MaxConcurrentRuns"),
            p.get("Tags"),
        )
        return p["Name"]

    @staticmethod
    def delete(account, region, name):
        _glue(account, region).delete_workflow(name)


class GlueTrigger(_Emulated, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Trigger"

    @staticmethod
    def create(account, region, p):
        from moto.glue.responses import Action, Predicate

        predicate = p.get("Predicate")
        _glue(account, region).create_trigger(
            name=p["Name"],
            workflow_name=p.get("WorkflowName"),
            trigger_type=p["Type"],
            schedule=p.get("Schedule"),
            predicate=Predicate(predicate) if predicate else None,
            actions=[Action(a) for a in p["Actions"]],
            description=p.get("Description"),
            start_on_creation=p.get("StartOnCreation", False),
            tags=p.get("Tags"),
            event_batching_condition=p.get("EventBatchingCondition"),
        )
        return p["Name"]

    @staticmethod
    def delete(account, region, name):
        _glue(account, region).delete_trigger(name)
