"""Credentials for the code this machine runs: each role's own, as its service would get them.

Glue and Lambda assume the roles the stack gives them. The AWS home asks STS for the same role,
naming the service it plays as the session name (`glue.amazonaws.com`); an emulator that
honours the role's trust policy hands out the role's credentials, and from then on every call
of the job or function is checked against that role's policy. Where the role cannot be assumed
(on real AWS the roles trust only the service itself), the AWS home says so and runs as the
caller: then the run proves the code, not the permissions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


def trusted_certificates() -> dict[str, str]:
    """The endpoint's certificate authority, when the caller names one (as for the AWS CLI)."""
    bundle = os.environ.get("AWS_CA_BUNDLE")
    return {"AWS_CA_BUNDLE": bundle} if bundle else {}


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None
    role: str  # the role's name, or "caller"

    def environment(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}
        if self.token:
            env["AWS_SESSION_TOKEN"] = self.token
        return env

    def client(self, aws: Any, service: str) -> Any:
        return aws.session.client(
            service,
            endpoint_url=aws.endpoint_url,
            region_name=aws.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.token,
        )


class Roles:
    """Each role's credentials, assumed once per run; the caller's where that is refused."""

    def __init__(self, aws: Any, echo=print):
        self.aws = aws
        self.echo = echo
        self._cache: dict[tuple[str, str], Credentials] = {}

    def of(self, role_arn: str, service: str) -> Credentials:
        key = (role_arn, service)
        if key not in self._cache:
            self._cache[key] = self._assume(role_arn, service)
        return self._cache[key]

    def _assume(self, role_arn: str, service: str) -> Credentials:
        role = role_arn.rsplit("/", 1)[-1]
        try:
            found = self.aws.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=service)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            self.echo(
                f"cannot assume {role} as {service} ({code}: it trusts only the service itself)"
                "; running as the caller, so this run does not test the role's permissions"
            )
            return self.caller()
        given = found["Credentials"]
        return Credentials(
            given["AccessKeyId"], given["SecretAccessKey"], given["SessionToken"], role
        )

    def caller(self) -> Credentials:
        frozen = self.aws.session.get_credentials().get_frozen_credentials()
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token, "caller")
