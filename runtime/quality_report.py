"""A quality run's report as data and as pages.

`curated/_quality/reports/<batch>/report.json` is the record (every figure the page shows);
`report.html` beside it renders that record; `reports/index.html` lists the runs the quality
history holds, newest first, each linking to its report. The verdict carries its reasons and
each run what changed since the one before, so a reader never has to diff two pages.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .report import render_html, render_index
from .rule_units import number
from .typed_json import encode

if TYPE_CHECKING:
    from .context import Context

REPORTS = "_quality/reports/"
RANK = {"pass": 0, "warn": 1, "fail": 2, "error": 3}


def overall(
    ctx: Context, batch: Any, reports: dict[str, Any], quarantine: dict[str, Any]
) -> dict[str, Any]:
    scores = [r["score"] for r in reports.values()]
    score = min(scores) if scores else 100.0
    outcome = worst(r["outcome"] for r in reports.values())
    blocked = outcome == "fail" and ctx.config.quality.on_failure == "block"
    thresholds = encode(ctx.config.quality.score)
    return {
        "pipeline": ctx.pipeline,
        "environment": ctx.config.environment,
        "batch_id": batch.batch_id,
        "run_at": batch.started_at,
        "score": score,
        "outcome": outcome,
        "blocked": blocked,
        "why": why(reports, thresholds),
        "changes": changes(reports),
        "previous_batch": previous_batch(reports),
        "thresholds": thresholds,
        "rows_checked": sum(r["rows"] for r in reports.values()),
        "failed_rows_stored": sum(r["failed_rows_stored"] for r in reports.values()),
        "quarantine": quarantine,
        "tables": reports,
    }


def worst(outcomes: Any) -> str:
    return max(outcomes, key=lambda o: RANK.get(o, 0), default="pass")


def why(reports: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """The sentences behind the verdict: scores under a threshold, then each rule that did
    not pass, with what it saw against what it expected."""
    reasons = []
    for name, rep in sorted(reports.items()):
        for line in ("fail_below", "warn_below"):
            if rep["score"] < thresholds[line]:
                reasons.append(
                    f"{name} scored {number(rep['score'])}, below {line} {number(thresholds[line])}"
                )
                break
        for rule in rep["rules"]:
            if rule["status"] == "error":
                reasons.append(
                    f"{name}.{rule['rule_id']} could not be evaluated: {rule['message']}"
                )
            elif rule["status"] in ("fail", "warn"):
                verb = "failed" if rule["status"] == "fail" else "warns"
                reasons.append(
                    f"{name}.{rule['rule_id']} {verb}: {rule['observed_text']}; "
                    f"expected {rule['expected']}"
                )
    if not reasons:
        reasons.append(
            f"every rule passed and every table scored at least {number(thresholds['warn_below'])}"
        )
    return reasons


def changes(reports: dict[str, Any]) -> list[str]:
    """What differs from each table's previous run: score, rows, and rules that changed
    status."""
    lines = []
    for name, rep in sorted(reports.items()):
        if not rep["history"]:
            lines.append(f"{name}: first run")
            continue
        before = rep["history"][-1]
        changed = []
        if before["score"] != rep["score"]:
            changed.append(f"score {number(before['score'])} -> {number(rep['score'])}")
        if before["rows"] is not None and before["rows"] != rep["rows"]:
            changed.append(f"rows {number(before['rows'])} -> {number(rep['rows'])}")
        for rule in rep["rules"]:
            was = before["statuses"].get(rule["rule_id"])
            if before["statuses"] and was is None:
                changed.append(f"{rule['rule_id']} new ({rule['status']})")
            elif was is not None and was != rule["status"]:
                changed.append(f"{rule['rule_id']} {was} -> {rule['status']}")
        lines.append(f"{name}: " + ("; ".join(changed) if changed else "no change"))
    return lines


def previous_batch(reports: dict[str, Any]) -> str | None:
    """The quality run before this one (the newest earlier run of any table)."""
    last = [rep["history"][-1] for rep in reports.values() if rep["history"]]
    return max(last, key=lambda h: h["run_at"])["batch_id"] if last else None


def runs(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every run the tables' histories hold, and this one: newest first, each with the lowest
    table score and the worst outcome (the same figures its own report leads with)."""
    by_batch: dict[str, dict[str, Any]] = {}
    for rep in report["tables"].values():
        for past in rep["history"]:
            run = by_batch.setdefault(
                past["batch_id"], {"run_at": past["run_at"], "scores": [], "outcomes": []}
            )
            run["scores"].append(past["score"])
            run["outcomes"].append(past["outcome"])
    listed = [
        {
            "batch_id": batch,
            "run_at": run["run_at"],
            "score": min(run["scores"]),
            # Runs recorded before outcomes were kept have none to show.
            "outcome": worst(run["outcomes"]) if all(run["outcomes"]) else None,
        }
        for batch, run in by_batch.items()
        if batch != report["batch_id"]
    ]
    listed.append({k: report[k] for k in ("batch_id", "run_at", "score", "outcome")})
    return sorted(listed, key=lambda r: r["run_at"], reverse=True)


def write(ctx: Context, report: dict[str, Any]) -> str:
    """report.json, report.html and the index of runs; returns the page's location."""
    base = f"{REPORTS}{report['batch_id']}/"
    text = json.dumps(report, sort_keys=True, indent=2, default=str) + "\n"
    ctx.storage.write_bytes("curated", base + "report.json", text.encode())
    ctx.storage.write_bytes("curated", base + "report.html", render_html(report).encode())
    index = render_index(report["pipeline"], report["environment"], runs(report))
    ctx.storage.write_bytes("curated", REPORTS + "index.html", index.encode())
    return ctx.storage.uri("curated", base + "report.html")
