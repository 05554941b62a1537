"""The self-contained HTML quality report (no scripts, no external files): per table, the
score, outcome, a trend chart of past scores (inline SVG) and every rule with its samples."""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "error": "#8250df"}


def render_html(report: dict[str, Any]) -> str:
    tables = "".join(_table(name, rep) for name, rep in sorted(report["tables"].items()))
    title = f"pipegen quality: {report['pipeline']} ({report['environment']})"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#1f2328}}
table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{border:1px solid #d0d7de;
padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#f6f8fa}}
.badge{{color:#fff;padding:2px 8px;border-radius:10px}}pre{{margin:0;font-size:12px}}</style>
</head><body><h1>{escape(title)}</h1>
<p>Batch {escape(report["batch_id"])} at {escape(str(report["run_at"]))}: score
<b>{report["score"]}</b> {_badge(report["outcome"])}{
        " (blocked: not published)" if report["blocked"] else ""
    }; fail below {report["thresholds"]["fail_below"]}, warn below
{report["thresholds"]["warn_below"]}.</p>{tables}</body></html>
"""


def _badge(status: str) -> str:
    return (
        f'<span class="badge" style="background:{COLOURS.get(status, "#57606a")}">'
        f"{escape(status)}</span>"
    )


def _table(name: str, rep: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(r['rule_id'])}</td><td>{escape(r['dimension'])}</td>"
        f"<td>{_badge(r['status'])}</td><td>{'' if r['observed'] is None else r['observed']}</td>"
        f"<td>{escape(r['message'])}</td><td>{_samples(r['samples'])}</td></tr>"
        for r in rep["rules"]
    )
    return (
        f"<h2>{escape(name)} {_badge(rep['outcome'])}</h2><p>{rep['rows']:,} rows, score "
        f"<b>{rep['score']}</b>, trend {rep['score_trend']} per run</p>"
        f"{trend_svg(rep['score_history'])}<table><tr><th>rule</th><th>dimension</th>"
        f"<th>status</th><th>observed</th><th>message</th><th>failed rows (sample)</th></tr>"
        f"{rows}</table>"
    )


def _samples(samples: list[dict[str, Any]]) -> str:
    if not samples:
        return ""
    return "<pre>" + escape("\n".join(str(s) for s in samples)) + "</pre>"


def trend_svg(scores: list[float], width: int = 320, height: int = 80) -> str:
    """An inline SVG line of scores (0-100) over runs, oldest left."""
    if not scores:
        return ""
    step = width / max(len(scores) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - s / 100 * height:.1f}" for i, s in enumerate(scores)
    )
    dots = "".join(
        f'<circle cx="{i * step:.1f}" cy="{height - s / 100 * height:.1f}" r="2.5"/>'
        for i, s in enumerate(scores)
    )
    return (
        f'<svg width="{width + 10}" height="{height + 10}" viewBox="-5 -5 {width + 10} '
        f'{height + 10}" role="img" aria-label="score trend">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f8fa"/>'
        f'<polyline fill="none" stroke="#0969da" stroke-width="2" points="{points}"/>'
        f"{dots}</svg>"
    )
