"""The optional VPC (`network.vpc: true`): `AWS::EC2::VPC`, `::Subnet`, `::RouteTable`,
`::SubnetRouteTableAssociation`, `::NetworkAcl` (+ `Entry`, `SubnetNetworkAclAssociation`),
`::VPCEndpoint`, `::SecurityGroup` (+ `Ingress`/`Egress`),
`::FlowLog`; `AWS::Glue::Connection`; and, only when asked, `::InternetGateway`, `::EIP`,
`::NatGateway` with public subnets.

Private subnets only, one per availability zone. AWS is reached through endpoints: gateway
endpoints for S3 and DynamoDB, interface endpoints for the other services the jobs and the
landing function call. Glue's security group lets its workers talk to each other (Glue requires
a self-referencing rule) and leaves the group only on 443; with no NAT gateway and no internet
gateway the subnets have no route beyond the VPC's endpoints, so 443 reaches only AWS. The VPC's
flow logs go to a log group encrypted with the logs key.
"""

from __future__ import annotations

import ipaddress

from troposphere import GetAtt, GetAZs, Ref, Select, Sub, ec2, glue, iam, logs

from ..logical_ids import (
    ENDPOINT_GROUP,
    FLOW_LOG,
    FLOW_LOGS,
    FLOW_LOGS_ROLE,
    GLUE_GROUP,
    INTERNET_GATEWAY,
    INTERNET_GATEWAY_ATTACHMENT,
    LANDING_GROUP,
    LOGS_KEY,
    PRIVATE_ACL,
    PUBLIC_DEFAULT_ROUTE,
    PUBLIC_ROUTES,
    VPC,
    acl_entry_id,
    connection_id,
    default_route_id,
    endpoint_id,
    glue_group_rule_id,
    nat_address_id,
    nat_id,
    private_routes_id,
    private_subnet_id,
    public_subnet_id,
    subnet_acl_id,
    subnet_routes_id,
)
from .common import Stack, account_arn, allow, policy

GATEWAY_SERVICES = ("s3", "dynamodb")
HTTPS = 443


def subnet_cidrs(cidr: str, zones: int, nat: int) -> tuple[list[str], list[str]]:
    """Private subnets (one per zone) and public ones (one per NAT gateway), equal halves."""
    network = ipaddress.ip_network(cidr)
    count = zones + nat
    bits = max(1, (count - 1).bit_length())
    blocks = list(network.subnets(prefixlen_diff=bits))
    return [str(b) for b in blocks[:zones]], [str(b) for b in blocks[zones : zones + nat]]


def build(stack: Stack) -> None:
    net = stack.plan.network
    if not net.vpc:
        return
    private, public = subnet_cidrs(net.cidr, net.availability_zones, net.nat_gateways)
    stack.add(
        ec2.VPC(
            VPC,
            CidrBlock=net.cidr,
            EnableDnsHostnames=True,  # interface endpoints answer on the services' own names
            EnableDnsSupport=True,
            Tags=_named(stack, stack.plan.naming.prefix),
        )
    )
    tables = [_private_subnet(stack, i, block) for i, block in enumerate(private)]
    if public:
        _nat(stack, public, tables)
    _endpoints(stack, tables)
    _private_acl(stack, net.cidr, len(private))
    _security_groups(stack)
    _connections(stack, len(private))
    _flow_logs(stack)


def _named(stack: Stack, name: str):
    from troposphere import Tags

    return Tags({**stack.tag_map(), "Name": name})


def _private_subnet(stack: Stack, index: int, block: str) -> str:
    subnet, table = private_subnet_id(index), private_routes_id(index)
    stack.add(
        ec2.Subnet(
            subnet,
            VpcId=Ref(VPC),
            CidrBlock=block,
            AvailabilityZone=Select(index, GetAZs("")),
            MapPublicIpOnLaunch=False,
            Tags=_named(stack, f"{stack.plan.naming.prefix}-private-{index + 1}"),
        )
    )
    stack.add(ec2.RouteTable(table, VpcId=Ref(VPC), Tags=stack.tags()))
    stack.add(
        ec2.SubnetRouteTableAssociation(
            subnet_routes_id(subnet), SubnetId=Ref(subnet), RouteTableId=Ref(table)
        )
    )
    return table


