"""Dependency order and cycle detection, including chains deeper than Python's recursion limit."""

from __future__ import annotations

from pipegen_compiler.resolve import find_cycle, topological_order


def test_order_puts_inputs_first_and_breaks_ties_by_name():
    edges = {"daily": ["enriched"], "enriched": [], "ranking": ["daily"], "audit": []}
    assert topological_order(edges) == ["audit", "enriched", "daily", "ranking"]


def test_cycle_is_reported_as_a_path():
    assert find_cycle({"a": ["c"], "b": ["a"], "c": ["b"]}) == ["a", "c", "b", "a"]
    assert find_cycle({"a": ["a"]}) == ["a", "a"]
    assert find_cycle({"a": ["b"], "b": []}) is None


def test_very_long_chains_do_not_overflow_the_stack():
    n = 20_000
    chain = {f"t{i}": [f"t{i + 1}"] for i in range(n)} | {f"t{n}": []}
    assert find_cycle(chain) is None
    assert topological_order(chain)[0] == f"t{n}"
    chain[f"t{n}"] = ["t0"]
    cycle = find_cycle(chain)
    assert cycle[0] == cycle[-1] and len(cycle) == n + 2


def test_a_csv_source_that_says_nothing_of_a_header_has_one(tmp_path):
    """The jobs read `header` from their config and assume nothing: a null once reached Spark
    as header="none" and failed the first file of every such source."""
    from helpers import stage_configs

    spec = tmp_path / "orders.yaml"
    spec.write_text(
        "apiVersion: pipegen/v1\npipeline: orders\nowner: a@example.com\nsources:\n"
        "  orders: {format: csv, landing: in/orders/}\n"
        "  events: {format: auto, landing: in/events/}\n"
        "  clicks: {format: jsonl, landing: in/clicks/}\n"
        "  plain: {format: csv, landing: in/plain/, read: {header: false}}\n"
    )
    sources = stage_configs(spec)["ingestion"]["sources"]
    headers = {name: source["read"]["header"] for name, source in sources.items()}
    assert headers == {"orders": True, "events": True, "clicks": None, "plain": False}
