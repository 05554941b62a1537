"""`pipegen graph`: the workflow and the data flow, from the same plan the stack is built from."""

from __future__ import annotations

import re

from helpers import REPO, run_cli
from pipegen_compiler.commands.graph import build_graph
from pipegen_compiler.pipeline import plan_all

SPEC = REPO / "specs" / "flights.yaml"


def test_edges_follow_the_plan():
    plan = plan_all(SPEC, "flights.yaml")["dev"]
    edges = {(a, b) for a, b, _ in build_graph(plan).edges}
    for transform in plan.transforms:
        for name in transform.inputs:
            kind = "src" if name in {s.name for s in plan.sources} else "tf"
            assert (f"{kind}_{name}", f"tf_{transform.name}") in edges
    assert ("job_ingestion", "job_processing") in edges
    assert ("job_processing", "job_quality") in edges
    assert not [n for n in {a for a, _ in edges} | {b for _, b in edges} if "crawler" in n]
    assert ("landing", "job_ingestion") in edges
    assert {b for a, b in edges if b.startswith("q_")} == {f"q_{t}" for t in plan.quality.tables}


def test_mermaid_and_dot_output(capsys):
    code, out, _ = run_cli(["graph", str(SPEC)], capsys)
    assert code == 0 and out.startswith("flowchart LR\n")
    assert '["flights-dev-ingestion"]' in out and "tf_daily_delays" in out
    code, out, _ = run_cli(["graph", str(SPEC), "--format", "dot", "--env", "prod"], capsys)
    assert code == 0 and out.startswith("digraph pipegen {") and out.rstrip().endswith("}")
    assert out.count("{") == out.count("}")
    assert re.search(r'job_quality \[label="flights-prod-quality", shape=box\];', out)
