"""Stage `build`: Plan -> the template (built with troposphere), one builder module per AWS area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from ..diagnostics import Span, raise_if_errors
from ..plan import PipelinePlan
from ..render import canonical_json
from ..stack_limits import template_size
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

# Each builder, with the spec key whose settings its resources express (a finding about one of
# them points there unless the builder names a finer path; see Stack.made_by).
BUILDERS: tuple[tuple[tuple[str, ...], Callable[[Stack], None]], ...] = (
    (("pipeline",), iam.build),
    (("pipeline",), kms.build),
    (("retention",), s3.build),
    (("pipeline",), dynamodb.build),
    (("network",), network.build),
    (("defaults", "jobs"), glue.build),
    (("retention",), logs.build),
    (("alerts",), notify.build),
    (("sources",), landing.build),
    (("alerts",), events.build),
    (("alerts",), alarms.build),
    (("pipeline",), dashboard.build),
    (("budget",), budget.build),
    (("pipeline",), outputs.build),
)


@dataclass(frozen=True)
class Built:
    template: dict
    # The template's canonical bytes, made once: the size check and the output share them.
    template_json: bytes
    # Logical ID -> the spec position of the setting that made the resource.
    spans: dict[str, Span]


def build(plan: PipelinePlan, release: str) -> Built:
    """Every resource of the pipeline's stack, as the template's dict, and where in the spec each
    comes from; raises CompileError on build-time problems."""
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
    for area, run in BUILDERS:
        with stack.made_by(*area):
            run(stack)
    raise_if_errors([*stack.problems, *stack.limit_problems()])
    dashboard.add_cost_panel(stack)
    template, spans = stack.template.to_dict(), stack.spans()
    template_json = canonical_json(template)
    raise_if_errors(template_size(len(template_json), spans))
    return Built(template, template_json, spans)


def _description(plan: PipelinePlan) -> str:
    text = f"pipegen pipeline {plan.name} ({plan.env})"
    if plan.description:
        text += f": {plan.description}"
    # CloudFormation counts the Description's bytes, not its characters.
    return text.encode()[:1024].decode(errors="ignore")
