"""The loader: YAML 1.2 scalars, spans, and every hostile-YAML case as a diagnostic."""

from __future__ import annotations

import pytest

from pipegen_compiler.diagnostics import CompileError
from pipegen_compiler.load import MAX_FILE_BYTES, load_bytes, load_file


def _codes(raw: bytes) -> list[str]:
    with pytest.raises(CompileError) as info:
        load_bytes(raw, "x.yaml")
    return [d.code for d in info.value.diagnostics]


def test_yaml_1_1_surprises_stay_strings():
    data = load_bytes(
        b"a: NO\nb: on\nc: 0755\nd: 2013-01-01\ne: true\nf: ~\ng: 1.5\n", "x.yaml"
    ).data
    assert data == {
        "a": "NO",
        "b": "on",
        "c": 755,
        "d": "2013-01-01",
        "e": True,
        "f": None,
        "g": 1.5,
    }


def test_quoted_scalars_are_strings():
    assert load_bytes(b"a: 'true'\nb: \"5\"\n", "x.yaml").data == {"a": "true", "b": "5"}


def test_every_value_and_key_has_a_span():
    loaded = load_bytes(b"top:\n  inner: [1, 2]\n", "x.yaml")
    assert str(loaded.source_map.at(("top", "inner", 1))) == "x.yaml:2:14"
    assert str(loaded.source_map.key_at(("top", "inner"))) == "x.yaml:2:3"


def test_merge_keys_are_supported_and_explicit_keys_win():
    raw = b"base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n"
    assert load_bytes(raw, "x.yaml").data["other"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"a: 1\na: 2\n", "PG109"),
        (b"a: [1\n", "PG103"),
        (b"", "PG105"),
        (b"a: " + b"[" * 1000 + b"]" * 1000, "PG104"),
        (b"a: !!python/name:os.system x\n", "PG106"),
        (b"a: !!binary aGVsbG8=\n", "PG106"),
        (b"a: &a [*a]\n", "PG107"),
        (b"? [complex]\n: key\n", "PG108"),
        (b"a: \xff\n", "PG102"),
        (b"a: b\x00\n", "PG102"),
        (b"a: 1\n---\nb: 2\n", "PG103"),
        (b"a: " + b"x" * (MAX_FILE_BYTES + 1), "PG101"),
    ],
)
def test_hostile_yaml_is_a_diagnostic(raw, code):
    assert _codes(raw) == [code]


def test_alias_bomb_is_bounded():
    raw = b"a: &a [" + b"x," * 9 + b"x]\n"
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        raw += f"{name}: &{name} [".encode() + b",".join([f"*{prev}".encode()] * 10) + b"]\n"
    assert _codes(raw) == ["PG107"]


def test_an_unreadable_spec_is_pg100(tmp_path):
    with pytest.raises(CompileError) as caught:
        load_file(tmp_path, "spec.yaml")
    assert [d.code for d in caught.value.diagnostics] == ["PG100"]
    assert caught.value.diagnostics[0].message.startswith("cannot read file:")