# The private subnets' network ACL: within the VPC, any TCP (Glue workers talk to each other
# on every port, and reach the interface endpoints); beyond it, HTTPS out (S3 and DynamoDB
# through their gateway endpoints, whose addresses are public; the NAT gateway when there is
# one) and the answers back on Linux's ephemeral ports, above every well-known service port
# (SSH, RDP, ...). The Amazon DNS server is not filtered by network ACLs.
EPHEMERAL_PORTS = (32768, 65535)


def _acl_rules(cidr: str) -> list[tuple[str, int, str, tuple[int, int]]]:
    """(direction, rule number, peer CIDR, ports) of every allow rule."""
    return [
        ("in", 100, cidr, (0, 65535)),
        ("in", 110, "0.0.0.0/0", EPHEMERAL_PORTS),
        ("out", 100, cidr, (0, 65535)),
        ("out", 110, "0.0.0.0/0", (HTTPS, HTTPS)),
    ]


def _private_acl(stack: Stack, cidr: str, zones: int) -> None:
    stack.add(
        ec2.NetworkAcl(
            PRIVATE_ACL,
            VpcId=Ref(VPC),
            Tags=_named(stack, f"{stack.plan.naming.prefix}-private"),
        )
    )
    for direction, number, peer, (low, high) in _acl_rules(cidr):
        stack.add(
            ec2.NetworkAclEntry(
                acl_entry_id(direction, number),
                NetworkAclId=Ref(PRIVATE_ACL),
                RuleNumber=number,
                Protocol=6,
                RuleAction="allow",
                Egress=direction == "out",
                CidrBlock=peer,
                PortRange=ec2.PortRange(From=low, To=high),
            )
        )
    for index in range(zones):
        subnet = private_subnet_id(index)
        stack.add(
            ec2.SubnetNetworkAclAssociation(
                subnet_acl_id(subnet), SubnetId=Ref(subnet), NetworkAclId=Ref(PRIVATE_ACL)
            )
        )


def _nat(stack: Stack, public: list[str], private_tables: list[str]) -> None:
    """Only when the spec asks: an internet gateway, public subnets and a NAT gateway each."""
    stack.add(ec2.InternetGateway(INTERNET_GATEWAY, Tags=stack.tags()))
    stack.add(
        ec2.VPCGatewayAttachment(
            INTERNET_GATEWAY_ATTACHMENT, VpcId=Ref(VPC), InternetGatewayId=Ref(INTERNET_GATEWAY)
        )
    )
    stack.add(ec2.RouteTable(PUBLIC_ROUTES, VpcId=Ref(VPC), Tags=stack.tags()))
    route = ec2.Route(
        PUBLIC_DEFAULT_ROUTE,
        RouteTableId=Ref(PUBLIC_ROUTES),
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=Ref(INTERNET_GATEWAY),
    )
    route.DependsOn = [INTERNET_GATEWAY_ATTACHMENT]
    stack.add(route)
    for index, block in enumerate(public):
        subnet, nat = public_subnet_id(index), nat_id(index)
        stack.add(
            ec2.Subnet(
                subnet,
                VpcId=Ref(VPC),
                CidrBlock=block,
                AvailabilityZone=Select(index, GetAZs("")),
                MapPublicIpOnLaunch=False,
                Tags=_named(stack, f"{stack.plan.naming.prefix}-public-{index + 1}"),
            )
        )
        stack.add(
            ec2.SubnetRouteTableAssociation(
                subnet_routes_id(subnet), SubnetId=Ref(subnet), RouteTableId=Ref(PUBLIC_ROUTES)
            )
        )
        address = ec2.EIP(nat_address_id(nat), Domain="vpc", Tags=stack.tags())
        address.DependsOn = [INTERNET_GATEWAY_ATTACHMENT]
        stack.add(address)
        stack.add(
            ec2.NatGateway(
                nat,
                SubnetId=Ref(subnet),
                AllocationId=GetAtt(nat_address_id(nat), "AllocationId"),
                Tags=stack.tags(),
            )
        )
    for index, table in enumerate(private_tables):
        stack.add(
            ec2.Route(
                default_route_id(table),
                RouteTableId=Ref(table),
                DestinationCidrBlock="0.0.0.0/0",
                NatGatewayId=Ref(nat_id(index % len(public))),
            )
        )


