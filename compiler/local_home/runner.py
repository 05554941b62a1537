"""`pipegen run`: the whole workflow on this machine, in the order the Glue workflow uses.

compile -> landing check of new files -> ingestion -> processing -> quality, each job being
the generated script with the runtime bundle on `--py-files`, as Glue runs it with
`--extra-py-files`. The three scripts run in one spark-submit (stage_chain.py), so a run pays
for one JVM start, not three; each still commits per batch. Users add data as on S3: copy
files under `<lake>/raw/<landing prefix>/`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipegen_runtime.lake_layout import LakeLayout
from pipegen_runtime.landing import REJECTED_PREFIX, SNIFF_BYTES, check_file
from pipegen_runtime.messages import JOB_ENDED, file_rejected, render
from pipegen_runtime.metrics import JsonLinesMetrics
from pipegen_runtime.notify import LogNotifier
from pipegen_runtime.quality import blocked_batch
from pipegen_runtime.rule_units import number
from pipegen_runtime.state import SqliteState
from pipegen_runtime.storage import LocalStorage

from ..emit import emit
from ..naming import BUNDLE_NAME, JOBS
from ..pipeline import compile_plan
from ..plan import PipelinePlan
from .job_process import stoppable_call
from .jvm_options import driver_java_options, run_data_bytes
from .run_guard import refuse_a_lake_without_its_state, run_lease

EXIT_OK, EXIT_FAILED, EXIT_BLOCKED = 0, 1, 4
# The application spark-submit runs: every stage's job script in turn, in one JVM.
CHAIN_DRIVER = Path(__file__).with_name("stage_chain.py")
# Local mode runs driver and executors in one JVM; a G.1X Glue worker has 16 GB.
DRIVER_MEMORY = "4g"


@dataclass
class RunResult:
    exit_code: int
    accepted: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    summaries: dict[str, dict] = field(default_factory=dict)
    nothing_to_do: bool = False


def run_pipeline(
    plan: PipelinePlan, lake: Path, out_root: Path, master: str, echo=print
) -> RunResult:
    compiled = compile_plan(plan)
    folder = emit(out_root, plan.name, plan.env, compiled.files)
    refuse_a_lake_without_its_state(lake)
    with run_lease(lake, echo):
        return _run_held(plan, lake, folder, master, echo)


def _run_held(plan: PipelinePlan, lake: Path, folder: Path, master: str, echo) -> RunResult:
    """The run, with the lake's lease held: nothing else writes to it meanwhile."""
    storage = LocalStorage(lake)
    for source in plan.sources:
        storage.path("raw", source.config.landing).mkdir(parents=True, exist_ok=True)
    result = RunResult(EXIT_OK)
    state = SqliteState(LakeLayout(lake).state_file)
    result.accepted, result.rejected = landing_check(plan, storage, state, echo)
    if result.accepted == 0 and not _pending_work(state):
        echo(
            f"nothing to do: no new files under {lake / 'raw'} "
            f"({', '.join(s.config.landing for s in plan.sources)})"
        )
        result.nothing_to_do = True
        blocked = blocked_batch(state)
        if blocked is not None:
            # As on Glue, where every run fails until new data replaces the blocked batch.
            echo(f"quality still blocks batch {blocked.batch_id}: report {blocked.info['report']}")
            result.exit_code = EXIT_BLOCKED
        return result
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    java = driver_java_options(run_data_bytes(plan, storage, state))
    for stage, code in run_stages(folder, lake, master, run_id, echo, java):
        summary_path = LakeLayout(lake).run_summary(run_id, stage)
        if summary_path.is_file():
            result.summaries[stage] = json.loads(summary_path.read_text())
        if code != 0:
            result.exit_code = EXIT_BLOCKED if code == EXIT_BLOCKED else EXIT_FAILED
            if code != EXIT_BLOCKED:
                summary = result.summaries.get(stage, {})
                log = LakeLayout(lake).run_log(run_id, stage)
                echo("\n".join(failure_lines(plan, summary, log, _jvm_log(lake, run_id))))
                _job_failed(plan, lake, stage, run_id, summary)
            break
    return result


