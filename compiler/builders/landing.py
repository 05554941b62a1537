"""The landing function: `AWS::Lambda::Function`, `::EventInvokeConfig`, `::Permission`;
its role, its log group, and its failure queue (`AWS::SQS::Queue`, `::QueuePolicy`).

The code is inline (`ZipFile`), so plain `aws cloudformation deploy` creates a working function
with no artifact step: the text of the runtime's landing check, message and metric modules,
then the handler (see `pipegen_runtime.landing_function`). What it checks comes from the spec as
data, in environment variables. Events that still fail after Lambda's retries, and events
EventBridge cannot deliver, go to an encrypted SQS queue that an alarm watches.
"""

from __future__ import annotations

import json
from importlib import resources

from troposphere import GetAtt, Ref, Sub, awslambda, iam, logs, sqs

from pipegen_runtime.state import STAGE_INDEX

from ..diagnostics import Diagnostic
from ..logical_ids import (
    DATA_KEY,
    FAILURE_QUEUE,
    FAILURE_QUEUE_POLICY,
    LANDING_FUNCTION,
    LANDING_GROUP,
    LANDING_INVOKE_CONFIG,
    LANDING_LOG_GROUP,
    LOGS_KEY,
    NOTIFY_KEY,
    TOPIC,
    WORKFLOW,
    function_permission_id,
    policy_id,
    role_id,
    rule_id,
    table_id,
)
from ..render import landing_config
from .common import (
    ROLE_KEY_USE,
    SEND_KEY_USE,
    Stack,
    account_arn,
    allow,
    bucket_arn,
    bucket_objects_arn,
    policy,
    scanner_skips,
)
from .events import to_function_rules
from .iam import access_policy
from .network import subnet_refs, vpc_access_statements

INLINE_MODULES = ("typed_json", "landing", "messages", "metrics", "landing_function")
INLINE_DROP = "# inline-drop"
FUTURE = "from __future__ import annotations"
ENVIRONMENT_LIMIT = 4096  # bytes, all of a function's variables together
RUNTIME = "python3.12"


def inline_code() -> str:
    """One file from the runtime modules, in dependency order, without their relative imports."""
    parts = [FUTURE, ""]
    for module in INLINE_MODULES:
        text = resources.files("pipegen_runtime").joinpath(f"{module}.py").read_text()
        lines = [line for line in text.splitlines() if INLINE_DROP not in line and line != FUTURE]
        parts += [f"# ---- pipegen_runtime/{module}.py ----", *lines, ""]
    return "\n".join(parts)


def landing_environment(stack: Stack) -> dict:
    sources = {s.name: landing_config(s) for s in stack.plan.sources}
    return {
        "PIPEGEN_PIPELINE": stack.plan.name,
        "PIPEGEN_ENVIRONMENT": stack.plan.env,
        "PIPEGEN_SOURCES": json.dumps(sources, sort_keys=True, separators=(",", ":")),
        "PIPEGEN_WORKFLOW": Ref(WORKFLOW),
        "PIPEGEN_RUN_STATE_TABLE": Ref(table_id("run-state")),
        "PIPEGEN_TOPIC_ARN": Ref(TOPIC),
        "PIPEGEN_CLAIM_SECONDS": str(stack.plan.alerts.landing_function.timeout_seconds),
    }


def build(stack: Stack) -> None:
    naming = stack.plan.naming
    settings = stack.plan.alerts.landing_function
    variables = landing_environment(stack)
    _check_environment_size(stack, variables)
    stack.add(_queue(stack))
    stack.add(_queue_policy(stack))
    stack.add(
        logs.LogGroup(
            LANDING_LOG_GROUP,
            LogGroupName=naming.landing_log_group,
            RetentionInDays=stack.plan.retention.logs_days,
            KmsKeyId=GetAtt(LOGS_KEY, "Arn"),
            Tags=stack.tags(),
        )
    )
    _role(stack)
    function = awslambda.Function(
        LANDING_FUNCTION,
        FunctionName=naming.landing_function,
        Description=f"pipegen {naming.prefix}: landing check, then start the workflow",
        Runtime=RUNTIME,
        Handler="index.handler",
        Code=awslambda.Code(ZipFile=inline_code()),
        Role=GetAtt(role_id("landing"), "Arn"),
        Timeout=settings.timeout_seconds,
        MemorySize=256,
        ReservedConcurrentExecutions=settings.reserved_concurrency,
        Environment=awslambda.Environment(Variables=variables),
        KmsKeyArn=GetAtt(DATA_KEY, "Arn"),
        **_vpc_config(stack),
        LoggingConfig=awslambda.LoggingConfig(LogGroup=Ref(LANDING_LOG_GROUP)),
        Tags=stack.tags(),
    )
    # The role's policy must exist before the first invocation can use it.
    function.DependsOn = [policy_id("landing")]
    scanner_skips(function, _function_skips(stack))
    stack.add(function)
    stack.add(
        awslambda.EventInvokeConfig(
            LANDING_INVOKE_CONFIG,
            FunctionName=Ref(LANDING_FUNCTION),
            Qualifier="$LATEST",
            MaximumRetryAttempts=settings.max_retries,
            MaximumEventAgeInSeconds=6 * 3600,
            DestinationConfig=awslambda.DestinationConfig(
                OnFailure=awslambda.OnFailure(Destination=GetAtt(FAILURE_QUEUE, "Arn"))
            ),
        )
    )
    for rule in to_function_rules(stack):
        stack.add(
            awslambda.Permission(
                function_permission_id(rule),
                FunctionName=Ref(LANDING_FUNCTION),
                Action="lambda:InvokeFunction",
                Principal="events.amazonaws.com",
                SourceArn=GetAtt(rule_id(rule), "Arn"),
            )
        )