def _endpoints(stack: Stack, tables: list[str]) -> None:
    zones = stack.plan.network.availability_zones
    for service in GATEWAY_SERVICES:
        stack.add(
            ec2.VPCEndpoint(
                endpoint_id(service),
                VpcId=Ref(VPC),
                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                VpcEndpointType="Gateway",
                RouteTableIds=[Ref(t) for t in tables],
            )
        )
    for service in sorted(set(stack.plan.network.endpoints)):
        stack.add(
            ec2.VPCEndpoint(
                endpoint_id(service),
                VpcId=Ref(VPC),
                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                VpcEndpointType="Interface",
                PrivateDnsEnabled=True,
                SubnetIds=[Ref(private_subnet_id(i)) for i in range(zones)],
                SecurityGroupIds=[Ref(ENDPOINT_GROUP)],
            )
        )


def _security_groups(stack: Stack) -> None:
    prefix = stack.plan.naming.prefix
    stack.add(
        ec2.SecurityGroup(
            GLUE_GROUP,
            GroupDescription=f"pipegen {prefix}: Glue workers",
            VpcId=Ref(VPC),
            SecurityGroupEgress=[_https_out("AWS APIs through the VPC endpoints")],
            Tags=stack.tags(),
        )
    )
    # Glue requires its workers' group to admit itself on every TCP port (shuffle, driver).
    for kind, rule in (("Ingress", ec2.SecurityGroupIngress), ("Egress", ec2.SecurityGroupEgress)):
        side = "SourceSecurityGroupId" if kind == "Ingress" else "DestinationSecurityGroupId"
        peer = {side: Ref(GLUE_GROUP)}
        stack.add(
            rule(
                glue_group_rule_id(kind),
                GroupId=Ref(GLUE_GROUP),
                IpProtocol="tcp",
                FromPort=0,
                ToPort=65535,
                Description="Glue workers talk to each other",
                **peer,
            )
        )
    stack.add(
        ec2.SecurityGroup(
            LANDING_GROUP,
            GroupDescription=f"pipegen {prefix}: landing function",
            VpcId=Ref(VPC),
            SecurityGroupEgress=[_https_out("AWS APIs through the VPC endpoints")],
            Tags=stack.tags(),
        )
    )
    stack.add(
        ec2.SecurityGroup(
            ENDPOINT_GROUP,
            GroupDescription=f"pipegen {prefix}: interface endpoints",
            VpcId=Ref(VPC),
            SecurityGroupIngress=[
                ec2.SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=HTTPS,
                    ToPort=HTTPS,
                    SourceSecurityGroupId=Ref(group),
                    Description=f"HTTPS from the {who}",
                )
                for group, who in (
                    (GLUE_GROUP, "Glue workers"),
                    (LANDING_GROUP, "landing function"),
                )
            ],
            # Endpoints only answer; this rule replaces the default allow-all egress.
            SecurityGroupEgress=[
                ec2.SecurityGroupRule(
                    IpProtocol="icmp",
                    FromPort=-1,
                    ToPort=-1,
                    CidrIp="127.0.0.1/32",
                    Description="no egress (placeholder that removes the default rule)",
                )
            ],
            Tags=stack.tags(),
        )
    )


