"""EventBridge rules: `AWS::Events::Rule`.

To the landing function: objects created under a landing prefix, and the end of every workflow
run (so files that waited for it get their run). To the alert topic, as readable sentences
(input transformers over the templates in `pipegen_runtime.messages`): each job's runs that end
failed, timed out or stopped; quality results below the warn threshold. To each opt-in
notice's own topic: the runtime's run-started and run-succeeded events. The
per-job rules also feed the job-failure alarms (their TriggeredRules metric).
"""

from __future__ import annotations

import json

from troposphere import GetAtt, Ref, events

from pipegen_runtime.messages import (
    EVENT_SOURCE,
    JOB_ENDED,
    JOB_FAILED_STATES,
    NOTICES,
    QUALITY,
    QUALITY_ALERT_OUTCOMES,
    QUALITY_RESULT,
    placeholders,
)

from ..logical_ids import FAILURE_QUEUE, LANDING_FUNCTION, TOPIC, job_id, notice_topic_id, rule_id
from ..naming import JOBS, notice_rule
from .common import Stack, bucket_name

# Where each placeholder of a message template is found in the event.
EVENT_PATHS = {
    "job": "$.detail.jobName",
    "state": "$.detail.state",
    "run": "$.detail.jobRunId",
    "message": "$.detail.message",
    "time": "$.time",
    **{k: f"$.detail.{k}" for k in placeholders(QUALITY) if k not in ("pipeline", "environment")},
}
# The runtime's notice events carry every value but the time in their detail.
NOTICE_PATHS = {
    k: "$.time" if k == "time" else f"$.detail.{k}"
    for _, template in NOTICES.values()
    for k in placeholders(template)
}


def failed_rule(kind: str) -> str:
    return f"{kind}-failed"


def to_function_rules(stack: Stack) -> list[str]:
    """Rules whose target is the landing function (the function's invoke permissions)."""
    return ["file-arrived", "run-succeeded", *(failed_rule(k) for k in JOBS)]


def topic_rules(stack: Stack) -> list[str]:
    return [failed_rule(k) for k in JOBS] + ["quality-result"]


def topic_rule_arns(stack: Stack) -> list[GetAtt]:
    return [GetAtt(rule_id(r), "Arn") for r in sorted(topic_rules(stack))]


def build(stack: Stack) -> None:
    plan = stack.plan
    landing = [s.config.landing for s in plan.sources]
    _rule(
        stack,
        "file-arrived",
        "Files created under a landing prefix go to the landing check",
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {
                "bucket": {"name": [bucket_name("raw")]},
                "object": {"key": [{"prefix": p} for p in sorted(landing)]},
            },
        },
        [_function_target(dead_letter=True)],
    )
    _rule(
        stack,
        "run-succeeded",
        "A workflow run finished: start the files that waited for it",
        _job_state([job_id("quality")], ["SUCCEEDED"]),
        [_function_target(dead_letter=False)],
    )
    for kind in JOBS:
        _rule(
            stack,
            failed_rule(kind),
            f"The {kind} job ended without success",
            _job_state([job_id(kind)], list(JOB_FAILED_STATES)),
            [_topic_target(stack, JOB_ENDED), _function_target(dead_letter=False)],
        )
    _rule(
        stack,
        "quality-result",
        "Quality results below the warn threshold",
        {
            "source": [EVENT_SOURCE],
            "detail-type": [QUALITY_RESULT],
            "detail": {
                "pipeline": [plan.name],
                "environment": [plan.env],
                "outcome": list(QUALITY_ALERT_OUTCOMES),
            },
        },
        [_topic_target(stack, QUALITY)],
    )
    for kind in sorted(plan.alerts.notices):
        detail_type, template = NOTICES[kind]
        _rule(
            stack,
            notice_rule(kind),
            f"Notice: {kind.replace('_', ' ')}",
            {
                "source": [EVENT_SOURCE],
                "detail-type": [detail_type],
                "detail": {"pipeline": [plan.name], "environment": [plan.env]},
            },
            [_topic_target(stack, template, NOTICE_PATHS, Ref(notice_topic_id(kind)))],
        )


def _job_state(jobs: list[str], states: list[str]) -> dict:
    return {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": [Ref(j) for j in jobs], "state": states},
    }


def _rule(stack: Stack, name: str, description: str, pattern: dict, targets: list) -> None:
    stack.add(
        events.Rule(
            rule_id(name),
            Name=stack.plan.naming.rule(name),
            Description=f"pipegen {stack.plan.naming.prefix}: {description}",
            State="ENABLED",
            EventPattern=pattern,
            Targets=targets,
            Tags=stack.tags(),
        )
    )


def _function_target(dead_letter: bool) -> events.Target:
    target = events.Target(
        Id="landing-function",
        Arn=GetAtt(LANDING_FUNCTION, "Arn"),
        RetryPolicy=events.RetryPolicy(MaximumRetryAttempts=8, MaximumEventAgeInSeconds=3600),
    )
    if dead_letter:
        # Events EventBridge could not deliver at all land where failed invocations land.
        target.DeadLetterConfig = events.DeadLetterConfig(Arn=GetAtt(FAILURE_QUEUE, "Arn"))
    return target


def _topic_target(
    stack: Stack, template: str, where: dict[str, str] = EVENT_PATHS, topic: Ref | None = None
) -> events.Target:
    """An SNS target (the alert topic unless told) whose message is the template with the
    event's values (found at `where`'s paths) filled in."""
    text = template.replace("<pipeline>", stack.plan.name).replace("<environment>", stack.plan.env)
    paths = {k: where[k] for k in placeholders(text)}
    return events.Target(
        Id="alert-topic" if topic is None else "notice-topic",
        Arn=topic or Ref(TOPIC),
        InputTransformer=events.InputTransformer(
            InputPathsMap=paths, InputTemplate=json.dumps(text)
        ),
    )
