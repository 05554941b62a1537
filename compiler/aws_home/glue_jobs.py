"""Glue, played: one job run, as Glue runs it, under the job's role.

The script and the runtime bundle are fetched with the role's credentials from the job's
`ScriptLocation` and `--extra-py-files`. spark-submit runs the script (through `glue_shim.py`)
with the arguments Glue passes: `--JOB_ID`, `--JOB_RUN_ID`, `--JOB_NAME`, the workflow's name
and run, and every default argument of the job. S3 goes through S3A with the role's
credentials; boto3 reaches the same endpoint. What the script writes to stdout and stderr is
shipped, under the role, to the job's `<--custom-logGroup-prefix>/output` and `/error` log groups,
as Glue 5 does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .deployed import Job
from .roles import Credentials, trusted_certificates

SHIM = Path(__file__).with_name("glue_shim.py")
GLUE_SERVICE = "glue.amazonaws.com"
SUMMARY = "pipegen summary: "
DRIVER_MEMORY = "2g"
# A trust store holds only public certificates; Java's default password is enough.
TRUST_STORE_PASSWORD = "changeit"
_REASON = re.compile(r"^(pipegen: |[\w.]+(Error|Exception)\b)")


@dataclass
class JobRun:
    job: str
    run_id: str
    state: str  # SUCCEEDED | FAILED
    seconds: float
    exit_code: int
    message: str
    summary: dict[str, Any] = field(default_factory=dict)
    log: Path | None = None


@dataclass(frozen=True)
class Engine:
    """How this machine runs Spark for the AWS home."""

    aws: Any
    jars: list[Path]
    work: Path
    master: str
    trust_store: Path | None = None


def run_job(
    engine: Engine, job: Job, credentials: Credentials, workflow: tuple[str, str], attempt: int
) -> JobRun:
    """One attempt of `job` in workflow run `workflow` = (name, run id)."""
    run_id = _run_id(job.name, workflow[1], attempt)
    folder = engine.work / workflow[1] / f"{job.name}-{attempt}"
    folder.mkdir(parents=True, exist_ok=True)
    s3 = credentials.client(engine.aws, "s3")
    script = _fetch(s3, job.script_location, folder)
    bundles = [_fetch(s3, uri, folder) for uri in job.arguments["--extra-py-files"].split(",")]
    command = _command(engine, bundles, script, _glue_argv(job, run_id, workflow))
    started = time.monotonic()
    with (folder / "stdout.log").open("w") as out, (folder / "stderr.log").open("w") as err:
        code = subprocess.call(
            command, stdout=out, stderr=err, env=_environment(engine, credentials), cwd=folder
        )
    took = time.monotonic() - started
    # spark-submit merges the script's stderr into its stdout: that is the script's output (the
    # `output` log group on Glue 5); its stderr is Spark's own log (the `error` group).
    stdout = (folder / "stdout.log").read_text(errors="replace")
    stderr = (folder / "stderr.log").read_text(errors="replace")
    _ship_logs(engine, job, credentials, run_id, stdout, stderr)
    state = "SUCCEEDED" if code == 0 else "FAILED"
    message = "" if code == 0 else _reason(stdout, code)
    return JobRun(job.name, run_id, state, took, code, message, _summary(stdout), folder)


def java_trust_store(work: Path) -> Path | None:
    """AWS_CA_BUNDLE's first certificate as a Java trust store (made with the JDK's keytool)."""
    bundle = trusted_certificates().get("AWS_CA_BUNDLE")
    if bundle is None:
        return None
    store = work / "truststore.p12"
    store.unlink(missing_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    keytool = Path(os.environ.get("JAVA_HOME", "/usr"), "bin", "keytool")
    command = [str(keytool) if keytool.is_file() else "keytool", "-importcert", "-noprompt"]
    command += ["-alias", "endpoint", "-file", bundle, "-keystore", str(store)]
    command += ["-storetype", "PKCS12", "-storepass", TRUST_STORE_PASSWORD]
    subprocess.run(command, check=True, capture_output=True)
    return store


def _run_id(job: str, workflow_run: str, attempt: int) -> str:
    digest = hashlib.sha256(f"{job}/{workflow_run}".encode()).hexdigest()[:32]
    return f"jr_{digest}" + (f"_attempt_{attempt}" if attempt else "")


def _fetch(s3: Any, uri: str, folder: Path) -> Path:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    target = folder / key.rsplit("/", 1)[-1]
    target.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return target


def _glue_argv(job: Job, run_id: str, workflow: tuple[str, str]) -> list[str]:
    argv = ["--JOB_ID", f"j_{hashlib.sha256(job.name.encode()).hexdigest()[:32]}"]
    argv += ["--JOB_RUN_ID", run_id, "--JOB_NAME", job.name]
    argv += ["--WORKFLOW_NAME", workflow[0], "--WORKFLOW_RUN_ID", workflow[1]]
    for key, value in sorted(job.arguments.items()):
        argv += [key, value]
    return argv


def _command(engine: Engine, bundles: list[Path], script: Path, argv: list[str]) -> list[str]:
    import pyspark

    spark_submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    s3a = {
        # Glue 5.1 serves s3:// through S3A; so does this run.
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.endpoint": engine.aws.endpoint_url,
        "spark.hadoop.fs.s3a.endpoint.region": engine.aws.region,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": str(
            engine.aws.endpoint_url.startswith("https")
        ).lower(),
        # The role's session credentials, from the environment (never the command line).
        "spark.hadoop.fs.s3a.aws.credentials.provider": (
            "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"
        ),
        # Keep the empty "folder/" marker objects rather than delete every parent's after each
        # file written: Hadoop 3.4's default, and what S3 itself needs (it has no folders). With
        # 3.3's "delete", 366 partition files cost 14,000 DeleteObject calls.
        "spark.hadoop.fs.s3a.directory.marker.retention": "keep",
        "spark.ui.enabled": "false",
    }
    command = [str(spark_submit), "--master", engine.master, "--driver-memory", DRIVER_MEMORY]
    if engine.trust_store:
        # The JVM's S3A client trusts the endpoint's certificate authority, as boto3 does.
        options = f"-Djavax.net.ssl.trustStore={engine.trust_store} "
        options += f"-Djavax.net.ssl.trustStorePassword={TRUST_STORE_PASSWORD}"
        command += ["--driver-java-options", options]
    command += ["--jars", ",".join(str(j) for j in engine.jars)]
    for key, value in s3a.items():
        command += ["--conf", f"{key}={value}"]
    command += ["--py-files", ",".join(str(b) for b in bundles)]
    return [*command, str(SHIM), str(script), *argv]


def _environment(engine: Engine, credentials: Credentials) -> dict[str, str]:
    """The job's environment: the role's credentials and the endpoint, none of the caller's."""
    keep = ("PATH", "HOME", "JAVA_HOME", "LANG", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    return {
        **env,
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "AWS_REGION": engine.aws.region,
        "AWS_DEFAULT_REGION": engine.aws.region,
        "AWS_ENDPOINT_URL": engine.aws.endpoint_url,
        **trusted_certificates(),
        **credentials.environment(),
    }


def _summary(stdout: str) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.startswith(SUMMARY)]
    return json.loads(lines[-1].removeprefix(SUMMARY)) if lines else {}


def _reason(output: str, code: int) -> str:
    """Why the run failed, as Glue's ErrorMessage would say: the script's last error line."""
    for line in reversed(output.strip().splitlines()):
        if _REASON.match(line.strip()):
            return line.strip()
    return f"the script exited with code {code}"


def _ship_logs(
    engine: Engine, job: Job, credentials: Credentials, run_id: str, *texts: str
) -> None:
    prefix = job.arguments.get("--custom-logGroup-prefix")
    if not prefix:
        return
    logs = credentials.client(engine.aws, "logs")
    for group, text in zip((f"{prefix}/output", f"{prefix}/error"), texts, strict=True):
        stream = f"{run_id}-driver"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in text.splitlines() if line]
        for start in range(0, len(events), 5000):
            logs.put_log_events(
                logGroupName=group, logStreamName=stream, logEvents=events[start : start + 5000]
            )
