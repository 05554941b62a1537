"""Spec model for `network`: where the jobs and the landing function run."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Model

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
