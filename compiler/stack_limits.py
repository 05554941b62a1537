"""PG505-PG506: what CloudFormation refuses of a whole template, found before any deploy.

A stack holds at most 500 resources, and a template uploaded through S3 (as `deploy` does) is
at most 1 MB. Both grow with the spec's tables and rules, so the finding points at the spec
area that made the resources that did not fit, or the most of them.
"""

from __future__ import annotations

from collections import Counter

from .diagnostics import Diagnostic, Span

MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000
_SPLIT = "split the pipeline into two specs (e.g. by table group), each its own stack"


def resource_count(made: int, at: Span) -> list[Diagnostic]:
    """`made` resources in all; `at` is where the first one that did not fit came from."""
    if made <= MAX_RESOURCES:
        return []
    return [
        Diagnostic(
            at,
            "PG505",
            f"the stack would hold {made} resources; CloudFormation allows {MAX_RESOURCES} "
            f"per stack. Hint: {_SPLIT}",
        )
    ]


def template_size(size: int, spans: dict[str, Span]) -> list[Diagnostic]:
    """`size`: the template's bytes as uploaded."""
    if size <= MAX_TEMPLATE_BYTES:
        return []
    biggest, _ = Counter(spans.values()).most_common(1)[0]
    return [
        Diagnostic(
            biggest,
            "PG506",
            f"the template would be {size:,} bytes; CloudFormation reads at most "
            f"{MAX_TEMPLATE_BYTES:,} from S3. Most of its resources come from here. Hint: {_SPLIT}",
        )
    ]