def _job_failed(plan: PipelinePlan, lake: Path, stage: str, run_id: str, summary: dict) -> None:
    """What the job-failed rule sends on AWS, recorded for a local run."""
    values = {
        "pipeline": plan.name,
        "environment": plan.env,
        "job": plan.naming.job(stage),
        "state": "FAILED",
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "run": run_id,
        "message": summary.get("error", "the job exited with an error; see its log"),
    }
    LogNotifier(LakeLayout(lake).notifications_file).send(
        f"pipegen {plan.name}/{plan.env}: {stage} failed", render(JOB_ENDED, values)
    )


def landing_check(
    plan: PipelinePlan, storage: LocalStorage, state: SqliteState, echo
) -> tuple[int, list[tuple[str, str]]]:
    """Check new files against their source's `accept` rules; move rejected ones aside.

    Rejections are reported as the landing function reports them: a notification with the
    same message and a FilesRejected metric with the same dimensions.
    """
    accepted, rejected = 0, []
    lake = storage.root
    layout = LakeLayout(lake)
    metrics = JsonLinesMetrics(layout.metrics_file, plan.name, plan.env, "landing")
    notifier = LogNotifier(layout.notifications_file)
    for source in plan.sources:
        rules = source.config.landing_rules
        done = state.committed_objects(source.name)
        for obj in storage.list("raw", source.config.landing):
            if obj.object_id in done:
                continue
            head = storage.read_bytes("raw", obj.key, SNIFF_BYTES)
            verdict = check_file(obj.key, obj.size, head, rules)
            if verdict.accepted:
                accepted += 1
                continue
            reject(storage, obj.key, verdict.reason)
            rejected.append((obj.key, verdict.reason))
            echo(f"rejected {obj.key}: {verdict.reason} (moved to raw/{REJECTED_PREFIX})")
            metrics.put("FilesRejected", 1, Source=source.name)
            notifier.send(
                f"pipegen {plan.name}/{plan.env}: file rejected",
                file_rejected(
                    plan.name,
                    plan.env,
                    source.name,
                    obj.key,
                    verdict.reason,
                    REJECTED_PREFIX + obj.key,
                ),
            )
    metrics.flush()
    return accepted, rejected


def reject(storage: LocalStorage, key: str, reason: str) -> None:
    storage.move("raw", key, "raw", REJECTED_PREFIX + key)
    record = {"key": key, "reason": reason, "at": datetime.now(UTC).isoformat()}
    storage.write_bytes(
        "raw",
        f"{REJECTED_PREFIX}{key}.reason.json",
        (json.dumps(record, sort_keys=True) + "\n").encode(),
    )


def _pending_work(state: SqliteState) -> bool:
    """Batches ingested but not processed, processed but not checked, or left by a crash."""
    if any(state.pending_batches(stage) for stage in JOBS):
        return True
    covered = {i for b in state.committed_batches("processing") for i in b.info.get("inputs", [])}
    if any(b.batch_id not in covered for b in state.committed_batches("ingestion")):
        return True
    checked = {b.batch_id for b in state.committed_batches("quality")}
    return any(b.batch_id not in checked for b in state.committed_batches("processing"))


# The lake's own disk without Hadoop's checksum layer: each file Spark writes gets a `.crc`
# twin, written, renamed at each commit and deleted with the staging folder (publish moves the
# data files only). On the sample's 366 daily files that was 0.6 s of a 3 s write. Given to
# spark-submit, not the session: Hadoop caches the first file system it makes for `file:`.
LAKE_FILE_SYSTEM = "spark.hadoop.fs.file.impl=org.apache.hadoop.fs.RawLocalFileSystem"


def spark_submit() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent / "bin" / "spark-submit")


def _jvm_log(lake: Path, run_id: str) -> Path:
    return LakeLayout(lake).run_log(run_id, "spark")


def chain_command(folder: Path, chain_plan: Path, master: str, java: list[str]) -> list[str]:
    """One spark-submit for every stage: the chain driver runs the job scripts in turn."""
    return submit_command(folder, master, java, [str(CHAIN_DRIVER), str(chain_plan)])


def submit_command(folder: Path, master: str, java: list[str], program: list[str]) -> list[str]:
    """spark-submit of `program` (a script and its arguments) with the compiled runtime bundle."""
    return [
        spark_submit(),
        "--master",
        master,
        "--driver-memory",
        DRIVER_MEMORY,
        *java,
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        LAKE_FILE_SYSTEM,
        "--py-files",
        str(folder / BUNDLE_NAME),
        *program,
    ]


