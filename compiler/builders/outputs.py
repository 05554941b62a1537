"""Stack outputs: `Outputs` for every bucket, job, table, the workflow and the database.

`pipegen upload` reads ScriptsBucket from here; nothing is exported, so two environments or
pipelines in one account never collide on export names.
"""

from __future__ import annotations

from troposphere import Output, Ref

from ..logical_ids import (
    DATABASE,
    WORKFLOW,
    bucket_output_id,
    job_id,
    job_name_output_id,
    table_id,
    table_name_output_id,
)
from ..naming import JOBS, STATE_TABLES, ZONES
from .common import Stack, bucket_name


def build(stack: Stack) -> None:
    for zone in ZONES:
        _output(stack, bucket_output_id(zone), bucket_name(zone), f"{zone} bucket")
    for kind in JOBS:
        _output(stack, job_name_output_id(kind), Ref(job_id(kind)), f"{kind} job")
    for name in STATE_TABLES:
        _output(stack, table_name_output_id(name), Ref(table_id(name)), f"{name} table")
    _output(stack, "WorkflowName", Ref(WORKFLOW), "Glue workflow")
    _output(stack, "DatabaseName", Ref(DATABASE), "Glue catalog database")


def _output(stack: Stack, name: str, value: Ref, description: str) -> None:
    stack.template.add_output(Output(name, Value=value, Description=description))
