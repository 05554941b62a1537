"""The Glue jobs' log groups: `AWS::Logs::LogGroup`.

Glue creates the log groups it writes to when they are missing, outside the stack: they would
never expire and would not use the logs key. Every job passes `--custom-logGroup-prefix` (Glue
5.x), so Glue writes to `<prefix>/output` (the script's stdout and stderr) and `<prefix>/error`
(Spark's and Glue's own logs), and the stack creates exactly those two, with the spec's
retention and the logs key.
"""

from __future__ import annotations

from troposphere import GetAtt, logs

from ..logical_ids import LOGS_KEY, glue_log_group_id
from .common import Stack


def build(stack: Stack) -> None:
    for group in stack.plan.naming.glue_log_groups:
        stack.add(
            logs.LogGroup(
                glue_log_group_id(group),
                LogGroupName=group,
                RetentionInDays=stack.plan.retention.logs_days,
                KmsKeyId=GetAtt(LOGS_KEY, "Arn"),
                Tags=stack.tags(),
            )
        )
