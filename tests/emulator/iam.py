"""IAM in the emulator: enforced on the resource a call names, logged, services playable.

moto enforces identity policies once `INITIAL_NO_AUTH_ACTION_COUNT` set-up calls are spent, but
for every service except S3, STS and SQS it checks the action against `Resource: "*"`, which no
least-privilege statement matches; it reads no condition key but `sts:ExternalId`; and it fails
with an internal error on a trust policy whose principal is a service. Here:

- each call is checked against the resources it names (`_resources`): a DynamoDB table or index,
  the catalog, database and table of a Glue catalog call (all three, as AWS requires), a Glue
  workflow, an SNS topic, the event bus, a log stream, each key of an S3 DeleteObjects. A call
  whose resource is not known here is checked on its action only, and logged so;
- `cloudwatch:namespace` is read from PutMetricData; bucket policies see `aws:SecureTransport`
  (the emulator serves HTTPS), know the `Bool` operator, and a statement whose condition does
  not hold does not apply (moto turned it into a denial: every TLS-only bucket denied all);
- `sts:AssumeRole` of a role that trusts a service (`glue.amazonaws.com`) succeeds when the
  caller names that service as its session name (the runner plays Glue and Lambda) and the
  role's trust names that service with this account as `aws:SourceAccount`;
- every decision is appended to an access log (JSON lines): who, action, resource, allowed;
- a signature is checked over exactly the headers the client signed and the body it sent
  (moto drops `user-agent`, which botocore never signs but the Java SDK behind S3A does, and
  signs REST GETs such as Lambda's GetFunctionConfiguration over their headers: it refused
  every such call).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from botocore.awsrequest import AWSRequest, HTTPHeaders
from moto.iam.access_control import (
    AssumedRoleAccessKey,
    IAMPolicy,
    IAMPolicyStatement,
    IAMRequestBase,
    PermissionResult,
)

# Services whose signing name is not their IAM prefix (CloudWatch signs as "monitoring").
IAM_PREFIXES = {"monitoring": "cloudwatch"}
# The resource of a call this emulator cannot name: the statement's resource is not checked.
ANY_RESOURCE = "emulator:any-resource"
_LOG_LOCK = threading.Lock()


def install(access_log: str | None) -> None:
    _conditions_that_do_not_hold_do_not_apply()
    IAMRequestBase._create_aws_request = _signed_request
    IAMRequestBase._calculate_signature = _signature
    original_matches = IAMPolicyStatement._check_element_matches

    def matches(self: IAMPolicyStatement, element: str, value: str) -> bool:
        if element == "Resource" and value == ANY_RESOURCE:
            return True
        return original_matches(self, element, value)

    IAMPolicyStatement._check_element_matches = matches

    def check(self: IAMRequestBase, resource: str) -> None:
        _check(self, resource, access_log)

    IAMRequestBase.check_action_permitted = check


def _conditions_that_do_not_hold_do_not_apply() -> None:
    from moto.iam import policy_conditions
    from moto.s3.models import FakeBucket

    policy_conditions.CONDITION_OPERATIONS["Bool"] = lambda expected, actual: (
        str(actual).lower()
        in [str(e).lower() for e in (expected if isinstance(expected, list) else [expected])]
    )
    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None, incoming=None):
        if self._statement.get("Condition") and not self._check_conditions(incoming):
            return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming)

    IAMPolicyStatement.is_action_permitted = is_action_permitted

    def bucket_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = IAMPolicy(self.policy.decode())
        return policy.is_action_permitted(action, resource, None, {"aws:SecureTransport": "true"})

    FakeBucket.get_permission = bucket_permission


def _signed_request(self: IAMRequestBase) -> AWSRequest:
    """The request as its client signed it: the body it sent, or nothing."""
    authorization = self._headers["Authorization"]
    signed = self._get_string_between("SignedHeaders=", ",", authorization).split(";")
    headers = self._create_headers_for_aws_request(signed, self._headers)
    # A form-encoded query call's body reaches here parsed (as `_data`); a REST GET has none.
    payload = self._body or (self._data if self._method == "POST" else b"")
    request = AWSRequest(method=self._method, url=self._path, data=payload, headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    return request


def _signature(self: IAMRequestBase) -> str:
    auth = self._create_auth(self._access_key.create_credentials())
    request = self._create_aws_request()
    # Every header the client listed as signed, user-agent included.
    auth.headers_to_sign = lambda r: _signed_headers(r)
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request)


def _signed_headers(request: AWSRequest) -> HTTPHeaders:
    headers = HTTPHeaders()
    for name, value in request.headers.items():
        headers[name.lower()] = value
    return headers


def _check(request: IAMRequestBase, resource: str, access_log: str | None) -> None:
    # moto names the action by the request's signing name; IAM by the service's prefix.
    signing, _, operation = request._action.partition(":")
    action = request._action = f"{IAM_PREFIXES.get(signing, signing)}:{operation}"
    if action == "sts:GetCallerIdentity":
        return
    params = _params(request)
    if resource == "*":
        targets = _resources(request, action, params)
    elif action == "s3:DeleteObject" and "/" not in resource.split(":::", 1)[-1]:
        targets = _deleted_keys(resource, request._body)
    else:
        targets = [resource]
    conditions = _conditions(action, params)
    policies = request._access_key.collect_policies()
    for target in targets or [ANY_RESOURCE]:
        allowed = _permitted(policies, action, target, conditions)
        if allowed and action == "sts:AssumeRole":
            allowed = _trusted(request, target, params)
        _log(access_log, request, action, target, allowed)
        if not allowed:
            _deny(request, action, target)


def _deny(request: IAMRequestBase, action: str, resource: str) -> None:
    """AccessDenied as the service's protocol says it: JSON services (DynamoDB, Glue, Logs,
    EventBridge...) answer AccessDeniedException in JSON, naming the action and the resource;
    moto answered them in XML, which their clients cannot read."""
    headers = request._headers
    json_protocol = "X-Amz-Target" in headers or "json" in headers.get("Content-Type", "")
    if not json_protocol:
        request._raise_access_denied()
    from moto.core.exceptions import JsonRESTError

    who = request._access_key.arn
    message = f"User: {who} is not authorized to perform: {action} on resource: {resource}"
    raise JsonRESTError("AccessDeniedException", message)


def _permitted(policies: list, action: str, resource: str, conditions: dict) -> bool:
    permitted = False
    for policy in policies:
        result = IAMPolicy(policy).is_action_permitted(action, resource, None, conditions)
        if result == PermissionResult.DENIED:
            return False
        permitted = permitted or result == PermissionResult.PERMITTED
    return permitted


def _params(request: IAMRequestBase) -> dict[str, Any]:
    """The call's parameters: the query's, or a JSON body's."""
    params = {
        k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in request._data.items()
    }
    try:
        body = json.loads(request._body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = {}
    return {**params, **body} if isinstance(body, dict) else params


def _resources(request: IAMRequestBase, action: str, p: dict[str, Any]) -> list[str]:
    service, _, name = action.partition(":")
    arn = f"arn:aws:{service}:{request._region}:{request.account_id}:"
    if service == "dynamodb":
        tables = [p["TableName"]] if "TableName" in p else list(p.get("RequestItems", {}))
        index = f"/index/{p['IndexName']}" if "IndexName" in p else ""
        return [f"{arn}table/{t}{index}" for t in tables]
    if service == "glue":
        return _glue_resources(arn, name, p)
    if service == "sns" and "TopicArn" in p:
        return [p["TopicArn"]]
    if action == "events:PutEvents":
        buses = {e.get("EventBusName") or "default" for e in p.get("Entries", [])}
        return [f"{arn}event-bus/{b}" for b in sorted(buses)]
    if service == "logs" and "logGroupName" in p:
        stream = p.get("logStreamName", "")
        return [f"{arn}log-group:{p['logGroupName']}:log-stream:{stream}"]
    return []


def _glue_resources(arn: str, name: str, p: dict[str, Any]) -> list[str]:
    if name in ("StartWorkflowRun", "GetWorkflowRun", "GetWorkflowRuns"):
        return [f"{arn}workflow/{p['Name']}"]
    database = p.get("DatabaseName")
    if database is None:
        return []
    table = p.get("TableName") or p.get("Name") or p.get("TableInput", {}).get("Name")
    found = [f"{arn}catalog", f"{arn}database/{database}"]
    return [*found, f"{arn}table/{database}/{table}"] if table else found


def _deleted_keys(bucket_arn: str, body: bytes) -> list[str]:
    """DeleteObjects needs s3:DeleteObject on every key it names (moto checks the bucket)."""
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(body)
    keys = [e.text or "" for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "Key"]
    return [f"{bucket_arn}/{key}" for key in keys]


def _conditions(action: str, p: dict[str, Any]) -> dict[str, str]:
    if action == "cloudwatch:PutMetricData" and "Namespace" in p:
        return {"cloudwatch:namespace": p["Namespace"]}
    return {}


def _trusted(request: IAMRequestBase, role_arn: str, p: dict[str, Any]) -> bool:
    """The role trusts the service the caller plays (its session name) in this account."""
    role = request.backend.get_role_by_arn(role_arn)
    service = p.get("RoleSessionName", "")
    for statement in _statements(role.assume_role_policy_document):
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        source = statement.get("Condition", {}).get("StringEquals", {}).get("aws:SourceAccount")
        if (
            statement.get("Effect") == "Allow"
            and service in services
            and source in (None, request.account_id)
        ):
            return True
    return False


def _statements(document: str | dict) -> list[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = parsed.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _who(request: IAMRequestBase) -> str:
    key = request._access_key
    if isinstance(key, AssumedRoleAccessKey):
        return f"role/{key._owner_role_name}"
    return f"user/{getattr(key, '_owner_user_name', '?')}"


def _log(path: str | None, request: IAMRequestBase, action: str, resource: str, ok: bool) -> None:
    if path is None:
        return
    record = {"who": _who(request), "action": action, "resource": resource, "allowed": ok}
    with _LOG_LOCK, open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")