def job_arguments(folder: Path, stage: str, lake: Path, master: str, run_id: str) -> list[str]:
    """A job script's arguments, as a lone spark-submit of it would pass them."""
    # On a real cluster (not local[...]) each job also proves the bundle reached the executors.
    check = (
        []
        if master.startswith("local[") or master == "local"
        else ["--pipegen-check-executors", "true"]
    )
    return [
        "--pipegen-config",
        str(folder / "config" / f"{stage}.json"),
        "--pipegen-lake",
        str(lake),
        "--pipegen-run-id",
        run_id,
        *check,
    ]


def run_stages(folder: Path, lake: Path, master: str, run_id: str, echo, java: list[str]):
    """Run the stages in one JVM; yield (stage, exit code) for each stage that ran, in order.

    The chain stops at the first stage that does not exit 0. A stage that started and never
    ended (the process died in it: a kill, out of memory) gets the process's exit code."""
    layout = LakeLayout(lake)
    progress = layout.run_log(run_id, "progress")
    progress.parent.mkdir(parents=True, exist_ok=True)
    chain_plan = progress.with_name("chain.json")
    jobs = [
        {
            "stage": stage,
            "script": str(folder / "jobs" / f"{stage}.py"),
            "argv": job_arguments(folder, stage, lake, master, run_id),
            "log": str(layout.run_log(run_id, stage)),
        }
        for stage in JOBS
    ]
    chain_plan.write_text(json.dumps({"progress": str(progress), "jobs": jobs}, indent=1))
    watcher = _ProgressEcho(progress, layout, run_id, echo)
    # What the JVM itself says (Spark's log lines); each stage's Python output has its own log.
    environment = {
        **os.environ,
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }
    with watcher.jvm_log.open("w") as handle:
        code = stoppable_call(
            chain_command(folder, chain_plan, master, java), handle, environment, watcher.poll
        )
    yield from watcher.outcomes(code)


class _ProgressEcho:
    """Reads the chain's progress file while it runs: one line per stage start and end."""

    def __init__(self, progress: Path, layout: LakeLayout, run_id: str, echo):
        self.progress, self.layout, self.run_id, self.echo = progress, layout, run_id, echo
        self.read = 0
        self.ended: list[tuple[str, int]] = []
        self.running: str | None = None
        self.jvm_log = _jvm_log(layout.root, run_id)

    def poll(self) -> None:
        if not self.progress.is_file():
            return
        text = self.progress.read_text()
        # A line is whole once its newline is written; the chain may be mid-write.
        complete = text[: text.rfind("\n") + 1].splitlines()
        for line in complete[self.read :]:
            self._show(json.loads(line))
        self.read = len(complete)

    def _show(self, event: dict) -> None:
        stage = event["stage"]
        step = f"[{JOBS.index(stage) + 1}/{len(JOBS)}]"
        if event["event"] == "start":
            self.running = stage
            self.echo(f"{step} {stage} ...")
            return
        self.running = None
        self.ended.append((stage, event["code"]))
        code = event["code"]
        verdict = {0: "done", EXIT_BLOCKED: "BLOCKED by quality"}.get(code, f"FAILED (exit {code})")
        summary = self.layout.run_summary(self.run_id, stage)
        pace = stage_pace(stage, summary, event["seconds"]) if code == 0 else ""
        log = self.layout.run_log(self.run_id, stage)
        self.echo(f"{step} {stage} {verdict} in {event['seconds']:.1f}s{pace} (log: {log})")

    def outcomes(self, process_code: int) -> list[tuple[str, int]]:
        if self.running is not None:  # died mid-stage: the stage failed with the process
            code = process_code if process_code not in (0, EXIT_BLOCKED) else EXIT_FAILED
            step = f"[{JOBS.index(self.running) + 1}/{len(JOBS)}]"
            self.echo(f"{step} {self.running} FAILED (exit {code}) (log: {self.jvm_log})")
            self.ended.append((self.running, code))
        elif not self.ended and process_code != 0:  # Spark never started a stage
            self.echo(f"the Spark job failed to start (exit {process_code}); log: {self.jvm_log}")
            self.ended.append((JOBS[0], process_code))
        return self.ended


