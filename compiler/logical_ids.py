"""Every CloudFormation logical ID of the stack, in one catalogue.

A changed logical ID makes CloudFormation replace the resource (a bucket and its data gone), so
for an existing input nothing here ever changes its output; tests/test_naming.py pins the
reference stack's IDs. Builders take every ID they declare or refer to from here, which is what
lets them be siblings instead of importing each other for a constant.
"""

from __future__ import annotations

import re


def logical_id(*parts: str) -> str:
    """CamelCase alphanumeric ID from name parts: ('raw', 'bucket') -> 'RawBucket'."""
    words = [w for p in parts for w in re.split(r"[^A-Za-z0-9]+", p) if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


# Keys
DATA_KEY = "DataKey"
LOGS_KEY = "LogsKey"
NOTIFY_KEY = "NotifyKey"

# Notifications
TOPIC = "AlertTopic"
TOPIC_POLICY = logical_id(TOPIC, "policy")

# Cost
BUDGET = "MonthlyBudget"
COST_MONITOR = "CostAnomalyMonitor"
COST_SUBSCRIPTION = "CostAnomalySubscription"

DASHBOARD = "Dashboard"

# Glue
DATABASE = "CatalogDatabase"
SECURITY = "SecurityConfiguration"
WORKFLOW = "Workflow"
START_TRIGGER = "StartTrigger"

# Landing
LANDING_FUNCTION = "LandingFunction"
LANDING_LOG_GROUP = "LandingLogGroup"
LANDING_INVOKE_CONFIG = logical_id(LANDING_FUNCTION, "invoke", "config")
FAILURE_QUEUE = "LandingFailureQueue"
FAILURE_QUEUE_POLICY = logical_id(FAILURE_QUEUE, "policy")

# Network (only with a VPC)
VPC = "Vpc"
GLUE_GROUP = "GlueSecurityGroup"
LANDING_GROUP = "LandingSecurityGroup"
ENDPOINT_GROUP = "EndpointSecurityGroup"
FLOW_LOGS = "FlowLogGroup"
FLOW_LOGS_ROLE = logical_id("flow", "logs", "role")
FLOW_LOG = "VpcFlowLog"
PRIVATE_ACL = "PrivateNetworkAcl"
INTERNET_GATEWAY = "InternetGateway"
INTERNET_GATEWAY_ATTACHMENT = "InternetGatewayAttachment"
PUBLIC_ROUTES = "PublicRoutes"
PUBLIC_DEFAULT_ROUTE = "PublicDefaultRoute"


def bucket_id(zone: str) -> str:
    return logical_id(zone, "bucket")


def bucket_policy_id(zone: str) -> str:
    return bucket_id(zone) + "Policy"


def key_alias_id(key: str) -> str:
    return logical_id(key, "alias")


def table_id(name: str) -> str:
    return logical_id(name, "table")


def job_id(kind: str) -> str:
    return logical_id(kind, "job")


def trigger_id(after_job: str) -> str:
    return logical_id("after", after_job, "trigger")


def role_id(name: str) -> str:
    return logical_id(name, "role")


def policy_id(name: str) -> str:
    return logical_id(name, "access", "policy")


def rule_id(name: str) -> str:
    return logical_id(name, "rule")


def alarm_id(name: str) -> str:
    return logical_id(name, "alarm")


def glue_log_group_id(group: str) -> str:
    return logical_id("glue", group.rsplit("/", 1)[-1], "log", "group")


def email_subscription_id(index: int) -> str:
    return logical_id("alert", "email", str(index))


def notice_topic_id(kind: str) -> str:
    return logical_id(kind, "notice", "topic")


def notice_topic_policy_id(kind: str) -> str:
    return logical_id(kind, "notice", "topic", "policy")


def notice_subscription_id(kind: str, index: int) -> str:
    return logical_id(kind, "notice", "email", str(index))


def function_permission_id(rule: str) -> str:
    return logical_id(LANDING_FUNCTION, "invoked", "by", rule)


def private_subnet_id(index: int) -> str:
    return logical_id("private", "subnet", str(index + 1))


def private_routes_id(index: int) -> str:
    return logical_id("private", "routes", str(index + 1))


def public_subnet_id(index: int) -> str:
    return logical_id("public", "subnet", str(index + 1))


def subnet_routes_id(subnet: str) -> str:
    return logical_id(subnet, "routes")


def subnet_acl_id(subnet: str) -> str:
    return logical_id(subnet, "acl")


def acl_entry_id(direction: str, number: int) -> str:
    return logical_id("private", "acl", direction, str(number))


def nat_id(index: int) -> str:
    return f"NatGateway{index + 1}"


def nat_address_id(nat: str) -> str:
    return logical_id(nat, "address")


def default_route_id(route_table: str) -> str:
    return logical_id(route_table, "default")


def endpoint_id(service: str) -> str:
    return logical_id(service, "endpoint")


def glue_group_rule_id(direction: str) -> str:
    return logical_id(GLUE_GROUP, "self", direction)


def connection_id(index: int) -> str:
    return logical_id("network", "connection", str(index + 1))


def bucket_output_id(zone: str) -> str:
    return bucket_id(zone)


def job_name_output_id(kind: str) -> str:
    return logical_id(kind, "job", "name")


def table_name_output_id(name: str) -> str:
    return logical_id(name, "table", "name")
