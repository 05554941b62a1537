"""EventBridge and Glue in the emulator: what the AWS home relies on and moto lacks.

- EventBridge's TestEventPattern (moto: not implemented): the AWS home's runner asks the
  deployed rules, through this API, which events reach the function it plays.
- Delivery to SNS targets through their input transformer (moto: NotImplementedError, which
  would fail the quality job's PutEvents). Lambda targets are not invoked here: the runner plays
  Lambda and delivers to it what the same rules match.
- A workflow's MaxConcurrentRuns (moto: never enforced): StartWorkflowRun while a run is going
  raises ConcurrentRunsExceededException, as Glue does, and the runner, which plays Glue,
  ends a run through `complete_workflow_run` (the server's side door).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from moto.events.models import EventPattern, EventTemplateParser, Rule
from moto.events.responses import EventsHandler
from moto.glue.exceptions import ConcurrentRunsExceededException
from moto.glue.models import FakeWorkflow, glue_backends
from moto.sns.models import sns_backends
from moto.utilities.arns import parse_arn


def install() -> None:
    EventsHandler.test_event_pattern = _test_event_pattern
    _deliver_to_sns_targets()
    _enforce_workflow_concurrency()


def _test_event_pattern(self: EventsHandler) -> tuple[str, dict[str, Any]]:
    pattern = EventPattern.load(self._get_param("EventPattern"))
    event = json.loads(self._get_param("Event"))
    return json.dumps({"Result": pattern.matches_event(event)}), self.response_headers


def _deliver_to_sns_targets() -> None:
    original = Rule.send_to_targets

    def send(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        topics = [t for t in self.targets if parse_arn(t["Arn"]).service == "sns"]
        others = [t for t in self.targets if parse_arn(t["Arn"]).service not in ("sns", "lambda")]
        if topics and self.event_pattern.matches_event(original_event):
            for target in topics:
                _publish(target, original_event, transform_input)
        if others:
            kept, self.targets = self.targets, others
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = kept

    Rule.send_to_targets = send


def _publish(target: dict[str, Any], event: Any, transform_input: bool) -> None:
    transformer = target.get("InputTransformer", {}) if transform_input else {}
    message = EventTemplateParser.parse(
        input_template=transformer.get("InputTemplate"),
        input_paths_map=transformer.get("InputPathsMap", {}),
        event=event,
    )
    arn = parse_arn(target["Arn"])
    backend = sns_backends[arn.account][arn.region]
    text = message if isinstance(message, str) else json.dumps(message)
    backend.publish(text, arn=target["Arn"])


def _enforce_workflow_concurrency() -> None:
    original = FakeWorkflow.start_run

    def start_run(self: FakeWorkflow, properties: dict[str, str] | None) -> str:
        running = [r for r in self.runs.values() if r.status == "RUNNING"]
        if self.max_concurrent_runs and len(running) >= self.max_concurrent_runs:
            raise ConcurrentRunsExceededException(
                f"Concurrent runs exceeded for workflow: {self.name}"
            )
        return original(self, properties)

    FakeWorkflow.start_run = start_run


def complete_workflow_run(
    account: str, region: str, workflow: str, run_id: str, status: str
) -> None:
    """End a workflow run (the runner plays Glue and says when a run is over)."""
    run = glue_backends[account][region].workflows[workflow].get_run(run_id)
    run.status = status
    run.completed_on = datetime.now(UTC)