def _https_out(why: str) -> ec2.SecurityGroupRule:
    return ec2.SecurityGroupRule(
        IpProtocol="tcp",
        FromPort=HTTPS,
        ToPort=HTTPS,
        CidrIp="0.0.0.0/0",
        Description=f"HTTPS to {why}",
    )


def _connections(stack: Stack, zones: int) -> None:
    """One Glue network connection per zone; a job tries them in order."""
    for index in range(zones):
        stack.add(
            glue.Connection(
                connection_id(index),
                CatalogId=Ref("AWS::AccountId"),
                ConnectionInput=glue.ConnectionInput(
                    Name=stack.plan.naming.connection(index),
                    ConnectionType="NETWORK",
                    Description=f"pipegen {stack.plan.naming.prefix}: private subnet {index + 1}",
                    PhysicalConnectionRequirements=glue.PhysicalConnectionRequirements(
                        AvailabilityZone=GetAtt(private_subnet_id(index), "AvailabilityZone"),
                        SubnetId=Ref(private_subnet_id(index)),
                        SecurityGroupIdList=[Ref(GLUE_GROUP)],
                    ),
                ),
            )
        )


def _flow_logs(stack: Stack) -> None:
    naming = stack.plan.naming
    stack.add(
        logs.LogGroup(
            FLOW_LOGS,
            LogGroupName=naming.flow_log_group,
            RetentionInDays=stack.plan.retention.logs_days,
            KmsKeyId=GetAtt(LOGS_KEY, "Arn"),
            Tags=stack.tags(),
        )
    )
    role = FLOW_LOGS_ROLE
    stack.add(
        iam.Role(
            role,
            RoleName=naming.role("flow-logs"),
            AssumeRolePolicyDocument=policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": Sub("${AWS::AccountId}")}},
                }
            ),
            Policies=[
                iam.Policy(
                    PolicyName="deliver-flow-logs",
                    PolicyDocument=policy(
                        allow(
                            "DeliverFlowLogs",
                            [
                                "logs:CreateLogStream",
                                "logs:DescribeLogStreams",
                                "logs:PutLogEvents",
                            ],
                            [GetAtt(FLOW_LOGS, "Arn")],
                        ),
                        allow(
                            "FindTheLogGroup",
                            ["logs:DescribeLogGroups"],
                            [account_arn("logs", "log-group:*")],
                        ),
                    ),
                )
            ],
            Tags=stack.tags(),
        )
    )
    stack.add(
        ec2.FlowLog(
            FLOW_LOG,
            ResourceId=Ref(VPC),
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=Ref(FLOW_LOGS),
            DeliverLogsPermissionArn=GetAtt(role, "Arn"),
            Tags=stack.tags(),
        )
    )


def vpc_access_statements(stack: Stack, who: str) -> list[dict]:
    """What Glue (for its connections) or Lambda needs to place ENIs in this VPC."""
    if not stack.plan.network.vpc:
        return []
    describe = [
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcAttribute",
    ]
    if who == "glue":
        describe += ["ec2:DescribeRouteTables", "ec2:DescribeVpcEndpoints"]
    manage = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"]
    if who == "lambda":
        manage += ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
    statements = [
        # Describe* take no resource, and ENIs have no ID before they exist: AWS needs "*".
        allow("DescribeNetwork", describe, ["*"]),
        allow(
            "ManageInterfacesInThisVpc",
            manage,
            ["*"],
            Condition={"ArnEqualsIfExists": {"ec2:Vpc": account_arn("ec2", f"vpc/${{{VPC}}}")}},
        ),
    ]
    if who == "glue":
        statements.append(
            allow(
                "TagGlueInterfaces",
                ["ec2:CreateTags", "ec2:DeleteTags"],
                [account_arn("ec2", "network-interface/*")],
                Condition={
                    "ForAllValues:StringEquals": {"aws:TagKeys": ["aws-glue-service-resource"]}
                },
            )
        )
    return statements


def subnet_refs(stack: Stack) -> list[Ref]:
    return [Ref(private_subnet_id(i)) for i in range(stack.plan.network.availability_zones)]
