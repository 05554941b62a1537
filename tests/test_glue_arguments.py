"""A generated job script hands the runtime its whole argv, as Glue's own parser expects.

awsglue's `getResolvedOptions(args, options)` skips `args[0]` (the script's path) itself. The
scripts used to pass `sys.argv[1:]`, so on Glue the first real argument was skipped: here the
real awsglue package (AWSGlueDataplanePython 5.1.0, Glue 5.1's) resolves what a job receives.
"""

from __future__ import annotations

import runpy
import sys

import pytest
from awsglue import utils as awsglue

from helpers import REPO, compile_all
from pipegen_runtime.config import ARGUMENTS, parse_arguments
from pipegen_runtime.context import glue_options


def glue_argv(script: str, workflow: bool) -> list[str]:
    """What Glue runs a job with: its own arguments first, then the job's defaults."""
    argv = [script, "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", "flights-dev-x"]
    if workflow:
        argv += ["--WORKFLOW_NAME", "flights-dev-workflow", "--WORKFLOW_RUN_ID", "wr_1"]
    return [
        *argv,
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--TempDir",
        "s3://temp/glue/",
        "--pipegen-config",
        "s3://scripts/config.json",
        "--enable-metrics",
        "true",
    ]


@pytest.mark.parametrize("workflow", [True, False])
def test_the_runtime_resolves_every_argument_glue_passes(workflow):
    argv = glue_argv("/tmp/ingestion.py", workflow)
    resolved = awsglue.getResolvedOptions(argv, glue_options(argv))
    assert resolved["JOB_NAME"] == "flights-dev-x"
    assert resolved.get("WORKFLOW_RUN_ID") == ("wr_1" if workflow else None)
    assert parse_arguments(argv[1:]).values == {"config": "s3://scripts/config.json"}


def test_without_the_script_path_glue_loses_the_first_argument():
    """What the scripts did before: the job's name, first after the path, was skipped."""
    argv = ["--JOB_NAME", "flights-dev-x", "--pipegen-config", "s3://scripts/config.json"]
    with pytest.raises(awsglue.GlueArgumentError, match="JOB_NAME"):
        awsglue.getResolvedOptions(argv, ["JOB_NAME"])


def test_the_generated_script_passes_its_whole_argv(tmp_path, monkeypatch):
    files = compile_all(REPO / "specs" / "flights.yaml")["dev"]
    script = tmp_path / "ingestion.py"
    script.write_bytes(files["jobs/ingestion.py"])
    seen = {}

    def main(stage, argv):
        seen.update(stage=stage, argv=list(argv))
        return 0

    monkeypatch.setattr("pipegen_runtime.entrypoint.main", main)
    monkeypatch.setattr(sys, "argv", glue_argv(str(script), workflow=True))
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(script), run_name="__main__")
    assert exit_.value.code == 0
    assert seen["stage"] == "ingestion" and seen["argv"][0] == str(script)
    assert seen["argv"][1:3] == ["--JOB_ID", "j_1"]


def test_every_job_passes_exactly_the_arguments_the_runtime_reads_on_glue():
    import json

    template = json.loads(compile_all(REPO / "specs" / "flights.yaml")["prod"]["template.json"])
    jobs = [r for r in template["Resources"].values() if r["Type"] == "AWS::Glue::Job"]
    for job in jobs:
        passed = {k for k in job["Properties"]["DefaultArguments"] if k.startswith("--pipegen-")}
        assert passed == {f"--pipegen-{name}" for name in ARGUMENTS}
