"""What CloudFormation refuses of a whole stack is found by `validate`, at a spec position."""

from __future__ import annotations

from helpers import REPO, compile_all, run_cli, template_of
from pipegen_compiler.diagnostics import Span
from pipegen_compiler.render import canonical_json
from pipegen_compiler.stack_limits import MAX_TEMPLATE_BYTES, template_size

SPEC = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
description: {description}
sources:
  orders: {{format: csv, landing: incoming/orders/, schema: {{id: int}}}}
"""


def test_a_template_over_1_mb_is_a_finding_at_the_area_that_made_most_of_it():
    here, there = Span("spec.yaml", 20, 3), Span("spec.yaml", 4, 1)
    big = {f"Alarm{i}": {"Type": "AWS::CloudWatch::Alarm", "x": "a" * 4000} for i in range(260)}
    spans = {**{name: here for name in big}, "Other": there}
    (finding,) = template_size(len(canonical_json({"Resources": big})), spans)
    assert (finding.code, finding.span) == ("PG506", here)
    assert f"{MAX_TEMPLATE_BYTES:,}" in finding.message and "split" in finding.message
    assert template_size(len(canonical_json({"Resources": {"One": big["Alarm0"]}})), spans) == []


def test_the_description_is_cut_by_bytes_at_a_character_boundary(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(description="é" * 1000), encoding="utf-8")
    description = template_of(compile_all(spec)["dev"])["Description"]
    assert len(description.encode()) <= 1024 < len(description.encode()) + 2
    assert description.endswith("é")


def test_a_file_name_is_made_a_valid_tag_value(tmp_path):
    spec = tmp_path / "orders (copy).yaml"
    spec.write_text(SPEC.format(description="x"))
    template = template_of(compile_all(spec, spec.name)["dev"])
    tags = template["Resources"]["RawBucket"]["Properties"]["Tags"]
    assert {"Key": "pipegen:spec", "Value": "orders _copy_.yaml"} in tags


def test_validate_builds_the_stack_and_reads_folders(tmp_path, capsys):
    good = tmp_path / "specs" / "good.yaml"
    good.parent.mkdir()
    good.write_text(SPEC.format(description="x"))
    hostile = REPO / "tests/hostile"
    for name in ("over_500_resources", "names_differ_by_underscore"):
        (good.parent / f"{name}.yaml").write_bytes((hostile / f"{name}.yaml").read_bytes())
    code, out, err = run_cli(["validate", str(good.parent)], capsys)
    assert code == 1
    assert out.endswith("good.yaml: ok (dev)\n")
    assert "error[PG505] the stack would hold 556 resources" in err
    assert "error[PG305]" in err, "one spec's errors do not hide another's"


def test_two_resources_with_one_logical_id_are_a_finding_not_a_crash(tmp_path):
    """The safety net behind PG305: the builder refuses the second resource."""
    from troposphere.sns import Topic

    from pipegen_compiler.builders.common import Stack
    from pipegen_compiler.pipeline import plan_all

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(description="x"))
    stack = Stack(plan_all(spec, "spec.yaml")["dev"])
    stack.add(Topic("Same"))
    stack.add(Topic("Same"))
    assert [(p.code, p.message) for p in stack.problems] == [
        ("PG503", "two resources share the logical ID 'Same'")
    ]
