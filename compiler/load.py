"""Stage `load`: YAML text -> plain data plus a source map (file:line:col for every node).

PyYAML's `safe_load` is not safe enough for a code generator's input: it keeps the last of two
duplicate keys, reads `NO` as False and `0755` as 493, expands alias bombs without limit and
raises `RecursionError` past ~1000 levels. So this module composes the node graph with PyYAML
and builds the data itself: YAML 1.2 core-schema scalars, duplicate keys as errors naming both
lines, a whitelist of tags, and bounded depth, size and alias expansion. Every problem becomes a
diagnostic; nothing here raises anything but `CompileError`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import CompileError, Diagnostic, Span

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_EXPLICIT_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


class _CoreLoader(yaml.SafeLoader):
    """Composes nodes only; every plain scalar stays a string until we resolve it (YAML 1.2)."""

    yaml_implicit_resolvers = {"<": [(_MERGE, re.compile(r"^(?:<<)$"))]}


# libyaml composes a 1 MiB spec in about a second where the pure-Python parser takes ten; the
# Python one stays for text that fails, so syntax errors read the same wherever libyaml is.
_FastLoader: type = (
    type(
        "_FastLoader",
        (yaml.CSafeLoader,),
        {"yaml_implicit_resolvers": _CoreLoader.yaml_implicit_resolvers},
    )
    if getattr(yaml, "__with_libyaml__", False)
    else _CoreLoader
)


@dataclass(frozen=True)
class SourceMap:
    """Where each value (and each mapping key) of the loaded document was written."""

    file: str
    values: dict[Path_, Span]
    keys: dict[Path_, Span]

    def at(self, path: Path_) -> Span:
        """The span of the deepest existing node on `path` (the document start if none)."""
        for end in range(len(path), -1, -1):
            span = self.values.get(tuple(path[:end]))
            if span is not None:
                return span
        return Span(self.file, 1, 1)

    def key_at(self, path: Path_) -> Span:
        """The span of the mapping key that introduces `path`, else of its value."""
        return self.keys.get(tuple(path)) or self.at(path)


@dataclass(frozen=True)
class LoadedSpec:
    data: Any
    source_map: SourceMap


def load_file(path: Path, display_name: str) -> LoadedSpec:
    """Read and load one spec file; `display_name` is what diagnostics print."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CompileError(
            [_diag(display_name, 1, 1, "PG100", f"cannot read file: {exc.strerror}")]
        ) from None
    return load_bytes(raw, display_name)


def load_bytes(raw: bytes, file: str) -> LoadedSpec:
    """Load spec text; raises CompileError with every load problem found."""
    if len(raw) > MAX_FILE_BYTES:
        raise CompileError(
            [
                _diag(
                    file,
                    1,
                    1,
                    "PG101",
                    f"file is {len(raw)} bytes; a spec may "
                    f"be at most {MAX_FILE_BYTES} bytes (1 MiB)",
                )
            ]
        )
    text = _decode(raw, file)
    _check_depth(text, file)
    root = _compose(text, file)
    builder = _Builder(file)
    data = builder.build(root, (), 0)
    if builder.diagnostics:
        raise CompileError(builder.diagnostics)
    return LoadedSpec(data, SourceMap(file, builder.values, builder.keys))


