"""The quality report as one self-contained HTML page (no scripts, no external files: it opens
from disk and prints): the verdict and why first, what changed since the last run, then per
table its trend charts (inline SVG with axes and the score thresholds), its rules with expected
against observed, its failed rows with the offending column marked, and the quarantine per
source. Every figure comes from report.json, formatted by `rule_units`."""

from __future__ import annotations

from html import escape
from typing import Any

from .charts import line_chart
from .rule_units import MISSING, number

COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "error": "#8250df"}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1f2328;line-height:1.45}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de}
h3{font-size:1rem;margin:1.4rem 0 .3rem}
nav a{margin-right:1rem}.muted{color:#57606a}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.9rem}
td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{color:#fff;padding:1px 8px;border-radius:10px;font-size:.85em;white-space:nowrap}
.verdict{display:flex;gap:2rem;align-items:baseline;flex-wrap:wrap;padding:.8rem 1rem;
border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa}
.score{font-size:2.4rem;font-weight:700}.scroll{overflow-x:auto;max-width:100%}
td.offending,th.offending{background:#ffebe9;font-weight:600}
.null{color:#57606a;font-style:italic}code,pre{font-size:.85em}
pre{margin:0;white-space:pre-wrap;word-break:break-all}
.charts{display:flex;gap:1.5rem;flex-wrap:wrap}
@media print{body{margin:0;max-width:none}nav{display:none}.scroll{overflow:visible}
table{font-size:8pt;page-break-inside:auto}tr,svg{page-break-inside:avoid}
td{word-break:break-word}h2{page-break-after:avoid}
.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def render_html(report: dict[str, Any]) -> str:
    title = f"Quality report: {report['pipeline']} ({report['environment']})"
    body = (
        _header(report, title)
        + _summary(report)
        + "".join(
            _table(name, rep, report["thresholds"])
            for name, rep in sorted(report["tables"].items())
        )
        + _quarantine(report["quarantine"])
    )
    return _page(title, body)


def render_index(pipeline: str, environment: str, runs: list[dict[str, Any]]) -> str:
    title = f"Quality runs: {pipeline} ({environment})"
    rows = "".join(
        f'<tr><td><a href="{escape(r["batch_id"])}/report.html">{escape(r["batch_id"])}</a></td>'
        f"<td>{escape(_when(r['run_at']))}</td><td class=num>{number(r['score'])}</td>"
        f"<td>{_badge(r['outcome'])}</td></tr>"
        for r in runs
    )
    body = (
        f"<h1>{escape(title)}</h1><p class=muted>Newest first; the runs the quality history "
        f"holds.</p><table><tr><th>run (batch)</th><th>at</th><th class=num>score</th>"
        f"<th>outcome</th></tr>{rows}</table>"
    )
    return _page(title, body)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def _header(report: dict[str, Any], title: str) -> str:
    links = ['<a href="../index.html">All runs</a>']
    if report.get("previous_batch"):
        previous = escape(report["previous_batch"])
        links.insert(0, f'<a href="../{previous}/report.html">&larr; Previous run ({previous})</a>')
    return (
        f"<h1>{escape(title)}</h1><p class=muted>Run {escape(report['batch_id'])} at "
        f"{escape(_when(report['run_at']))}</p><nav>{''.join(links)}</nav>"
    )


def _summary(report: dict[str, Any]) -> str:
    thresholds = report["thresholds"]
    published = "blocked: not published" if report["blocked"] else "published"
    quarantined = sum(s["rows_quarantined"] for s in report["quarantine"].values())
    verdict = (
        f'<div class="verdict"><div><span class="score">{number(report["score"])}</span>'
        f" / 100 {_badge(report['outcome'])}</div><div>{published}</div>"
        f"<div>{number(report['rows_checked'])} rows checked</div>"
        f"<div>{number(report['failed_rows_stored'])} failed rows stored</div>"
        f"<div>{number(quarantined)} rows quarantined</div>"
        f"<div class=muted>fail below {number(thresholds['fail_below'])}, warn below "
        f"{number(thresholds['warn_below'])}</div></div>"
    )
    tables = "".join(
        f'<tr><td><a href="#table-{escape(name)}">{escape(name)}</a></td>'
        f"<td class=num>{number(rep['rows'])}</td><td class=num>{number(rep['score'])}</td>"
        f"<td>{_badge(rep['outcome'])}</td>"
        f"<td class=num>{_not_passed(rep['rules'])} of {len(rep['rules'])}</td>"
        f"<td class=num>{number(rep['failed_rows_stored'])}</td></tr>"
        for name, rep in sorted(report["tables"].items())
    )
    return (
        f"<h2>Summary</h2>{verdict}<h3>Why {escape(report['outcome'])}</h3>{_list(report['why'])}"
        f"<h3>Since the last run</h3>{_list(report['changes'])}"
        "<table><tr><th>table</th><th class=num>rows</th><th class=num>score</th><th>outcome</th>"
        "<th class=num>rules not passed</th><th class=num>failed rows stored</th></tr>"
        f"{tables}</table>"
    )


def _table(name: str, rep: dict[str, Any], thresholds: dict[str, float]) -> str:
    runs = [*rep["history"], {"run_at": None, "score": rep["score"], "rows": rep["rows"]}]
    labels = ["this run" if r["run_at"] is None else _when(r["run_at"]) for r in runs]
    lines = {"fail below": thresholds["fail_below"], "warn below": thresholds["warn_below"]}
    score_chart = line_chart(
        "score", [r["score"] for r in runs], labels, (0.0, 100.0), lines, f"{name} score per run"
    )
    row_counts = [r["rows"] for r in runs if r["rows"] is not None]
    rows_chart = line_chart(
        "rows", row_counts, labels[-len(row_counts) :], None, {}, f"{name} rows per run"
    )
    trend = rep["score_trend"]
    trend_text = "first run" if trend is None else f"{number(trend)} points per run"
    return (
        f'<h2 id="table-{escape(name)}">{escape(name)} {_badge(rep["outcome"])}</h2>'
        f"<p>{number(rep['rows'])} rows checked; score <b>{number(rep['score'])}</b>; "
        f"trend over {len(runs)} run(s): {trend_text}</p>"
        f'<div class="charts">{score_chart}{rows_chart}</div>'
        + _rules(rep["rules"])
        + "".join(_failed_rows(r) for r in rep["rules"] if r["samples"])
    )


def _rules(rules: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(r['rule_id'])}</code></td><td>{escape(r['dimension'])}</td>"
        f"<td>{_badge(r['status'])}</td><td>{escape(r['expected'])}</td>"
        f"<td>{escape(r['observed_text'])}</td><td>{escape(r['message'])}</td></tr>"
        for r in rules
    )
    return (
        '<div class="scroll"><table><tr><th>rule</th><th>dimension</th><th>status</th>'
        f"<th>expected</th><th>observed</th><th>message</th></tr>{rows}</table></div>"
    )


def _failed_rows(rule: dict[str, Any]) -> str:
    samples = rule["samples"]
    columns = list(samples[0]["row"])
    stored = rule["failed_rows"]
    where = (
        f"; {number(stored['stored'])} stored in <code>{escape(stored['location'])}</code> "
        f"(catalog table <code>{escape(stored['table'])}</code>)"
        if stored
        else ""
    )
    head = "".join(
        f'<th class="offending">{escape(c)}</th>'
        if _offends(c, samples)
        else f"<th>{escape(c)}</th>"
        for c in columns
    )
    body = "".join(
        "<tr><td>"
        + escape(s["reason"])
        + "</td>"
        + "".join(_cell(c, s["row"][c], c in _offending(s)) for c in columns)
        + "</tr>"
        for s in samples
    )
    return (
        f'<h3 class="failed-rows" data-rule="{escape(rule["rule_id"])}">Failed rows of '
        f"<code>{escape(rule['rule_id'])}</code>: {number(rule['failed'])} in all{where}; "
        f"the first {len(samples)}</h3>"
        f'<div class="scroll"><table class="failed-rows-table" '
        f'data-rule="{escape(rule["rule_id"])}">'
        f"<tr><th>reason</th>{head}</tr>{body}</table></div>"
    )


def _offending(sample: dict[str, Any]) -> set[str]:
    return {c.strip() for c in sample["column"].split(",") if c.strip()}


def _offends(column: str, samples: list[dict[str, Any]]) -> bool:
    return any(column in _offending(s) for s in samples)


def _cell(column: str, value: str | None, offending: bool) -> str:
    marked = ' class="offending"' if offending else ""
    if value is None:
        return f'<td{marked}><span class="null">null</span></td>'
    return f"<td{marked}>{escape(value)}</td>"


def _quarantine(sources: dict[str, Any]) -> str:
    if not sources:
        return "<h2>Quarantine</h2><p>No data arrived since the last run.</p>"
    parts = [
        "<h2>Quarantine</h2><p class=muted>Rows ingestion set aside since the last run, "
        "per source.</p>"
    ]
    for name, entry in sources.items():
        share = (
            f" ({number(100 * entry['rows_quarantined'] / entry['rows_in'])}%)"
            if entry["rows_in"]
            else ""
        )
        parts.append(
            f"<h3>{escape(name)}: {number(entry['rows_quarantined'])} of "
            f"{number(entry['rows_in'])} rows quarantined{share}</h3>"
        )
        if entry["reasons"]:
            parts.append(_reasons(entry))
    return "".join(parts)


def _reasons(entry: dict[str, Any]) -> str:
    reasons = "".join(
        f"<tr><td>{escape(r['reason'])}</td><td class=num>{number(r['rows'])}</td></tr>"
        for r in entry["reasons"]
    )
    other = entry.get("other_reasons", 0)
    more = f"<p class=muted>and {number(other)} other reason(s)</p>" if other else ""
    samples = "".join(
        f"<tr><td><code>{escape(s['file'] or MISSING)}</code></td><td>{escape(s['reason'])}</td>"
        f"<td><pre>{escape(s['raw'] or MISSING)}</pre></td></tr>"
        for s in entry["samples"]
    )
    return (
        f"<table class=quarantine-reasons><tr><th>reason</th><th class=num>rows</th></tr>{reasons}"
        f"</table>{more}<p class=muted>Stored in <code>{escape(entry['location'])}</code>; the "
        f'first lines:</p><div class="scroll"><table><tr><th>file</th><th>reason</th>'
        f"<th>line</th></tr>{samples}</table></div>"
    )


def _not_passed(rules: list[dict[str, Any]]) -> int:
    return sum(r["status"] != "pass" for r in rules)


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _badge(status: str | None) -> str:
    if status is None:
        return MISSING
    colour = COLOURS.get(status, "#57606a")
    return f'<span class="badge" style="background:{colour}">{escape(status)}</span>'


def _when(run_at: str) -> str:
    """`2026-11-30 23:25 UTC` from an ISO timestamp."""
    text = str(run_at).replace("T", " ")
    return text[:16] + " UTC" if text.endswith(("+00:00", "Z")) else text[:16]
