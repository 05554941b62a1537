"""The budget check of `pipegen validate`: is the estimate over the spec's own budget?

A warning (an error with `--strict`) at `budget.monthly_usd`, naming the biggest line items and
the setting that would save the most (cost_levers.py), so the author sees what to cut before
anything is deployed.
"""

from __future__ import annotations

import json

from .cost_estimate import estimate, usage_for
from .cost_levers import levers
from .diagnostics import Diagnostic
from .pipeline import compile_plan
from .plan import PipelinePlan

CODE = "PG601"


def budget_findings(
    plan: PipelinePlan, strict: bool, template: dict | None = None
) -> list[Diagnostic]:
    """`template`: the plan's compiled template, when the caller has it already."""
    if plan.budget is None:
        return []
    if template is None:
        template = json.loads(compile_plan(plan).files["template.json"])
    usage = usage_for(plan, template)
    result = estimate(usage)
    if result.total <= plan.budget.monthly_usd:
        return []
    biggest = ", ".join(f"{i.service} {i.item} ${i.monthly_usd:,.2f}" for i in result.biggest())
    found = levers(usage)
    lever = (
        f". Biggest lever: {found[0].change} saves ${found[0].saves_usd:,.2f} a month"
        if found
        else ""
    )
    return [
        Diagnostic(
            plan.source_map.at(("budget", "monthly_usd")),
            CODE,
            f"environment '{plan.env}': the estimate is ${result.total:,.2f} a month, over the "
            f"budget of ${plan.budget.monthly_usd:,.2f}. Biggest items: {biggest}{lever} "
            f"(see `pipegen cost --env {plan.env}`)",
            severity="error" if strict else "warning",
        )
    ]
