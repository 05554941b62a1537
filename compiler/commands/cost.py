"""`pipegen cost SPEC [--env ENV] [--format text|json]`: the monthly estimate (cost_estimate.py)."""

from __future__ import annotations

import argparse
import json

from .common import EXIT_OK, plan_for_env, spec_options


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("cost", help="estimate the monthly AWS cost of a spec's stack")
    spec_options(command, ("text", "json"))
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..cost_estimate import as_json, as_text, estimate, usage_for
    from ..pipeline import compile_plan

    plan = plan_for_env(args)
    template = json.loads(compile_plan(plan).files["template.json"])
    result = estimate(usage_for(plan, template))
    if args.format == "json":
        print(json.dumps(as_json(result), indent=2, sort_keys=True))
    else:
        print(as_text(result, f"{plan.name} ({plan.env}, {plan.region})"))
        if plan.budget:
            print(f"  budget: ${plan.budget.monthly_usd:,.2f} a month")
    return EXIT_OK
