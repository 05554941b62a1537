"""Stage `validate`: plain data -> `PipelineSpec`, or every schema problem as a diagnostic.

pydantic does the checking; this module translates its errors into diagnostics that point
at the YAML node (through the source map), name the key, list what was expected and suggest
the closest valid key.
"""

from __future__ import annotations

import types
import typing
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import CompileError, Diagnostic, did_you_mean, expected_one_of
from .load import LoadedSpec, SourceMap
from .spec import PipelineSpec

Loc = tuple[str | int, ...]

_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "none_required": "nothing (null)",
}

_PATTERN_HINTS = {
    "^[a-z](?:-?[a-z0-9])*$": "lower-kebab-case (a-z, 0-9, single '-', starting with a letter)",
    "^[a-z_][a-z0-9_]*$": "lower_snake_case (a-z, 0-9, '_', not starting with a digit)",
    "^(?:[A-Za-z0-9_=-]+/){1,8}$": "a key prefix like 'incoming/orders/' (segments of "
    "A-Z a-z 0-9 _ = -, each ending in '/')",
}


def validate(loaded: LoadedSpec) -> PipelineSpec:
    """Validate loaded data against the spec model; raises CompileError with all problems."""
    if not isinstance(loaded.data, dict):
        span = loaded.source_map.at(())
        raise CompileError(
            [
                Diagnostic(
                    span,
                    "PG201",
                    "a spec must be a mapping of keys such "
                    "as 'apiVersion', 'pipeline' and 'sources'",
                )
            ]
        )
    try:
        return PipelineSpec.model_validate(loaded.data)
    except ValidationError as exc:
        raise CompileError(to_diagnostics(exc, loaded.data, loaded.source_map)) from None


def to_diagnostics(exc: ValidationError, data: Any, source_map: SourceMap) -> list[Diagnostic]:
    """One diagnostic per problem; the per-member errors of a union are merged into one."""
    grouped: dict[tuple[Loc, str], list[dict[str, Any]]] = defaultdict(list)
    for error in exc.errors(include_url=False):
        path, rest = data_path(data, error["loc"])
        family = "type" if error["type"] in _TYPE_NAMES else error["type"] + repr(rest)
        grouped[(path, family)].append(error)
    return [_diagnose(path, errors, data, source_map) for (path, _), errors in grouped.items()]


def data_path(data: Any, loc: Loc) -> tuple[Loc, Loc]:
    """Split a pydantic loc into the path that exists in the data and what remains.

    Entries that are not keys of the data (union tags, member type names) are dropped.
    """
    path: list[str | int] = []
    node = data
    remaining = list(loc)
    while remaining:
        part = remaining.pop(0)
        if (isinstance(node, dict) and isinstance(part, str) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif _is_tag(part):
            continue
        else:
            return tuple(path), (part, *remaining)
    return tuple(path), ()


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        part.startswith(("step:", "rule:"))
        or "[" in part
        or part.startswith(("constrained-", "function-"))
    )


