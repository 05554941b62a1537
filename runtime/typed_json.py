"""Strict JSON <-> frozen dataclasses: the shape of every config the compiler writes and a job
or the landing function reads.

Every field of a class is a required key and no other key is allowed, so a config and the code
that reads it either agree or the reader fails at start-up naming the key: never halfway
through a run with a KeyError, never with a silent default. The one exception: a field whose
default is None may be absent (it means "not set"), so that a size-limited config (the landing
function's environment) can leave out its nulls. Standard library only (the landing
function carries this module inline).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Literal, Union

JSON_NAME = "json"  # field metadata: the key's name in JSON when it is no Python name ("from")


class ShapeError(ValueError):
    """A config does not have the shape its class declares; the message names the key."""


def key_of(field: dataclasses.Field) -> str:
    return field.metadata.get(JSON_NAME, field.name)


def decode(cls: type, value: Any, where: str = "config") -> Any:
    """An instance of the dataclass `cls` from parsed JSON, or a ShapeError."""
    if not isinstance(value, dict):
        raise ShapeError(f"{where}: expected an object, got {_kind(value)}")
    fields = dataclasses.fields(cls)
    unknown = sorted(set(value) - {key_of(f) for f in fields})
    if unknown:
        raise ShapeError(f"{where}: unknown key '{unknown[0]}'")
    hints = _type_hints(cls)
    values = {}
    for field in fields:
        key = key_of(field)
        if key not in value:
            if field.default is None:
                continue
            raise ShapeError(f"{where}: '{key}' is missing")
        values[field.name] = _decode_value(hints[field.name], value[key], f"{where}.{key}")
    return cls(**values)


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    # Resolving a class's string annotations is slow; a config decodes the same classes often.
    return typing.get_type_hints(cls)


def _decode_value(hint: Any, value: Any, where: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]  # only `X | None` is used
        return _decode_value(inner, value, where)
    if origin is tuple:
        _expect(isinstance(value, list), where, "a list", value)
        return tuple(_decode_value(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        _expect(isinstance(value, dict), where, "an object", value)
        return {k: _decode_value(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if origin is Literal:
        _expect(value in args, where, f"one of {', '.join(map(str, args))}", value)
        return value
    if dataclasses.is_dataclass(hint):
        return decode(hint, value, where)
    return _decode_scalar(hint, value, where)


def _decode_scalar(hint: Any, value: Any, where: str) -> Any:
    if hint is Any:
        return value
    if hint is float:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        _expect(number, where, "a number", value)
        return float(value)
    exact = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    _expect(exact, where, hint.__name__, value)
    return value


def _expect(ok: bool, where: str, wanted: str, value: Any) -> None:
    if not ok:
        raise ShapeError(f"{where}: expected {wanted}, got {_kind(value)}")


def _kind(value: Any) -> str:
    return "null" if value is None else repr(value)[:40]


def encode(value: Any, drop_none: bool = False) -> Any:
    """JSON data from a dataclass instance (fields in declaration order); with `drop_none`,
    fields that may be absent are left out when they are None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            key_of(f): encode(getattr(value, f.name), drop_none)
            for f in dataclasses.fields(value)
            if not (drop_none and f.default is None and getattr(value, f.name) is None)
        }
    if isinstance(value, tuple | list):
        return [encode(v, drop_none) for v in value]
    if isinstance(value, dict):
        return {k: encode(v, drop_none) for k, v in value.items()}
    return value
