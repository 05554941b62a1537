"""What a change to the spec would save a month: the levers `validate` names over budget, and
the VPC's share that `pipegen cost` shows for an environment with one.

Each lever re-prices the same month's usage with one setting changed, so its saving is the
estimate's own arithmetic, not a rule of thumb.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .cost_estimate import Usage, estimate
from .spec.document import FLEX_WORKER_TYPES
from .spec.network import CALLED_SERVICES

MIN_ZONES = 2


@dataclass(frozen=True)
class Lever:
    saves_usd: float
    change: str


def levers(usage: Usage, prices: dict | None = None) -> list[Lever]:
    """The changes that would lower this month's bill, biggest saving first."""
    total = estimate(usage, prices).total
    found = []
    for change, cheaper in _alternatives(usage):
        saving = total - estimate(cheaper, prices).total
        if saving >= 0.01:
            found.append(Lever(saving, change))
    return sorted(found, key=lambda lever: (-lever.saves_usd, lever.change))


def without_vpc(usage: Usage, prices: dict | None = None) -> float:
    """The same month without the network option's endpoints and NAT gateways."""
    bare = replace(usage, nat_gateways=0, nat_gb=0.0, interface_endpoints=(), availability_zones=0)
    return estimate(bare, prices).total


def _alternatives(usage: Usage) -> list[tuple[str, Usage]]:
    options = []
    standard = [
        j
        for j in usage.jobs
        if j.execution_class == "standard" and j.worker_type in FLEX_WORKER_TYPES
    ]
    if standard:
        flex = tuple(replace(j, execution_class="flex") if j in standard else j for j in usage.jobs)
        names = ", ".join(j.name for j in standard)
        options.append(
            (f"`execution_class: flex` for the {names} job(s)", replace(usage, jobs=flex))
        )
    if usage.interface_endpoints and usage.availability_zones > MIN_ZONES:
        options.append(
            (
                f"`network.availability_zones: {MIN_ZONES}` (endpoints bill per zone)",
                replace(usage, availability_zones=MIN_ZONES),
            )
        )
    optional = [s for s in usage.interface_endpoints if s not in CALLED_SERVICES]
    if optional:
        kept = tuple(s for s in usage.interface_endpoints if s in CALLED_SERVICES)
        options.append(
            (
                f"leaving the {', '.join(optional)} endpoint(s) out of `network.endpoints` "
                "(pipegen's code does not call them)",
                replace(usage, interface_endpoints=kept),
            )
        )
    return options