def stage_pace(stage: str, summary_path: Path, seconds: float) -> str:
    """`: 4,842 rows in, 1,210 rows/s`: the rows a stage read (ingestion), wrote (processing)
    or checked (quality), and its pace over the stage's whole time."""
    if not summary_path.is_file():
        return ""
    summary = json.loads(summary_path.read_text())
    rows = stage_rows(stage, summary)
    if rows is None:
        return ""
    verb = {"ingestion": "rows in", "processing": "rows out", "quality": "rows checked"}[stage]
    return f": {rows:,} {verb}, {rows / max(seconds, 0.001):,.0f} rows/s"


def stage_rows(stage: str, summary: dict) -> int | None:
    if stage == "ingestion":
        return sum(s.get("rows_in", 0) for s in summary.get("sources", []))
    if stage == "processing":
        return sum(summary.get("tables", {}).values()) if "tables" in summary else None
    tables = summary.get("tables", {})
    return sum(t.get("rows", 0) for t in tables.values()) if tables else None


def failure_lines(plan: PipelinePlan, summary: dict, log: Path, jvm_log: Path) -> list[str]:
    """What a failed job tells the user: the cause, the spec line of a failed step, the log."""
    lines = []
    if summary.get("error"):
        lines.append(f"    cause: {summary['error']}")
    where = summary.get("failed_step")
    if where:
        span = plan.source_map.at(("transforms", where["transform"], "steps", where["step"]))
        lines.append(f"    in the spec at {span.file}:{span.line}:{span.col}")
    if not lines:  # the job died before it could say (killed, out of memory): its log's end
        text = "".join(p.read_text(errors="replace") for p in (log, jvm_log) if p.is_file())
        tail = text.strip().splitlines()[-15:]
        lines = ["    " + line for line in tail]
    return lines


def summary_table(result: RunResult) -> str:
    """The end-of-run table: files, rows per source, curated tables, quality, report."""
    lines = [f"files accepted: {result.accepted}, rejected: {len(result.rejected)}"]
    ingestion = result.summaries.get("ingestion", {}).get("sources", [])
    if ingestion:
        lines.append(f"{'source':<20}{'files':>7}{'rows in':>12}{'written':>12}{'quarantined':>13}")
        lines += [
            f"{s['source']:<20}{s['files']:>7}{s['rows_in']:>12,}{s['rows_written']:>12,}"
            f"{s['rows_quarantined']:>13,}"
            for s in ingestion
        ]
        lines += [
            f"  {s['source']}: {s['files_skipped_identical']} re-sent file(s) skipped "
            "(content already ingested)"
            for s in ingestion
            if s.get("files_skipped_identical")
        ]
        lines += [
            f"  {s['source']}: {s['blank_lines_skipped']:,} whitespace-only line(s) skipped "
            "(no rows)"
            for s in ingestion
            if s.get("blank_lines_skipped")
        ]
        lines += [
            f"  {s['source']}: {s['files_new_versions']} file(s) changed in place "
            "(their new rows replace the earlier ones)"
            for s in ingestion
            if s.get("files_new_versions")
        ]
    lines += quality_lines(
        result.summaries.get("processing", {}).get("tables", {}),
        result.summaries.get("quality", {}),
    )
    return "\n".join(lines)


def quality_lines(written: dict[str, int], quality: dict) -> list[str]:
    """Per curated table the rows this run wrote and the rows quality checked (the whole
    table: the figure the report shows), then the verdict as the report leads with it."""
    if not written:
        return []
    checked = quality.get("tables", {})
    lines = [f"{'curated table':<20}{'rows written':>14}{'rows checked':>14}{'score':>9}  outcome"]
    for name, rows in written.items():
        q = checked.get(name, {})
        lines.append(
            f"{name:<20}{rows:>14,}{number(q['rows']) if q else '':>14}"
            f"{number(q['score']) if q else '':>9}  {q.get('outcome', '')}"
        )
    if quality.get("checked"):
        blocked = ", BLOCKED: not published" if quality.get("blocked") else ""
        lines.append(
            f"quality score {number(quality['score'])} ({quality['outcome']}{blocked}); "
            f"{quality['rules_not_passed']} rule(s) not passed, "
            f"{number(quality['failed_rows_stored'])} failed row(s) stored"
        )
        lines.append(f"report: {quality['report'].removeprefix('file://')}")
    return lines
