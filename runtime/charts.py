"""Line charts as inline SVG for the quality report: a point per run (with its value on
hover), both axes with ticks and labels, and horizontal threshold lines. No scripts."""

from __future__ import annotations

import math
from html import escape

from .rule_units import number

WIDTH, HEIGHT = 420, 200
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 36
MAX_X_LABELS = 5
LINE_COLOURS = {"fail below": "#cf222e", "warn below": "#9a6700"}


def line_chart(
    name: str,
    values: list[float],
    labels: list[str],
    y_range: tuple[float, float] | None,
    lines: dict[str, float],
    title: str,
) -> str:
    """One series over runs, oldest left; `y_range` None fits the axis to the values."""
    low, high = y_range or nice_range(values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(values) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - (v - low) / ((high - low) or 1) * plot_h

    parts = [
        f'<svg class="chart" data-series="{escape(name)}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>",
        _axes(low, high, y, labels, x),
    ]
    for label, level in lines.items():
        if low <= level <= high:
            colour = LINE_COLOURS.get(label, "#57606a")
            parts.append(
                f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" '
                f'y2="{y(level):.1f}" stroke="{colour}" stroke-dasharray="4 3"/>'
                f'<text x="{WIDTH - RIGHT}" y="{y(level) - 3:.1f}" text-anchor="end" '
                f'font-size="10" fill="{colour}">{escape(label)} {number(level)}</text>'
            )
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline fill="none" stroke="#0969da" stroke-width="2" points="{points}"/>')
    parts += [
        f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="#0969da">'
        f"<title>{escape(labels[i])}: {number(v)}</title></circle>"
        for i, v in enumerate(values)
    ]
    parts.append("</svg>")
    return "".join(parts)


def _axes(low, high, y, labels, x) -> str:
    bottom = HEIGHT - BOTTOM
    parts = [
        f'<line class="axis y-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}" '
        'stroke="#57606a"/>',
        f'<line class="axis x-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" '
        f'y2="{bottom}" stroke="#57606a"/>',
    ]
    for tick in ticks(low, high):
        parts.append(
            f'<line x1="{LEFT - 4}" x2="{LEFT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#57606a"/><text class="tick" x="{LEFT - 6}" y="{y(tick) + 3:.1f}" '
            f'text-anchor="end" font-size="10">{number(tick)}</text>'
        )
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    shown = sorted({*range(0, len(labels), every), len(labels) - 1})
    for i in shown:
        anchor = "end" if i == len(labels) - 1 and len(labels) > 1 else "middle"
        parts.append(
            f'<text class="tick" x="{x(i):.1f}" y="{bottom + 14}" text-anchor="{anchor}" '
            f'font-size="10">{escape(labels[i])}</text>'
        )
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 4}" font-size="10" fill="#57606a">run</text>')
    return "".join(parts)


def nice_range(values: list[float]) -> tuple[float, float]:
    """0 to a round number above the largest value (1, 2 or 5 times a power of ten)."""
    top = max([v for v in values if v is not None] or [1.0])
    if top <= 0:
        return 0.0, 1.0
    power = 10 ** math.floor(math.log10(top))
    for factor in (1, 2, 5, 10):
        if factor * power >= top:
            return 0.0, float(factor * power)
    return 0.0, float(10 * power)


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    return [low + (high - low) * i / count for i in range(count + 1)]
