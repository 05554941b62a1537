"""Diagnostics: what every compiler stage reports instead of raising.

A diagnostic points at `file:line:col` (1-based), carries a stable code registered in codes.py
(PG1xx load, PG2xx schema, PG3xx references, PG4xx semantics, PG5xx AWS limits, PG6xx cost,
PG7xx policy, PG8xx cfn-lint) and reads as
`<file>:<line>:<col>: error[PG301] <entity>: <what is wrong>. <hint>`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .codes import CODES

Severity = Literal["error", "warning"]

MAX_SHOWN = 50


@dataclass(frozen=True, order=True)
class Span:
    """A position in a spec file; line and col are 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. Ordering (span, code, message) gives the stable sort users see."""

    span: Span
    code: str
    message: str
    severity: Severity = field(default="error", compare=False)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"diagnostic code {self.code} is not registered in codes.py")

    def render(self) -> str:
        return f"{self.span}: {self.severity}[{self.code}] {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class CompileError(Exception):
    """Raised between stages when a stage found errors; carries all of them."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__(f"{len(self.diagnostics)} problem(s)")


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ' Did you mean ...?' suffix, or '' when nothing is close."""
    matches = difflib.get_close_matches(str(word), sorted(set(candidates)), n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def expected_one_of(candidates: Iterable[str]) -> str:
    names = sorted(set(candidates))
    return ", ".join(f"'{n}'" for n in names)


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    """All diagnostics, sorted, capped at MAX_SHOWN with an '... and N more' line."""
    ordered = sorted(set(diagnostics))
    lines = [d.render() for d in ordered[:MAX_SHOWN]]
    if len(ordered) > MAX_SHOWN:
        lines.append(f"... and {len(ordered) - MAX_SHOWN} more")
    errors = sum(1 for d in ordered if d.is_error)
    warnings = len(ordered) - errors
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines) + "\n"


def raise_if_errors(diagnostics: list[Diagnostic]) -> None:
    if any(d.is_error for d in diagnostics):
        raise CompileError(diagnostics)
