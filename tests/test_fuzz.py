"""Fuzzing the loader and validator on raw text: any exception other than the project's own
diagnostics (CompileError) is a crash, and there must be none."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import REPO, examples
from pipegen_compiler.diagnostics import CompileError
from pipegen_compiler.load import load_bytes
from pipegen_compiler.validate import validate

REFERENCE = (REPO / "specs" / "flights.yaml").read_bytes()
YAML_BITS = [
    b":",
    b"- ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"&a ",
    b"*a",
    b"!!",
    b"!x ",
    b"? ",
    b"|",
    b">",
    b"'",
    b'"',
    b"\n",
    b"  ",
    b"\t",
    b"#",
    b"<<: ",
    b"---\n",
    b"...\n",
    b"\x00",
    b"\xff",
    b"\xe2\x80\xa8",
    b"%YAML 1.1\n",
    b"~",
    b"0o17",
    b".inf",
]
FUZZ = settings(
    max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _run(raw: bytes) -> None:
    try:
        validate(load_bytes(raw, "fuzz.yaml"))
    except CompileError as exc:
        assert exc.diagnostics, "a CompileError always carries its diagnostics"
        for diagnostic in exc.diagnostics:
            assert diagnostic.span.line >= 1 and diagnostic.span.col >= 1


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(raw):
    _run(raw)


@FUZZ
@given(st.lists(st.sampled_from(YAML_BITS) | st.binary(max_size=8), max_size=60))
def test_yaml_shaped_noise_never_crashes(parts):
    _run(b"".join(parts))


@FUZZ
@given(st.data())
def test_mutated_reference_spec_never_crashes(data):
    raw = bytearray(REFERENCE)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        bit = data.draw(st.sampled_from(YAML_BITS))
        if action == "delete":
            del raw[at : at + data.draw(st.integers(1, 40))]
        elif action == "insert":
            raw[at:at] = bit
        else:
            raw[at : at + len(bit)] = bit
    _run(bytes(raw))


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_reference_spec_never_crashes_any_later_stage(data):
    """Past the validator: references, semantics, limits, the build and the policy checks."""
    import tempfile
    from pathlib import Path

    from pipegen_compiler.pipeline import compile_plan, plan_all

    raw = bytearray(REFERENCE)
    lines = raw.split(b"\n")
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(lines) - 1))
        if data.draw(st.booleans()):
            del lines[at]
        else:
            lines.insert(at, lines[data.draw(st.integers(0, len(lines) - 1))])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spec.yaml"
        path.write_bytes(b"\n".join(lines))
        try:
            for plan in plan_all(path, "spec.yaml").values():
                compile_plan(plan)
        except CompileError as exc:
            assert exc.diagnostics