def _diag(file: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(Span(file, line, col), code, message)


def _mark_span(file: str, mark: Any) -> Span:
    return Span(file, mark.line + 1, mark.column + 1) if mark is not None else Span(file, 1, 1)


def _decode(raw: bytes, file: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise CompileError([_diag(file, line, col, "PG102", "file is not valid UTF-8")]) from None
    return text.removeprefix("\ufeff")


def _check_depth(text: str, file: str) -> None:
    """Reject deep nesting from the token stream, which PyYAML scans without recursion."""
    depth = 0
    opening = (
        yaml.BlockMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
    )
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    try:
        tokens = list(yaml.scan(text, Loader=_FastLoader))
    except yaml.YAMLError:
        tokens = yaml.scan(text, Loader=_CoreLoader)  # raises the error as the pure parser words it
    try:
        for token in tokens:
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_DEPTH:
                    span = _mark_span(file, token.start_mark)
                    raise CompileError(
                        [Diagnostic(span, "PG104", f"nesting is deeper than {MAX_DEPTH} levels")]
                    )
            elif isinstance(token, closing):
                depth -= 1
    except yaml.YAMLError as exc:
        raise CompileError([_syntax_diagnostic(exc, file, text)]) from None


def _compose(text: str, file: str) -> yaml.Node:
    try:
        try:
            root = yaml.compose(text, Loader=_FastLoader)
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=_CoreLoader)
    except yaml.YAMLError as exc:
        raise CompileError([_syntax_diagnostic(exc, file, text)]) from None
    except RecursionError:
        raise CompileError([_diag(file, 1, 1, "PG104", "nesting is too deep")]) from None
    if root is None:
        raise CompileError(
            [
                _diag(
                    file,
                    1,
                    1,
                    "PG105",
                    "file is empty; a spec starts with 'apiVersion: pipegen/v1'",
                )
            ]
        )
    return root


def _syntax_diagnostic(exc: yaml.YAMLError, file: str, text: str = "") -> Diagnostic:
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        span = Span(file, before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return Diagnostic(span, "PG102", f"character U+{code:04X} is not allowed in YAML")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    text = f"{context}: {problem}" if context else problem
    return Diagnostic(_mark_span(file, mark), "PG103", f"YAML syntax error: {text}")


def resolve_plain_scalar(value: str) -> Any:
    """YAML 1.2 core schema: only true/false are booleans, so `NO` and `on` stay strings."""
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _OCT.match(value):
        return int(value[2:], 8)
    if _HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return -math.inf if value.startswith("-") else math.inf
    if _NAN.match(value):
        return math.nan
    return value


class _Builder:
    """Turns the composed node graph into plain data, recording spans and problems."""

    def __init__(self, file: str):
        self.file = file
        self.values: dict[Path_, Span] = {}
        self.keys: dict[Path_, Span] = {}
        self.diagnostics: list[Diagnostic] = []
        self.nodes_built = 0
        self.active: set[int] = set()

    def span(self, node: yaml.Node) -> Span:
        return _mark_span(self.file, node.start_mark)

    def error(self, node: yaml.Node, code: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.span(node), code, message))

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.nodes_built += 1
        if self.nodes_built > MAX_NODES:
            if self.nodes_built == MAX_NODES + 1:
                self.error(
                    node,
                    "PG107",
                    f"the document expands to more than {MAX_NODES} nodes "
                    "(an alias bomb?); use fewer aliases",
                )
            return None
        if depth > MAX_DEPTH:
            self.error(node, "PG104", f"nesting is deeper than {MAX_DEPTH} levels")
            return None
        if id(node) in self.active:
            self.error(node, "PG107", "an alias refers to a node that contains it (a cycle)")
            return None
        self.values.setdefault(path, self.span(node))
        self.active.add(id(node))
        try:
            return self._dispatch(node, path, depth)
        finally:
            self.active.discard(id(node))

    def _dispatch(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                return self.bad_tag(node)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if node.tag != _MAP:
            return self.bad_tag(node)
        return self.mapping(node, path, depth)

    def bad_tag(self, node: yaml.Node) -> None:
        self.error(
            node,
            "PG106",
            f"tag '{node.tag}' is not allowed in a spec; only plain YAML "
            "scalars, lists and mappings are",
        )
        return None

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _MERGE:
            self.error(node, "PG106", "'<<' merge key is only allowed as a mapping key")
            return None
        if node.tag not in _EXPLICIT_SCALAR_TAGS:
            return self.bad_tag(node)
        if node.tag == _STR:
            return node.value if node.style else resolve_plain_scalar(node.value)
        return self.explicit_scalar(node)

    def explicit_scalar(self, node: yaml.ScalarNode) -> Any:
        value = resolve_plain_scalar(node.value)
        wanted = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}
        kind = node.tag.rsplit(":", 1)[1]
        if isinstance(value, wanted[kind]) and not (kind == "int" and isinstance(value, bool)):
            return float(value) if kind == "float" else value
        self.error(node, "PG106", f"'{node.value}' is not a valid !!{kind}")
        return None

    def mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.update(self.merge_source(value_node, path, depth))
                continue
            key = self.key(key_node)
            if key is None:
                continue
            if key in first_seen:
                first = first_seen[key].start_mark.line + 1
                self.error(
                    key_node,
                    "PG109",
                    f"duplicate key '{key}' (first defined at line "
                    f"{first}); a key may appear once per mapping",
                )
                continue
            first_seen[key] = key_node
            self.keys[(*path, key)] = self.span(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return {**{k: v for k, v in merged.items() if k not in result}, **result}

    def key(self, node: yaml.Node) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in (_STR,):
            self.error(node, "PG108", "mapping keys must be plain strings")
            return None
        return node.value

    def merge_source(self, node: yaml.Node, path: Path_, depth: int) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            value = self.build(source, path, depth + 1)
            if not isinstance(value, dict):
                self.error(source, "PG106", "'<<' merges only mappings")
                continue
            merged.update(value)
        return merged
