"""The README's plain-AWS-CLI path, run verbatim: the real `aws` CLI and `pipegen` against the
IAM-enforcing emulator, first deploy then an update, and every artifact the deployed jobs name
is in place after each."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from emulator.server import bootstrap_admin, launch
from helpers import REPO, compile_all

pytestmark = pytest.mark.aws
LATER = "# Every later change"


def _block() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("<!-- awscli-path:start -->", 1)[1].split("<!-- awscli-path:end -->")[0]
    return section.split("```bash\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emulator")
    process, endpoint, ca_bundle = launch(folder)
    admin = bootstrap_admin(endpoint, ca_bundle)
    yield endpoint, ca_bundle, admin
    process.terminate()
    process.wait(timeout=30)


def _bash(script: str, work: Path, env: dict) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _jobs_find_their_artifacts(endpoint: str, ca_bundle: str, admin: dict) -> str:
    session = boto3.session.Session(
        aws_access_key_id=admin["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=admin["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    cfn = session.client("cloudformation", endpoint_url=endpoint, verify=ca_bundle)
    s3 = session.client("s3", endpoint_url=endpoint, verify=ca_bundle)
    body = cfn.get_template(StackName="flights-dev")["TemplateBody"]
    text = body if isinstance(body, str) else str(body)
    locations = set(re.findall(r"s3://\$\{ScriptsBucket\}/(pipegen/releases/[^\"']+)", text))
    assert locations, "the jobs name their artifacts"
    bucket = "flights-dev-scripts-123456789012-us-east-1"
    for key in locations:
        s3.head_object(Bucket=bucket, Key=key)  # raises if missing
    (release,) = {key.split("/")[2] for key in locations}
    return release


def test_the_readme_awscli_path_works_verbatim(emulator, tmp_path):
    endpoint, ca_bundle, admin = emulator
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "flights.yaml"
    spec.write_bytes((REPO / "specs" / "flights.yaml").read_bytes())
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(admin)
    # `localhost`: how the emulator's CloudFormation recognises a TemplateURL of its own S3.
    env["AWS_ENDPOINT_URL"] = endpoint.replace("127.0.0.1", "localhost")
    env["AWS_CA_BUNDLE"] = ca_bundle
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    first, later = _block().split(LATER, 1)
    _bash(first, tmp_path, env)
    before = _jobs_find_their_artifacts(endpoint, ca_bundle, admin)
    spec.write_text(spec.read_text().replace("row_count: {min: 1000}", "row_count: {min: 900}"))
    # A later session: the README's once-only lines set TEMPLATES; a shell of its own re-reads it.
    templates = next(line for line in first.splitlines() if line.startswith("TEMPLATES="))
    _bash(f"{templates}\n{LATER}{later}", tmp_path, env)
    assert _jobs_find_their_artifacts(endpoint, ca_bundle, admin) != before


def test_the_readme_states_the_real_template_size():
    stated = re.search(r"about (\d+) KB as written", (REPO / "README.md").read_text())
    assert stated, "the README states the template's size"
    actual = len(
        compile_all(REPO / "specs" / "flights.yaml", "flights.yaml")["dev"]["template.json"]
    )
    assert abs(int(stated[1]) * 1024 - actual) <= 0.05 * actual, f"{actual:,} bytes"
