"""Lambda, played: the deployed function's code, invoked with an event, under its own role.

The code is the template's inline `index.py`; it runs in a fresh Python process whose
environment is the function's configuration plus its role's credentials and the endpoint,
and nothing of the caller's. What it prints goes, under its role, to its log group (the
function's LoggingConfig), as Lambda ships it. An invocation that raises is retried as the
function's invoke config says (the AWS home retries it after the workflow run in progress, as
Lambda's backoff would), and an event that exhausts its retries goes to its on-failure queue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .deployed import Function
from .roles import Credentials, trusted_certificates

HANDLER = (
    "import json, sys\n"
    "import index\n"
    "result = index.handler(json.load(sys.stdin), None)\n"
    "print('lambda-result: ' + json.dumps(result, sort_keys=True))\n"
)


@dataclass(frozen=True)
class Invocation:
    ok: bool
    result: dict[str, Any]
    error: str = ""


def invoke(function: Function, credentials: Credentials, aws: Any, event: dict) -> Invocation:
    with tempfile.TemporaryDirectory(prefix="pipegen-lambda-") as folder:
        Path(folder, "index.py").write_text(function.code, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", HANDLER],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            cwd=folder,
            env=_environment(function, credentials, aws, folder),
            timeout=int(function.environment.get("PIPEGEN_CLAIM_SECONDS", "300")) + 60,
        )
    _ship_logs(function, credentials, aws, done.stdout + done.stderr)
    lines = [line for line in done.stdout.splitlines() if line.startswith("lambda-result: ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Invocation(False, {}, tail)
    return Invocation(True, json.loads(lines[-1].removeprefix("lambda-result: ")))


def _ship_logs(function: Function, credentials: Credentials, aws: Any, output: str) -> None:
    if function.log_group is None:
        return
    logs = credentials.client(aws, "logs")
    stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
    logs.create_log_stream(logGroupName=function.log_group, logStreamName=stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": line} for line in output.splitlines() if line]
    if events:
        logs.put_log_events(logGroupName=function.log_group, logStreamName=stream, logEvents=events)


def _environment(function: Function, credentials: Credentials, aws: Any, folder: str) -> dict:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": folder,
        "AWS_REGION": aws.region,
        "AWS_DEFAULT_REGION": aws.region,
        "AWS_ENDPOINT_URL": aws.endpoint_url,
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        **trusted_certificates(),
        **function.environment,
        **credentials.environment(),
    }


def send_to_failure_queue(aws: Any, function: Function, event: dict, error: str) -> None:
    """What Lambda sends its on-failure destination for an event it gave up on."""
    if function.failure_queue_url is None:
        return
    record = {
        "requestContext": {"functionArn": function.name, "condition": "RetriesExhausted"},
        "requestPayload": event,
        "responseContext": {"functionError": "Unhandled"},
        "responsePayload": {"errorMessage": error},
    }
    aws.client("sqs").send_message(
        QueueUrl=function.failure_queue_url, MessageBody=json.dumps(record)
    )
