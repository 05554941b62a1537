"""Stage `build`: Plan -> the template (built with troposphere), one builder module per AWS area."""

from __future__ import annotations

from pathlib import PurePath

from .. import policy
from ..diagnostics import raise_if_errors
from ..plan import PipelinePlan
from . import (
    alarms,
    budget,
    dashboard,
    dynamodb,
    events,
    glue,
    iam,
    kms,
    landing,
    logs,
    network,
    notify,
    outputs,
    s3,
)
from .common import Stack

BUILDERS = (
    iam.build,
    kms.build,
    s3.build,
    dynamodb.build,
    network.build,
    glue.build,
    logs.build,
    notify.build,
    landing.build,
    events.build,
    alarms.build,
    dashboard.build,
    budget.build,
    outputs.build,
)


def build(plan: PipelinePlan, release: str) -> dict:
    """Every resource of the pipeline's stack, as the template's dict; raises CompileError on
    build-time problems and on findings of the policy checks."""
    stack = Stack(plan, release)
    stack.template.set_version("2010-09-09")
    stack.template.set_description(_description(plan))
    stack.template.set_metadata(
        {
            "pipegen": {
                "apiVersion": "pipegen/v1",
                "pipeline": plan.name,
                "environment": plan.env,
                "region": plan.region,
                "spec": PurePath(plan.spec_file).name,
                "release": release,
            }
        }
    )
    for run in BUILDERS:
        run(stack)
    raise_if_errors(stack.problems)
    template = stack.template.to_dict()
    raise_if_errors(policy.check(template, plan))
    return template


def _description(plan: PipelinePlan) -> str:
    text = f"pipegen pipeline {plan.name} ({plan.env})"
    if plan.description:
        text += f": {plan.description}"
    return text[:1024]
