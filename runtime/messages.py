"""Readable alert messages, one template each, shared by both homes.

On AWS the compiler puts these templates into EventBridge input transformers (the `<name>`
placeholders are EventBridge's own syntax); locally the runner fills them in with `render`, so
a user sees the same sentence in their inbox and in `<lake>/_notifications.jsonl`.
"""

from __future__ import annotations

import re

# Custom events the runtime puts on the default bus; EventBridge rules match these.
EVENT_SOURCE = "pipegen"
QUALITY_RESULT = "pipegen Quality Result"
QUALITY_ALERT_OUTCOMES = ("warn", "fail")
RUN_STARTED = "pipegen Run Started"
RUN_SUCCEEDED = "pipegen Run Succeeded"
JOB_FAILED_STATES = ("FAILED", "TIMEOUT", "STOPPED", "ERROR")

JOB_ENDED = (
    "pipegen <pipeline>/<environment>: job <job> ended <state> at <time> (run <run>): <message>"
)
QUALITY = (
    "pipegen <pipeline>/<environment>: quality <outcome>, score <score> "
    "(warn below <warn_below>, fail below <fail_below>); published: <published>; report <report>"
)
RUN_STARTED_NOTICE = "pipegen <pipeline>/<environment>: run <run> started at <time>"
RUN_SUCCEEDED_NOTICE = (
    "pipegen <pipeline>/<environment>: run <run> succeeded at <time>: <tables> table(s) "
    "published, quality <outcome>, score <score>; report <report>"
)
# Notice kind (the spec's `alerts.notices` keys) -> (event detail-type, message template).
NOTICES = {
    "run_started": (RUN_STARTED, RUN_STARTED_NOTICE),
    "run_succeeded": (RUN_SUCCEEDED, RUN_SUCCEEDED_NOTICE),
}
FILE_REJECTED = (
    "pipegen <pipeline>/<environment>: file <key> of source <source> was rejected: <reason>. "
    "It was moved to <rejected_key>."
)

_PLACEHOLDER = re.compile(r"<([a-z_]+)>")


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def render(template: str, values: dict[str, object]) -> str:
    """Fill every `<name>`; a missing value is a bug in the caller, so it raises."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def file_rejected(
    pipeline: str, environment: str, source: str, key: str, reason: str, moved_to: str
) -> str:
    """The rejection notice both homes send (landing function and local runner)."""
    values = {
        "pipeline": pipeline,
        "environment": environment,
        "key": key,
        "source": source,
        "reason": reason,
        "rejected_key": moved_to,
    }
    return render(FILE_REJECTED, values)
