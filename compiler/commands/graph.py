"""`pipegen graph`: the workflow (what starts what) and the data flow (what reads what), as
Mermaid or Graphviz dot. Node names are the physical names the stack uses."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from ..builders.glue import NEXT
from ..naming import JOBS
from ..plan import PipelinePlan
from .common import EXIT_OK, plan_for_env, spec_options


@dataclass(frozen=True)
class Graph:
    # (id, label, shape) per cluster, and (from, to, label) edges.
    clusters: dict[str, list[tuple[str, str, str]]]
    edges: list[tuple[str, str, str]]


def build_graph(plan: PipelinePlan) -> Graph:
    naming = plan.naming
    workflow = [
        ("start", _start_label(plan), "event"),
        ("landing", naming.landing_function, "function"),
    ]
    workflow += [(f"job_{k}", naming.job(k), "job") for k in JOBS]
    edges = [
        ("landing", "job_ingestion", "file accepted: StartWorkflowRun"),
        ("start", "job_ingestion", ""),
    ]
    for done, following in NEXT.items():
        edges.append((f"job_{done}", f"job_{following}", "SUCCEEDED"))
    data = [
        (f"src_{s.name}", f"{s.name} ({s.config.format}, {s.config.landing})", "source")
        for s in plan.sources
    ]
    data += [(f"tf_{t.name}", t.name, "table") for t in plan.transforms]
    checked = sorted(plan.quality.tables)
    data += [(f"q_{t}", f"quality: {t}", "check") for t in checked]
    known = {s.name: f"src_{s.name}" for s in plan.sources} | {
        t.name: f"tf_{t.name}" for t in plan.transforms
    }
    for t in plan.transforms:
        for index, name in enumerate(t.inputs):
            edges.append((known[name], f"tf_{t.name}", "from" if index == 0 else "reads"))
    edges += [(known[t], f"q_{t}", "") for t in checked if t in known]
    return Graph({"workflow": workflow, "data flow": data}, edges)


def _start_label(plan: PipelinePlan) -> str:
    return f"schedule {plan.schedule}" if plan.schedule else "on demand"


SHAPES_MERMAID = {
    "event": ("([", "])"),
    "function": ("[[", "]]"),
    "job": ("[", "]"),
    "source": ("[(", ")]"),
    "table": ("[(", ")]"),
    "check": ("{{", "}}"),
}
SHAPES_DOT = {
    "event": "oval",
    "function": "component",
    "job": "box",
    "source": "cylinder",
    "table": "cylinder",
    "check": "hexagon",
}


def mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]
    for index, (title, nodes) in enumerate(graph.clusters.items()):
        lines.append(f'  subgraph c{index}["{title}"]')
        for ident, label, shape in nodes:
            left, right = SHAPES_MERMAID[shape]
            lines.append(f'    {ident}{left}"{_quote(label)}"{right}')
        lines.append("  end")
    for start, end, label in graph.edges:
        arrow = f' -->|"{_quote(label)}"| ' if label else " --> "
        lines.append(f"  {start}{arrow}{end}")
    return "\n".join(lines) + "\n"


def dot(graph: Graph) -> str:
    lines = ["digraph pipegen {", "  rankdir=LR;"]
    for index, (title, nodes) in enumerate(graph.clusters.items()):
        lines.append(f'  subgraph cluster_{index} {{ label="{_quote(title)}";')
        for ident, label, shape in nodes:
            lines.append(f'    {ident} [label="{_quote(label)}", shape={SHAPES_DOT[shape]}];')
        lines.append("  }")
    for start, end, label in graph.edges:
        attributes = ' [label="' + _quote(label) + '"]' if label else ""
        lines.append(f"  {start} -> {end}{attributes};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """Labels hold names the spec language keeps plain; quotes are escaped all the same."""
    return text.replace("\\", "\\\\").replace('"', "'")


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("graph", help="the workflow and the data flow of a spec")
    spec_options(command, ("mermaid", "dot"))
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    graph = build_graph(plan_for_env(args))
    sys.stdout.write(mermaid(graph) if args.format == "mermaid" else dot(graph))
    return EXIT_OK
