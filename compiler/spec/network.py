"""Spec model for `network`: where the jobs and the landing function run."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import Model

# AWS services the VPC reaches through interface endpoints (S3 and DynamoDB: gateway endpoints,
# free); what pipegen's code calls, and sts for tools a user adds to the jobs.
INTERFACE_SERVICES = ("events", "glue", "kms", "logs", "monitoring", "sns", "sts")
CALLED_SERVICES = ("events", "glue", "kms", "logs", "monitoring", "sns")
InterfaceService = Literal["events", "glue", "kms", "logs", "monitoring", "sns", "sts"]

Cidr = Annotated[
    str,
    Field(
        pattern=r"^(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/(?:1[6-9]|2[0-2])$"
    ),
]


class Network(Model):
    """Default: no VPC, which suits jobs that only touch S3 and AWS APIs. `vpc: true` gives
    private subnets only, reaching AWS through VPC endpoints; NAT gateways only on request."""

    vpc: bool = False
    availability_zones: Annotated[int, Field(ge=2, le=6)] = 2
    cidr: Cidr = "10.40.0.0/16"
    nat_gateways: Annotated[int, Field(ge=0, le=6)] = 0
    # Interface endpoints, each billed per zone and hour. The jobs and the landing function
    # call every one but sts; without a NAT gateway, leaving one of those out is an error.
    endpoints: Annotated[list[InterfaceService], Field(max_length=7)] = list(INTERFACE_SERVICES)
