"""`pipegen cost SPEC [--env ENV] [--compare ENV]... [--lake DIR] [--format text|json]`: the
monthly estimate (cost_estimate.py), from the spec's figures or from a lake's measured runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import EXIT_OK, UsageError, plans_for, spec_options


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("cost", help="estimate the monthly AWS cost of a spec's stack")
    spec_options(command, ("text", "json"))
    command.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="ENV",
        help="also estimate ENV and print the environments side by side (repeatable)",
    )
    command.add_argument(
        "--lake",
        type=Path,
        help="take each job's run time from this local lake's last runs (scaled to the volume)",
    )
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..cost_estimate import as_comparison, as_json, as_text, estimate
    from ..cost_levers import without_vpc

    plans = plans_for([args.spec])[0]
    names = list(dict.fromkeys([args.env, *args.compare]))
    unknown = [n for n in names if n not in plans]
    if unknown:
        raise UsageError(f"environment '{unknown[0]}' is not defined in {args.spec}")
    measured = _measured(args.lake)
    usages = {name: _usage(plans[name], measured) for name in names}
    results = {name: estimate(usage) for name, usage in usages.items()}
    if args.format == "json":
        shaped = {name: as_json(result) for name, result in results.items()}
        print(json.dumps(shaped if args.compare else shaped[args.env], indent=2, sort_keys=True))
    elif args.compare:
        print(as_comparison(results, plans[args.env].name))
    else:
        plan = plans[args.env]
        print(as_text(results[args.env], f"{plan.name} ({plan.env}, {plan.region})"))
        if plan.network.vpc:
            bare = without_vpc(usages[args.env])
            print(
                f"  without its VPC (network.vpc: false): ${bare:,.2f} a month; the VPC adds "
                f"${results[args.env].total - bare:,.2f}"
            )
        if plan.budget:
            print(f"  budget: ${plan.budget.monthly_usd:,.2f} a month")
    return EXIT_OK


def _measured(lake: Path | None) -> dict:
    from ..run_evidence import from_lake

    if lake is None:
        return {}
    if not (lake / "_runs").is_dir():
        raise UsageError(f"{lake} holds no runs (no _runs/ folder): run `pipegen run` there first")
    found = from_lake(lake)
    if not found:
        print(f"pipegen: no finished run in {lake} read data; run times come from the spec")
    return found


def _usage(plan, measured: dict):
    from ..cost_estimate import usage_for
    from ..pipeline import compile_plan

    template = json.loads(compile_plan(plan).files["template.json"])
    return usage_for(plan, template, measured=measured)
