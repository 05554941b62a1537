"""`pipegen run --home aws`: read the deployed stack, play it, sum it up like a local run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..local_home.runner import EXIT_BLOCKED, EXIT_FAILED, EXIT_OK, RunResult
from ..plan import PipelinePlan
from .deployed import read_stack
from .glue_jobs import Engine, java_trust_store
from .s3a import s3a_jars
from .workflow import AwsHome, Played


def run_on_aws(plan: PipelinePlan, aws: Any, master: str, work: Path, echo=print) -> RunResult:
    stack = read_stack(aws, plan.naming.prefix)
    engine = Engine(aws, s3a_jars(echo), work, master, java_trust_store(work))
    played = AwsHome(aws, stack, engine, echo).play()
    stages = {name: job.arguments.get("--pipegen-stage", name) for name, job in stack.jobs.items()}
    return _result(played, stages)


def _summary(run: Any, job: str) -> dict[str, Any]:
    """What a job did in a run: its last attempt's summary, unless that attempt only found the
    batch already blocked: then the attempt that checked it."""
    attempts = [a.summary for a in run.jobs if a.job == job and a.summary]
    fresh = [s for s in attempts if not s.get("already_reported")]
    return (fresh or attempts or [{}])[-1]


def _result(played: Played, stages: dict[str, str]) -> RunResult:
    result = RunResult(EXIT_OK, played.accepted, played.rejected)
    if not played.runs:
        result.nothing_to_do = True
    for run in played.runs:
        finals = {job.job: job for job in run.jobs}  # the last attempt of each job
        if run is played.runs[0]:
            result.summaries = {stages[j]: _summary(run, j) for j in finals}
        for name, job in finals.items():
            if job.state != "SUCCEEDED" and result.exit_code == EXIT_OK:
                blocked = stages[name] == "quality" and job.summary.get("blocked")
                result.exit_code = EXIT_BLOCKED if blocked else EXIT_FAILED
    return result