def _diagnose(path: Loc, errors: list[dict[str, Any]], data: Any, smap: SourceMap) -> Diagnostic:
    error = errors[0]
    kind = error["type"]
    _, rest = data_path(data, error["loc"])
    where = dotted(path)
    value = _value_at(data, path)
    if kind == "extra_forbidden":
        key = path[-1]
        allowed = allowed_keys(path[:-1])
        hint = did_you_mean(str(key), allowed)
        return Diagnostic(
            smap.key_at(path),
            "PG201",
            f"{dotted(path[:-1])}: unknown key "
            f"'{key}'. Expected one of: {expected_one_of(allowed)}.{hint}",
        )
    if kind == "missing":
        missing = next((p for p in rest if isinstance(p, str) and not _is_tag(p)), "?")
        return Diagnostic(smap.at(path), "PG202", f"{where}: missing required key '{missing}'")
    if kind in ("unknown_step", "unknown_rule"):
        return _unknown_member(path, value, error, smap)
    if kind in _TYPE_NAMES:
        wanted = sorted({_TYPE_NAMES[e["type"]] for e in errors if e["type"] in _TYPE_NAMES})
        return Diagnostic(
            smap.at(path),
            "PG204",
            f"{where}: expected {' or '.join(wanted)}, got {describe(value)}",
        )
    if kind in ("literal_error", "enum") and "[key]" in error["loc"]:
        allowed = _literal_choices(error)
        key = str(path[-1])
        return Diagnostic(
            smap.key_at(path),
            "PG201",
            f"{dotted(path[:-1])}: unknown key '{key}'. "
            f"Expected one of: {expected_one_of(allowed)}.{did_you_mean(key, allowed)}",
        )
    if kind in ("literal_error", "enum"):
        allowed = _literal_choices(error)
        hint = did_you_mean(str(value), allowed)
        return Diagnostic(
            smap.at(path),
            "PG203",
            f"{where}: {describe(value)} is not allowed. "
            f"Expected one of: {expected_one_of(allowed)}.{hint}",
        )
    if kind == "string_pattern_mismatch" and "[key]" in error["loc"]:
        pattern = error.get("ctx", {}).get("pattern", "")
        hint = _PATTERN_HINTS.get(pattern, f"a value matching {pattern}")
        return Diagnostic(
            smap.key_at(path),
            "PG205",
            f"{dotted(path[:-1])}: name {describe(path[-1])} is not valid. Expected {hint}",
        )
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        hint = _PATTERN_HINTS.get(pattern, f"a value matching {pattern}")
        return Diagnostic(
            smap.at(path), "PG205", f"{where}: {describe(value)} is not valid. Expected {hint}"
        )
    return Diagnostic(smap.at(path), "PG206", f"{where}: {_plain(error['msg'])}")


def _unknown_member(path: Loc, value: Any, error: dict[str, Any], smap: SourceMap) -> Diagnostic:
    noun = error["type"].removeprefix("unknown_")
    expected = error.get("ctx", {}).get("expected", "")
    choices = [c.strip() for c in expected.split(",")]
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return Diagnostic(
            smap.key_at((*path, key)),
            "PG207",
            f"{dotted(path)}: unknown {noun} "
            f"'{key}'. Expected one of: {expected_one_of(choices)}."
            f"{did_you_mean(key, choices)}",
        )
    return Diagnostic(
        smap.at(path),
        "PG207",
        f"{dotted(path)}: a {noun} is a mapping with "
        f"exactly one key, such as '{choices[0]}: ...'; got {describe(value)}",
    )


def _literal_choices(error: dict[str, Any]) -> list[str]:
    expected = error.get("ctx", {}).get("expected", "")
    parts = expected.replace(" or ", ", ").split(", ")
    return [p.strip().strip("'") for p in parts if p.strip()]


def _plain(message: str) -> str:
    # Pydantic counts what it validated; the user wrote items.
    message = message.replace(" items after validation, not ", " items, not ")
    return message[0].lower() + message[1:] if message else message


def _value_at(data: Any, path: Loc) -> Any:
    for part in path:
        data = data[part]
    return data


def dotted(path: Loc) -> str:
    """`sources.flights.steps[2]` style, or `spec` for the root."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "spec"


def describe(value: Any) -> str:
    """A short, safe rendering of a user value for a message."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def allowed_keys(path: Loc) -> list[str]:
    """The keys the model accepts at a data path (for 'did you mean' on unknown keys)."""
    annotation: Any = PipelineSpec
    for part in path:
        annotation = _descend(annotation, part)
        if annotation is None:
            return []
    return _keys_of(annotation)


def _members(annotation: Any) -> list[Any]:
    """Unwrap Annotated / Optional / Union into the concrete member types."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _descend(annotation: Any, part: str | int) -> Any:
    for member in _members(annotation):
        origin = typing.get_origin(member)
        if isinstance(part, int) and origin is list:
            return typing.get_args(member)[0]
        if isinstance(part, str) and origin is dict:
            return typing.get_args(member)[1]
        if isinstance(part, str) and _is_model(member):
            for name, field in member.model_fields.items():
                if (field.alias or name) == part:
                    return field.annotation
    return None


def _keys_of(annotation: Any) -> list[str]:
    keys: list[str] = []
    for member in _members(annotation):
        if _is_model(member):
            keys += [field.alias or name for name, field in member.model_fields.items()]
    return keys


def _is_model(member: Any) -> bool:
    return isinstance(member, type) and issubclass(member, BaseModel)
