"""Serve the emulator on 127.0.0.1: `python tests/emulator/server.py --tls-dir D [...]`.

It serves HTTPS, as AWS does (S3A refuses to send SSE-KMS copy parameters over plain HTTP),
with a certificate it makes for 127.0.0.1 in `--tls-dir` (clients trust it through
AWS_CA_BUNDLE), and prints `ready https://127.0.0.1:N` once it accepts requests. IAM is
enforced after `--open-calls` requests (moto's INITIAL_NO_AUTH_ACTION_COUNT): spend them on
an admin user (`bootstrap_admin`). One side door, `POST /_emulator/glue/complete-workflow-run`
(the runner's `COMPLETE_RUN_PATH`), lets the AWS home's runner, which plays Glue, end a
workflow run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
# The calls bootstrap_admin makes before IAM is enforced.
OPEN_CALLS = 3


def serve(port: int, open_calls: float, access_log: str | None, tls_dir: Path) -> None:
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter
    from moto import backends, settings
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import emulator

    emulator.install(access_log)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = open_calls
    # moto looks its service modules up on disk for every request; they do not change.
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    certificate, key = make_certificate(tls_dir)
    app = _with_side_door(DomainDispatcherApplication(create_backend_app))
    # cheroot, not werkzeug's development server: it keeps connections open between requests,
    # as AWS does (a TLS handshake per request made every S3A call three times slower).
    server = wsgi.Server(("127.0.0.1", port), app, numthreads=16)
    server.ssl_adapter = BuiltinSSLAdapter(str(certificate), str(key))
    server.prepare()
    print(f"ready https://127.0.0.1:{server.bind_addr[1]}", flush=True)
    server.serve()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and localhost), valid for two days."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _with_side_door(app: Any) -> Any:
    def wsgi(environ: dict, start_response: Any) -> Any:
        from pipegen_compiler.aws_home.workflow import COMPLETE_RUN_PATH

        # moto signs against the raw request path (RAW_URI, werkzeug's); cheroot names it so.
        environ.setdefault("RAW_URI", environ.get("REQUEST_URI", ""))
        if environ.get("PATH_INFO") != COMPLETE_RUN_PATH:
            return app(environ, start_response)
        from emulator.services import complete_workflow_run

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        complete_workflow_run(
            ACCOUNT, body["region"], body["workflow"], body["run_id"], body["status"]
        )
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']

    return wsgi


def bootstrap_admin(endpoint: str, ca_bundle: str, region: str = "us-east-1") -> dict[str, str]:
    """Spend the open calls on an admin user; its keys, as environment variables."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
        verify=ca_bundle,
    )
    iam.create_user(UserName="admin")
    iam.put_user_policy(
        UserName="admin", PolicyName="administrator", PolicyDocument=json.dumps(ADMIN_POLICY)
    )
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "AWS_DEFAULT_REGION": region,
        "AWS_CA_BUNDLE": ca_bundle,
    }


def launch(folder: Path) -> tuple[Any, str, str]:
    """Start the emulator in its own process: (process, endpoint, CA bundle)."""
    import subprocess

    command = [sys.executable, str(Path(__file__).resolve()), "--tls-dir", str(folder / "tls")]
    command += ["--access-log", str(folder / "access.log")]
    log = (folder / "emulator.log").open("w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline().strip()
    if not line.startswith("ready "):
        process.kill()
        raise RuntimeError(f"the emulator did not start: {(folder / 'emulator.log').read_text()}")
    return process, line.removeprefix("ready "), str(folder / "tls" / "cert.pem")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--open-calls", type=float, default=OPEN_CALLS)
    parser.add_argument("--access-log")
    parser.add_argument("--tls-dir", type=Path, required=True)
    args = parser.parse_args()
    serve(args.port, args.open_calls, args.access_log, args.tls_dir)


if __name__ == "__main__":
    main()
