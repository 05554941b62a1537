"""A failed job's cause in one line, before any stack trace.

Spark wraps the cause: a Java exception arrives as a Py4JJavaError whose text is 15 Java frames
with the root cause ("Connection refused") at the bottom, and an analysis error carries the
query plan after its message. The user reads the root cause's first line, and, when a transform
step failed, which step (the local runner turns that into the spec's line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_CAUSE = 500


@dataclass(frozen=True)
class StepFailed(Exception):
    """A transform step could not be applied (most often a SQL analysis error in the spec)."""

    transform: str
    step: int  # the step's index in the spec's list
    kind: str
    cause: str

    def __str__(self) -> str:
        return f"transform '{self.transform}', step {self.step + 1} ({self.kind}): {self.cause}"

    @property
    def where(self) -> dict[str, Any]:
        return {"transform": self.transform, "step": self.step}


def cause_of(exc: BaseException) -> str:
    """The first line of the innermost cause: Java's root cause for a Py4J error, the message
    without the plan for an analysis error, else the exception's own first line."""
    if isinstance(exc, StepFailed):
        return str(exc)
    java = getattr(exc, "java_exception", None)
    if java is not None:
        return _java_root(java)
    return _first_line(f"{type(exc).__name__}: {exc}")


def _java_root(java: Any) -> str:
    try:
        seen = 0
        while java.getCause() is not None and seen < 50:  # a cycle of causes is possible
            java, seen = java.getCause(), seen + 1
        return _first_line(str(java.toString()))
    except Exception:  # the JVM may be gone already: the exception's own text then
        return _first_line(str(java))


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else "(no message)"
    # Spark ends an analysis message with "; line 1 pos 0;" and then the plan.
    return first.removesuffix(";")[:MAX_CAUSE]
