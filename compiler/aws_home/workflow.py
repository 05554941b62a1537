"""Glue's workflow engine and EventBridge's delivery to the function, played in one loop.

Arrivals first: every object under a landing prefix is announced as S3 would, and the
function, invoked for the events the deployed rules route to it, starts workflow runs (or
files the arrival as waiting when a run is going: the endpoint enforces the workflow's
MaxConcurrentRuns). Then each started run is executed: the start trigger's jobs, then every
conditional trigger whose predicate the runs' job states satisfy, each job retried up to its
MaxRetries, each attempt's end announced as Glue does. The run ends (the endpoint is told, as
Glue would record it), and invocations that failed are retried.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .deployed import DeployedStack, Job, Trigger
from .events import Router, job_state_change, object_created
from .glue_jobs import GLUE_SERVICE, Engine, JobRun, run_job
from .lambda_host import invoke, send_to_failure_queue
from .roles import Roles, trusted_certificates

LAMBDA_SERVICE = "lambda.amazonaws.com"
# How the runner, playing Glue, tells the emulator a workflow run is over (tests/emulator).
COMPLETE_RUN_PATH = "/_emulator/glue/complete-workflow-run"
MAX_RUNS = 20


@dataclass
class WorkflowRun:
    run_id: str
    jobs: list[JobRun] = field(default_factory=list)  # every attempt, in order


@dataclass
class Played:
    """What happened: the function's verdicts on arrivals, and every workflow run."""

    accepted: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    runs: list[WorkflowRun] = field(default_factory=list)
    undelivered: int = 0


class AwsHome:
    def __init__(self, aws: Any, stack: DeployedStack, engine: Engine, echo=print):
        self.aws, self.stack, self.engine, self.echo = aws, stack, engine, echo
        self.roles = Roles(aws, echo)
        self.router = Router(aws, stack)
        self.started: deque[str] = deque()
        self.retries: list[tuple[dict, int]] = []
        self.played = Played()

    def play(self) -> Played:
        for obj in self._landed_objects():
            self.deliver(object_created(self.stack, obj))
        while self.started or self.retries:
            if len(self.played.runs) >= MAX_RUNS:
                self.echo(f"stopping after {MAX_RUNS} workflow runs")
                break
            if self.started:
                self._execute(self.started.popleft())
            pending, self.retries = self.retries, []
            for event, attempt in pending:
                self._invoke(event, attempt)
        return self.played

    # -- EventBridge and Lambda ------------------------------------------------------------

    def deliver(self, event: dict[str, Any]) -> None:
        self.router.announce(event)
        if self.router.to_function(event):
            self._invoke(event, 0)

    def _invoke(self, event: dict[str, Any], attempt: int) -> None:
        function = self.stack.function
        credentials = self.roles.of(function.role_arn, LAMBDA_SERVICE)
        done = invoke(function, credentials, self.aws, event)
        if done.ok:
            self._note(event, done.result)
        elif attempt < function.max_retries:
            self.echo(f"  function failed ({done.error}); Lambda retries it")
            self.retries.append((event, attempt + 1))
        else:
            self.echo(f"  function failed {attempt + 1} times ({done.error}); to its failure queue")
            send_to_failure_queue(self.aws, function, event, done.error)
            self.played.undelivered += 1

    def _note(self, event: dict[str, Any], result: dict[str, Any]) -> None:
        status = result.get("status")
        key = event["detail"].get("object", {}).get("key")
        if key and status in ("started", "waiting"):
            self.played.accepted += 1
        if status == "rejected":
            self.played.rejected.append((key, result["reason"]))
        if status == "started":
            self.started.append(result["run_id"])
        if status != "duplicate":
            self.echo(f"  function: {key or event['detail-type']}: {status}")

    def _landed_objects(self) -> list[dict[str, Any]]:
        s3 = self.aws.client("s3")
        found = []
        for prefix in self.stack.landing_prefixes:
            pages = s3.get_paginator("list_object_versions").paginate(
                Bucket=self.stack.raw_bucket, Prefix=prefix
            )
            found += [v for page in pages for v in page.get("Versions", []) if v["IsLatest"]]
        return sorted(found, key=lambda v: v["Key"])

    # -- Glue ------------------------------------------------------------------------------

    def _execute(self, run_id: str) -> None:
        run = WorkflowRun(run_id)
        self.played.runs.append(run)
        self.echo(f"workflow {self.stack.workflow} run {run_id}")
        states: dict[str, str] = {}
        fired: set[str] = set()
        queue = deque(a for t in self.stack.triggers if t.kind != "CONDITIONAL" for a in t.actions)
        while queue:
            job = self.stack.jobs[queue.popleft()]
            result = self._job(job, run)
            states[job.name] = result.state
            for trigger in self.stack.triggers:
                if trigger.name not in fired and _satisfied(trigger, states):
                    fired.add(trigger.name)
                    queue.extend(trigger.actions)
        self._complete(run_id, "COMPLETED")

    def _job(self, job: Job, run: WorkflowRun) -> JobRun:
        """Every attempt of the job (recorded in the run), until one succeeds; the last."""
        credentials = self.roles.of(job.role_arn, GLUE_SERVICE)
        for attempt in range(job.max_retries + 1):
            workflow = (self.stack.workflow, run.run_id)
            result = run_job(self.engine, job, credentials, workflow, attempt)
            run.jobs.append(result)
            note = f" ({result.message})" if result.message else ""
            self.echo(f"  {job.name} {result.state} in {result.seconds:.1f}s{note}")
            event = job_state_change(
                self.stack, job.name, result.run_id, result.state, result.message
            )
            self.deliver(event)
            if result.state == "SUCCEEDED":
                break
        return result

    def _complete(self, run_id: str, status: str) -> None:
        body = {"region": self.stack.region, "workflow": self.stack.workflow}
        body |= {"run_id": run_id, "status": status}
        request = urllib.request.Request(
            self.aws.endpoint_url.rstrip("/") + COMPLETE_RUN_PATH,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        bundle = trusted_certificates().get("AWS_CA_BUNDLE")
        context = ssl.create_default_context(cafile=bundle) if bundle else None
        try:
            urllib.request.urlopen(request, timeout=30, context=context).read()
        except OSError as exc:
            self.echo(f"  the endpoint did not take the end of run {run_id} ({exc})")


def _satisfied(trigger: Trigger, states: dict[str, str]) -> bool:
    if trigger.kind != "CONDITIONAL":
        return False
    met = [states.get(job) == state for job, state in trigger.conditions]
    return all(met) if trigger.logical == "AND" else any(met)
