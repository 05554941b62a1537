"""Problems in the user's setup, not in the spec and not in pipegen: exit code 2, with a hint.

Credentials, permissions, a stack that is not deployed, an unreachable endpoint, a damaged
state file: each message names the thing that is wrong and says what to do about it, instead
of calling it a bug in pipegen.
"""

from __future__ import annotations

from dataclasses import dataclass

# Error codes AWS services use for "these credentials may not do this".
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_INVALID = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "InvalidAccessKeyId",
}


@dataclass
class UserProblem(Exception):
    what: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.what}\n  hint: {self.hint}" if self.hint else self.what


def explain(exc: BaseException) -> UserProblem | None:
    """The user-facing explanation of an exception from AWS or the state store, if it is one."""
    from pipegen_runtime.state import StateFileError

    if isinstance(exc, UserProblem):
        return exc
    if isinstance(exc, StateFileError):
        return UserProblem(str(exc), exc.hint)
    if type(exc).__module__.startswith(("botocore", "boto3")):
        return _from_aws(exc)
    return None


def _from_aws(exc: BaseException) -> UserProblem:
    from botocore import exceptions as aws

    if isinstance(exc, aws.ClientError):
        return _from_client_error(exc)
    if isinstance(exc, (aws.NoCredentialsError, aws.PartialCredentialsError)):
        return UserProblem(
            "no AWS credentials were found",
            "pass --profile, set AWS_PROFILE, or sign in with `aws configure` / `aws sso login`",
        )
    if isinstance(exc, aws.ProfileNotFound):
        return UserProblem(str(exc), "list the profiles you have: aws configure list-profiles")
    if isinstance(exc, (aws.TokenRetrievalError, aws.SSOTokenLoadError)):
        return UserProblem(f"the AWS sign-in has expired ({exc})", "sign in again: aws sso login")
    if isinstance(exc, aws.NoRegionError):
        return UserProblem("no AWS region was given", "pass --region or set AWS_REGION")
    if isinstance(exc, aws.EndpointConnectionError):
        return UserProblem(
            f"cannot reach {exc.kwargs.get('endpoint_url', 'the AWS endpoint')}",
            "check the network, --region and --endpoint-url",
        )
    return UserProblem(f"the AWS client failed: {exc}", "check the AWS configuration in use")


def _from_client_error(exc) -> UserProblem:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", str(exc))
    operation = exc.operation_name
    who = "check which identity is in use: aws sts get-caller-identity"
    if code in _DENIED or "not authorized" in message:
        return UserProblem(
            f"AWS denied {operation}: {message}",
            f"the identity in use needs permission for {operation}; {who}",
        )
    if code in _EXPIRED:
        return UserProblem(f"the AWS credentials have expired ({message})", "sign in again")
    if code in _INVALID:
        return UserProblem(f"AWS does not accept these credentials ({message})", who)
    if code == "ValidationError" and "does not exist" in message:
        return UserProblem(message, "deploy it first: pipegen deploy SPEC --env ENV")
    if code == "NoSuchBucket":
        bucket = error.get("BucketName", "")
        return UserProblem(
            f"bucket {bucket} does not exist in this account".replace("  ", " "),
            "deploy the stack first (pipegen deploy SPEC --env ENV), with the same account "
            "and region",
        )
    return UserProblem(f"AWS rejected {operation}: {code}: {message}")
