"""The private subnets' network ACL (#18): every flow the Glue jobs and the endpoints need
passes, evaluated as AWS evaluates an ACL (lowest rule number first, then deny), and nothing
else from outside the VPC does."""

from __future__ import annotations

import ipaddress
import json

import pytest

from helpers import REPO, compile_all

SPEC = REPO / "specs" / "flights.yaml"
S3_ADDRESS = "52.216.0.10"  # an S3 address in us-east-1, reached through the gateway endpoint


@pytest.fixture(scope="module")
def prod():
    return json.loads(compile_all(SPEC, "flights.yaml")["prod"]["template.json"])


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _allowed(entries: list[dict], egress: bool, peer: str, port: int) -> bool:
    """AWS's evaluation: the lowest-numbered matching rule decides; no match denies."""
    for p in sorted(entries, key=lambda e: e["RuleNumber"]):
        if p["Egress"] != egress or p["Protocol"] != 6:
            continue
        in_range = p["PortRange"]["From"] <= port <= p["PortRange"]["To"]
        if in_range and ipaddress.ip_address(peer) in ipaddress.ip_network(p["CidrBlock"]):
            return p["RuleAction"] == "allow"
    return False


def test_every_private_subnet_has_the_acl_and_only_the_flows_glue_needs_pass(prod):
    (acl_id,) = _of_type(prod, "AWS::EC2::NetworkAcl")
    subnets = [k for k, r in _of_type(prod, "AWS::EC2::Subnet").items() if "Private" in k]
    associated = [
        r["Properties"]["SubnetId"]["Ref"]
        for r in _of_type(prod, "AWS::EC2::SubnetNetworkAclAssociation").values()
        if r["Properties"]["NetworkAclId"] == {"Ref": acl_id}
    ]
    assert sorted(associated) == sorted(subnets) and len(subnets) == 3
    entries = [
        r["Properties"]
        for r in _of_type(prod, "AWS::EC2::NetworkAclEntry").values()
        if r["Properties"]["NetworkAclId"] == {"Ref": acl_id}
    ]
    cidr = ipaddress.ip_network(prod["Resources"]["Vpc"]["Properties"]["CidrBlock"])
    worker, other_worker = str(cidr[20]), str(cidr[300])
    # Glue workers to each other on any port (shuffle, driver), and to the interface endpoints.
    for port in (443, 7077, 40000):
        assert _allowed(entries, True, other_worker, port)
        assert _allowed(entries, False, worker, port)
    # S3 and DynamoDB through their gateway endpoints: HTTPS out, the answers back.
    assert _allowed(entries, True, S3_ADDRESS, 443)
    assert _allowed(entries, False, S3_ADDRESS, 50123)
    # Nothing else leaves for, or arrives from, beyond the VPC.
    assert not _allowed(entries, True, S3_ADDRESS, 80)
    for port in (21, 22, 3389, 5432, 8080):
        assert not _allowed(entries, False, "198.51.100.7", port), port


def test_without_a_vpc_there_is_no_acl():
    dev = json.loads(compile_all(SPEC, "flights.yaml")["dev"]["template.json"])
    assert not _of_type(dev, "AWS::EC2::NetworkAcl")
