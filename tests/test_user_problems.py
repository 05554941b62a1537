"""A problem in the user's setup is named, with a hint, exit 2: never "a bug in pipegen"."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from helpers import REPO, run_cli
from pipegen_compiler.user_problems import explain

SPEC = str(REPO / "specs/flights.yaml")


@pytest.fixture
def no_credentials(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake_account(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def _said_as_a_user_problem(code: int, err: str, *phrases: str) -> None:
    assert code == 2, err
    assert err.startswith("pipegen: ") and "bug" not in err and "Traceback" not in err
    assert "hint: " in err
    for phrase in phrases:
        assert phrase in err, err


@pytest.mark.parametrize("command", ["status", "upload", "rollback", "deploy"])
def test_no_credentials(no_credentials, command, capsys, tmp_path):
    out = tmp_path / "out"
    assert run_cli(["compile", SPEC, "--out", str(out)], capsys)[0] == 0  # upload reads it
    extra = ["--out", str(out)] if command == "upload" else []
    code, _, err = run_cli([command, SPEC, "--env", "dev", *extra], capsys)
    _said_as_a_user_problem(code, err, "no AWS credentials were found", "--profile")


def test_uploading_to_a_stack_that_is_not_deployed(fake_account, capsys, tmp_path):
    out = tmp_path / "out"
    assert run_cli(["compile", SPEC, "--out", str(out)], capsys)[0] == 0
    code, _, err = run_cli(["upload", SPEC, "--env", "dev", "--out", str(out)], capsys)
    _said_as_a_user_problem(
        code, err, "bucket flights-dev-scripts-123456789012-us-east-1 does not exist", "deploy"
    )


def test_status_of_a_stack_that_is_not_deployed(fake_account, capsys):
    code, out, _ = run_cli(["status", SPEC, "--env", "dev"], capsys)
    assert code == 1 and "flights-dev: not deployed" in out


def test_uploading_before_compiling(fake_account, capsys, tmp_path):
    code, _, err = run_cli(["upload", SPEC, "--env", "dev", "--out", str(tmp_path)], capsys)
    _said_as_a_user_problem(code, err, "has no manifest.json", "pipegen compile")


@pytest.mark.parametrize(
    ("code", "message", "said"),
    [
        ("AccessDenied", "User: arn:aws:iam::1:user/a is not authorized", "AWS denied PutObject"),
        ("AccessDeniedException", "denied", "AWS denied PutObject"),
        ("ExpiredToken", "The security token included in the request is expired", "expired"),
        ("InvalidClientTokenId", "The security token is invalid", "does not accept"),
        ("Throttling", "Rate exceeded", "AWS rejected PutObject: Throttling: Rate exceeded"),
    ],
)
def test_aws_refusals_name_the_operation(code, message, said):
    refused = ClientError({"Error": {"Code": code, "Message": message}}, "PutObject")
    problem = explain(refused)
    assert problem is not None and said in str(problem)
    if code.startswith("AccessDenied"):
        assert "aws sts get-caller-identity" in problem.hint


def test_a_damaged_state_file(capsys, tmp_path):
    lake = tmp_path / "lake"
    (lake / "_state").mkdir(parents=True)
    (lake / "_state" / "state.sqlite").write_bytes(b"this is not a database" * 100)
    args = ["run", SPEC, "--lake", str(lake), "--out", str(tmp_path / "out")]
    code, _, err = run_cli(args, capsys)
    _said_as_a_user_problem(code, err, f"state file {lake / '_state' / 'state.sqlite'}", "backup")


def test_a_bug_is_still_called_a_bug():
    assert explain(ValueError("boom")) is None
