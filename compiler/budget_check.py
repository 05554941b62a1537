"""The budget check of `pipegen validate`: is the estimate over the spec's own budget?

A warning (an error with `--strict`) at `budget.monthly_usd`, naming the biggest line items,
so the author sees what to cut before anything is deployed.
"""

from __future__ import annotations

import json

from .cost_estimate import estimate, usage_for
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
    result = estimate(usage_for(plan, template))
    if result.total <= plan.budget.monthly_usd:
        return []
    biggest = ", ".join(f"{i.service} {i.item} ${i.monthly_usd:,.2f}" for i in result.biggest())
    return [
        Diagnostic(
            plan.source_map.at(("budget", "monthly_usd")),
            CODE,
            f"environment '{plan.env}': the estimate is ${result.total:,.2f} a month, over the "
            f"budget of ${plan.budget.monthly_usd:,.2f}. Biggest items: {biggest} "
            f"(see `pipegen cost --env {plan.env}`)",
            severity="error" if strict else "warning",
        )
    ]
