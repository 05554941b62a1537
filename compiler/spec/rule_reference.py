"""docs/RULES.md, generated: every quality rule with its dimension, meaning, parameters (from the
models: type, default, description) and an example from the reference spec, which uses every
rule. `python -m pipegen_compiler.spec.rule_reference docs/RULES.md specs/flights.yaml` rewrites
it; tests/test_json_schema.py fails when it is stale.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from pipegen_runtime import rules

from .descriptions import describe
from .quality import RULE_TYPES

HEADER = """# Quality rules

Generated from the spec models (`python -m pipegen_compiler.spec.rule_reference docs/RULES.md
specs/flights.yaml`); the examples are the reference spec's own lines.

Rules are listed per curated table under `quality.tables`, each a one-key mapping:
`- not_null: [carrier, flight]` or `- range: {column: distance, min: 1, max: 5000}`.

**What every rule shares.** `where` (a Spark SQL condition: the rule looks only at those rows),
`severity` (`error` counts against the score; `warn` only reports), `weight` (its share of the
score), `name` (in reports). Row rules also take `min_pct` (the share of rows that must pass,
default 100), `warn_pct` (a separate, higher warning line) and `max_failures` (a count instead).

**Semantics.**
- Null values pass validity rules (in_set, regex, range, ...); completeness is not_null's job.
- On an empty table, or when `where` selects no rows, row rules pass with 100% (nothing
  violates them); use `row_count` to require rows.
- A rule that cannot be evaluated (a missing column, a bad expression) has status `error`: it
  counts as failed and fails the job. It is never skipped.
- Status: `pass`; `warn` (below `warn_pct`, or a failed rule whose severity is warn); `fail`.
- The score is the weighted share of passed rules, 0-100; `quality.score.fail_below` fails the
  run and `warn_below` warns; `quality.on_failure: block` keeps a failing batch unpublished.
- Row rules and table aggregates of one table are evaluated in one pass over the table; unique,
  primary_key, duplicate_pct, references, row_count_match and sql_metric add one pass each.

"""
_SCALARS = {str: "text", int: "integer", float: "number", bool: "true or false"}
_SHARED = {"where", "severity", "weight", "name", "min_pct", "warn_pct", "max_failures"}


def reference(spec_text: str) -> str:
    examples = _examples(spec_text)
    parts = [HEADER]
    for dimension in dict.fromkeys(rules.DIMENSIONS.values()):
        parts.append(f"## {dimension.capitalize()}\n\n")
        for kind, of in rules.DIMENSIONS.items():
            if of == dimension:
                parts.append(_rule_section(kind, examples.get(kind)))
    return "".join(parts).rstrip("\n") + "\n"


def _rule_section(kind: str, example: str | None) -> str:
    args = _arguments_model(kind)
    meaning = (describe(RULE_TYPES[kind].__name__, kind) or "").removeprefix("Quality rule: ")
    lines = [f"### `{kind}`", "", meaning[:1].upper() + meaning[1:], ""]
    lines += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
    for name, info in args.model_fields.items():
        if name in _SHARED:
            continue
        key = info.alias or name
        default = "required" if info.is_required() else f"`{info.default}`"
        meaning = describe(args.__name__, key) or ""
        lines.append(f"| `{key}` | {_type_name(info.annotation)} | {default} | {meaning} |")
    if "min_pct" in args.model_fields:
        lines.append("| `min_pct`, `warn_pct`, `max_failures` | | | row thresholds (above) |")
    if example:
        lines += ["", "```yaml", example, "```"]
    return "\n".join(lines) + "\n\n"


def _arguments_model(kind: str) -> type[BaseModel]:
    annotation = RULE_TYPES[kind].model_fields[kind].annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    raise TypeError(kind)


def _type_name(annotation) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {_type_name(args[0])}"
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _examples(spec_text: str) -> dict[str, str]:
    """The first line of the reference spec that uses each rule, as written."""
    found: dict[str, str] = {}
    for line in spec_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("- ") and ":" in stripped:
            kind = stripped[2:].split(":", 1)[0]
            if kind in rules.DIMENSIONS and kind not in found:
                found[kind] = stripped.split("  #", 1)[0].rstrip()
    return found


if __name__ == "__main__":
    target, spec = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_text(reference(spec.read_text()), encoding="utf-8")