def _vpc_config(stack: Stack) -> dict:
    if not stack.plan.network.vpc:
        return {}
    return {
        "VpcConfig": awslambda.VPCConfig(
            SubnetIds=subnet_refs(stack), SecurityGroupIds=[Ref(LANDING_GROUP)]
        )
    }


def _function_skips(stack: Stack) -> dict[str, str]:
    skips = {
        "CKV_AWS_116": "failed events go to the SQS failure queue through the on-failure "
        "destination (EventInvokeConfig), which keeps the error and the request context a DLQ "
        "would drop; an alarm watches that queue",
    }
    if not stack.plan.network.vpc:
        skips["CKV_AWS_117"] = (
            "network.vpc is false for this pipeline: the function calls only AWS APIs (S3, "
            "DynamoDB, Glue, SNS, CloudWatch) over TLS with its IAM role; `network: {vpc: true}` "
            "puts it in private subnets"
        )
    return skips


def _check_environment_size(stack: Stack, variables: dict) -> None:
    size = sum(len(k) + len(v) for k, v in variables.items() if isinstance(v, str))
    # Refs resolve to names of at most a few hundred bytes; keep room for them.
    if size > ENVIRONMENT_LIMIT - 1024:
        stack.problems.append(
            Diagnostic(
                stack.plan.source_map.at(("sources",)),
                "PG504",
                f"the landing function's settings for {len(stack.plan.sources)} sources take "
                f"{size} bytes; Lambda allows {ENVIRONMENT_LIMIT} for all of them. Use fewer "
                "sources per pipeline or shorter accept rules",
            )
        )


def _queue(stack: Stack) -> sqs.Queue:
    return sqs.Queue(
        FAILURE_QUEUE,
        QueueName=stack.plan.naming.failure_queue,
        KmsMasterKeyId=GetAtt(NOTIFY_KEY, "Arn"),
        KmsDataKeyReusePeriodSeconds=300,
        MessageRetentionPeriod=14 * 24 * 3600,
        Tags=stack.tags(),
    )


def _queue_policy(stack: Stack) -> sqs.QueuePolicy:
    queue = GetAtt(FAILURE_QUEUE, "Arn")
    return sqs.QueuePolicy(
        FAILURE_QUEUE_POLICY,
        Queues=[Ref(FAILURE_QUEUE)],
        PolicyDocument=policy(
            {
                "Sid": "UndeliverableEventsFromThisStacksRule",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue,
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": GetAtt(rule_id("file-arrived"), "Arn")}
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ),
    )


def _role(stack: Stack) -> None:
    stack.add(
        iam.Role(
            role_id("landing"),
            RoleName=stack.plan.naming.role("landing"),
            AssumeRolePolicyDocument=policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": Sub("${AWS::AccountId}")}},
                }
            ),
            Tags=stack.tags(),
        )
    )
    stack.add(access_policy("landing", _statements(stack)))


def _statements(stack: Stack) -> list[dict]:
    from pipegen_runtime.landing import REJECTED_PREFIX
    from pipegen_runtime.metrics import NAMESPACE

    landing = sorted(s.config.landing for s in stack.plan.sources)
    arrivals = [bucket_objects_arn("raw", p) for p in landing]
    rejected = bucket_objects_arn("raw", REJECTED_PREFIX)
    return [
        # Without ListBucket S3 answers 403, not 404, for a vanished object.
        allow("FindArrivals", ["s3:ListBucket"], [bucket_arn("raw")]),
        allow("ReadArrivals", ["s3:GetObject", "s3:GetObjectVersion"], arrivals),
        allow("MoveRejectedAway", ["s3:DeleteObject"], arrivals),
        allow("WriteRejected", ["s3:PutObject"], [rejected]),
        allow("UseDataKey", ROLE_KEY_USE, [GetAtt(DATA_KEY, "Arn")]),
        allow(
            "RecordArrivals",
            ["dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            [
                GetAtt(table_id("run-state"), "Arn"),
                Sub(f"${{{table_id('run-state')}.Arn}}/index/{STAGE_INDEX}"),
            ],
        ),
        allow(
            "StartWorkflow",
            ["glue:GetWorkflowRuns", "glue:StartWorkflowRun"],
            [account_arn("glue", f"workflow/{stack.plan.naming.workflow}")],
        ),
        allow("PublishAlerts", ["sns:Publish"], [Ref(TOPIC)]),
        allow("ReportFailures", ["sqs:SendMessage"], [GetAtt(FAILURE_QUEUE, "Arn")]),
        allow("UseNotifyKey", SEND_KEY_USE, [GetAtt(NOTIFY_KEY, "Arn")]),
        allow(
            "WriteLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [GetAtt(LANDING_LOG_GROUP, "Arn")],
        ),
        # PutMetricData cannot be scoped by resource (AWS requires "*"); the namespace
        # condition keeps it to pipegen's own metrics.
        allow(
            "PublishMetrics",
            ["cloudwatch:PutMetricData"],
            ["*"],
            Condition={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
        ),
        *vpc_access_statements(stack, "lambda"),
    ]
