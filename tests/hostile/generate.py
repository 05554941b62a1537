"""Writes the hostile-spec corpus (run once; the files are committed and reviewed).

Each file's first line says its category and the diagnostic code(s) it must produce:
`# hostile: <category>; expect: PG205`. `python tests/hostile/generate.py` rewrites them all.
The one case over 1 MiB is built by the test itself rather than committed.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
BASE = """apiVersion: pipegen/v1
pipeline: orders
owner: team@example.com
sources:
  orders:
    format: csv
    landing: incoming/orders/
    read: {header: true}
    schema: {id: int, amount: double, placed_at: timestamp}
"""


def with_(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def add(extra: str) -> str:
    return BASE + extra


_QUALITY = "transforms:\n  t: {from: orders, steps: [{select: [id, amount]}]}\nquality:\n  tables:\n    t:\n      "

CASES: dict[str, tuple[str, str, str | bytes]] = {
    # name: (category, expected codes, content)
    "syntax_unclosed_flow": ("syntax", "PG103", BASE + "tags: {team: [a, b\n"),
    "syntax_bad_indent": ("syntax", "PG103", with_(BASE, "    format: csv", "   format: csv")),
    "syntax_tab_indent": ("syntax", "PG103", with_(BASE, "    format: csv", "\tformat: csv")),
    "syntax_unterminated_quote": (
        "syntax",
        "PG103",
        with_(BASE, "pipeline: orders", 'pipeline: "orders'),
    ),
    "syntax_two_documents": ("syntax", "PG103", BASE + "---\npipeline: other\n"),
    "empty_file": ("empty", "PG105", ""),
    "only_comments": ("empty", "PG105", "# nothing here\n# at all\n"),
    "top_level_list": ("wrong type", "PG201", "- apiVersion: pipegen/v1\n- pipeline: orders\n"),
    "duplicate_top_key": ("duplicate keys", "PG109", BASE + "pipeline: orders2\n"),
    "duplicate_source": (
        "duplicate keys",
        "PG109",
        BASE + "  orders:\n    format: json\n    landing: in/o/\n",
    ),
    "duplicate_nested_key": (
        "duplicate keys",
        "PG109",
        with_(BASE, "read: {header: true}", "read: {header: true, header: false}"),
    ),
    "duplicate_merge_shadow": ("duplicate keys", "PG109", BASE + "owner: other@example.com\n"),
    "nesting_1000_flow": (
        "deep nesting",
        "PG104",
        BASE + "tags: " + "[" * 1000 + "]" * 1000 + "\n",
    ),
    "nesting_100_block": (
        "deep nesting",
        "PG104",
        BASE
        + "description:\n"
        + "".join("  " * i + f"k{i}:\n" for i in range(1, 100))
        + "  " * 100
        + "v: 1\n",
    ),
    "alias_bomb": (
        "alias bomb",
        "PG107",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
            for i in range(8)
        )
        + BASE,
    ),
    "alias_cycle": ("alias bomb", "PG107", BASE + "tags: &t {x: *t}\n"),
    "tag_python_object": (
        "unsafe tags",
        "PG106",
        BASE + 'description: !!python/object/apply:os.system ["touch CANARY"]\n',
    ),
    "tag_python_name": ("unsafe tags", "PG106", BASE + "description: !!python/name:os.system\n"),
    "tag_custom": ("unsafe tags", "PG106", BASE + "description: !Ref Something\n"),
    "tag_binary": ("unsafe tags", "PG106", BASE + "description: !!binary aGVsbG8=\n"),
    "non_string_key": ("wrong type", "PG108", BASE + "tags:\n  ? [a, b]\n  : one\n"),
    "unknown_top_key": ("unknown keys", "PG201", with_(BASE, "owner:", "ownr: x\nowner:")),
    "unknown_source_key": (
        "unknown keys",
        "PG201",
        with_(BASE, "    format: csv", "    format: csv\n    partiton_by: {column: placed_at}"),
    ),
    "unknown_step": (
        "unknown keys",
        "PG207",
        add("transforms:\n  t:\n    from: orders\n    steps: [{dedupe_all: {keys: [id]}}]\n"),
    ),
    "unknown_rule": (
        "unknown keys",
        "PG207",
        add(
            "transforms:\n  t: {from: orders, steps: [{select: [id]}]}\nquality:\n  tables:\n    t: [{not_nul: [id]}]\n"
        ),
    ),
    "missing_owner": ("missing keys", "PG202", with_(BASE, "owner: team@example.com\n", "")),
    "missing_sources": (
        "missing keys",
        "PG202",
        "apiVersion: pipegen/v1\npipeline: orders\nowner: a@b.c\n",
    ),
    "wrong_api_version": ("wrong types", "PG203", with_(BASE, "pipegen/v1", "pipegen/v2")),
    "wrong_type_workers_string": (
        "wrong types",
        "PG204",
        add('defaults: {jobs: {workers: "2"}}\n'),
    ),
    "wrong_type_sources_list": (
        "wrong types",
        "PG204",
        "apiVersion: pipegen/v1\npipeline: orders\nowner: a@b.c\nsources: [orders]\n",
    ),
    "wrong_type_bool_workers": ("wrong types", "PG204", add("defaults: {jobs: {workers: true}}\n")),
    "yaml11_yes_is_not_true": (
        "YAML 1.1 booleans",
        "PG204",
        with_(BASE, "read: {header: true}", "read: {header: yes}"),
    ),
    "yaml11_on_as_format": ("YAML 1.1 booleans", "PG203", with_(BASE, "format: csv", "format: on")),
    "yaml11_Yes_as_pipeline": (
        "YAML 1.1 booleans",
        "PG205",
        with_(BASE, "pipeline: orders", "pipeline: Yes"),
    ),
    "yaml11_NO_as_source": ("YAML 1.1 booleans", "PG205", with_(BASE, "  orders:\n", "  NO:\n")),
    "octal_workers": ("wrong types", "PG206", add("defaults: {jobs: {workers: 0755}}\n")),
    "region_unknown": (
        "wrong types",
        "PG203",
        add("environments: {dev: {region: mars-north-1}}\n"),
    ),
    "schedule_rate": ("wrong types", "PG205", add('schedule: "rate(1 day)"\n')),
    "long_pipeline_name": (
        "names over limits",
        "PG206",
        with_(BASE, "pipeline: orders", "pipeline: " + "o" * 64),
    ),
    "long_env_name": (
        "names over limits",
        "PG206",
        add("environments: {" + "e" * 17 + ": {region: us-east-1}}\n"),
    ),
    "long_source_name": (
        "names over limits",
        "PG206",
        with_(BASE, "  orders:\n", "  " + "s" * 129 + ":\n"),
    ),
    "long_column_name": (
        "names over limits",
        "PG206",
        with_(BASE, "{id: int,", "{" + "c" * 129 + ": int,"),
    ),
    "long_rule_name": (
        "names over limits",
        "PG206",
        add(
            "transforms:\n  t: {from: orders, steps: [{select: [id]}]}\nquality:\n  tables:\n    t: [{expression: {name: "
            + "r" * 129
            + ", check: id > 0}}]\n"
        ),
    ),
    "long_tag_key": ("names over limits", "PG205", add("tags: {" + "k" * 129 + ": v}\n")),
    "long_tag_value": ("names over limits", "PG205", add("tags: {k: " + "v" * 257 + "}\n")),
    "long_description": ("names over limits", "PG206", add("description: " + "d" * 1001 + "\n")),
    "long_expression": (
        "names over limits",
        "PG206",
        add('transforms:\n  t: {from: orders, steps: [{filter: "' + "x" * 4001 + '"}]}\n'),
    ),
    "long_landing_prefix": (
        "names over limits",
        "PG206",
        with_(BASE, "landing: incoming/orders/", "landing: " + "l" * 200 + "/"),
    ),
    "derived_names_too_long": (
        "names over limits",
        "PG501",
        with_(BASE, "pipeline: orders", "pipeline: " + "orders-" * 7 + "x")
        + "environments: {production-east: {region: ap-southeast-2}}\n",
    ),
    "s3_xn_prefix": (
        "S3 reserved forms",
        "PG205",
        with_(BASE, "pipeline: orders", "pipeline: xn--orders"),
    ),
    "s3_sthree_prefix": (
        "S3 reserved forms",
        "PG502",
        with_(BASE, "pipeline: orders", "pipeline: sthree-orders"),
    ),
    "s3_demo_prefix": (
        "S3 reserved forms",
        "PG502",
        with_(BASE, "pipeline: orders", "pipeline: amzn-s3-demo-orders"),
    ),
    "s3_ip_form": (
        "S3 reserved forms",
        "PG205",
        with_(BASE, "pipeline: orders", "pipeline: 192.168.1.1"),
    ),
    "sub_in_pipeline": (
        "${",
        "PG205",
        with_(BASE, "pipeline: orders", 'pipeline: "${AWS::AccountId}"'),
    ),
    "sub_in_landing": (
        "${",
        "PG205",
        with_(BASE, "landing: incoming/orders/", 'landing: "incoming/${AWS::Region}/"'),
    ),
    "sub_in_source_name": ("${", "PG205", with_(BASE, "  orders:\n", '  "${Injected}":\n')),
    "sub_in_tag_key": ("${", "PG205", add('tags: {"${AWS::StackName}": x}\n')),
    "star_in_landing": (
        "*",
        "PG205",
        with_(BASE, "landing: incoming/orders/", "landing: incoming/*/"),
    ),
    "star_in_source_name": ("*", "PG205", with_(BASE, "  orders:\n", '  "orders*":\n')),
    "question_in_landing": (
        "*",
        "PG205",
        with_(BASE, "landing: incoming/orders/", "landing: incoming/ord?rs/"),
    ),
    "quote_in_pipeline": (
        "quotes",
        "PG205",
        with_(BASE, "pipeline: orders", "pipeline: 'ord\"ers'"),
    ),
    "quote_in_column": ("quotes", "PG205", with_(BASE, "{id: int,", '{"i\'d": int,')),
    "triple_quote_in_source": ("quotes", "PG205", with_(BASE, "  orders:\n", "  \"o'''x\":\n")),
    "newline_in_pipeline": (
        "newline",
        "PG205",
        with_(BASE, "pipeline: orders", 'pipeline: "orders\\nimport os"'),
    ),
    "newline_in_source_name": ("newline", "PG205", with_(BASE, "  orders:\n", '  "a\\nb":\n')),
    "nul_escaped_in_description": ("NUL", "PG205", add('description: "a\\0b"\n')),
    "nul_raw_byte": ("NUL", "PG102", (BASE + "description: a\x00b\n").encode()),
    "u2028_escaped_in_description": ("U+2028", "PG205", add('description: "a\\u2028b"\n')),
    "u2028_raw": ("U+2028", "PG103", (BASE + "description: a\u2028b\n").encode()),
    "invalid_utf8": ("encoding", "PG102", BASE.encode() + b"description: \xff\xfe\n"),
    "dotdot_in_landing": (
        "../",
        "PG205",
        with_(BASE, "landing: incoming/orders/", "landing: ../../etc/"),
    ),
    "dotdot_in_pipeline": ("../", "PG205", with_(BASE, "pipeline: orders", "pipeline: ../orders")),
    "absolute_landing": (
        "absolute paths",
        "PG205",
        with_(BASE, "landing: incoming/orders/", "landing: /etc/passwd/"),
    ),
    "absolute_pipeline": (
        "absolute paths",
        "PG205",
        with_(BASE, "pipeline: orders", "pipeline: /tmp/orders"),
    ),
    "names_collide_after_cleaning": (
        "collisions",
        "PG305",
        BASE
        + "  order_items:\n    format: csv\n    landing: incoming/items/\n  order__items:\n    format: csv\n    landing: incoming/items2/\n",
    ),
    "transform_named_like_source": (
        "collisions",
        "PG303",
        add("transforms:\n  orders: {from: orders, steps: [{select: [id]}]}\n"),
    ),
    "transform_named_like_raw_table": (
        "collisions",
        "PG303",
        add("transforms:\n  raw_orders: {from: orders, steps: [{select: [id]}]}\n"),
    ),
    "join_cycle": (
        "cycles",
        "PG302",
        add(
            "transforms:\n  a: {from: b, steps: [{select: [id]}]}\n  b: {from: a, steps: [{select: [id]}]}\n"
        ),
    ),
    "join_cycle_via_join": (
        "cycles",
        "PG302",
        add(
            "transforms:\n  a:\n    from: orders\n    steps: [{join: {with: b, on: id}}]\n  b: {from: a, steps: [{select: [id]}]}\n"
        ),
    ),
    "unknown_input": (
        "unknown references",
        "PG301",
        add("transforms:\n  t: {from: order, steps: [{select: [id]}]}\n"),
    ),
    "unknown_join_table": (
        "unknown references",
        "PG301",
        add(
            "transforms:\n  t:\n    from: orders\n    steps: [{join: {with: customers, on: id}}]\n"
        ),
    ),
    "unknown_quality_table": (
        "unknown references",
        "PG301",
        add("quality:\n  tables:\n    nowhere: [{not_null: [id]}]\n"),
    ),
    "unknown_column": (
        "unknown references",
        "PG304",
        add("transforms:\n  t: {from: orders, steps: [{select: [id, amount_usd]}]}\n"),
    ),
    "not_overridable_key": (
        "semantics",
        "PG401",
        add("environments:\n  dev:\n    region: us-east-1\n    overrides: {pipeline: other}\n"),
    ),
    "overlapping_landings": (
        "semantics",
        "PG404",
        BASE + "  more:\n    format: csv\n    landing: incoming/\n",
    ),
    "reserved_tag_prefix": ("semantics", "PG406", add('tags: {"aws:owner": x}\n')),
    "budget_where_cfn_cannot": (
        "semantics",
        "PG410",
        add("environments: {dev: {region: eu-north-1}}\nbudget: {monthly_usd: 10}\n"),
    ),
    "bad_alert_email": ("wrong types", "PG205", add('alerts: {email: ["not an address"]}\n')),
    "duration_warn_after_alarm": (
        "semantics",
        "PG206",
        add("alerts: {job_duration: {warn_pct: 90, alarm_pct: 50}}\n"),
    ),
    "landing_settings_over_4kb": (
        "AWS limits",
        "PG504",
        "apiVersion: pipegen/v1\npipeline: orders\nowner: a@b.c\nsources:\n"
        + "".join(
            f"  source_{i:02d}:\n    format: csv\n    landing: incoming/source_{i:02d}/\n"
            f"    accept: {{name_pattern: '^{'x' * 60}.*$'}}\n"
            for i in range(40)
        ),
    ),
    "nan_in_range": (
        "non-finite numbers",
        "PG206",
        add(_QUALITY + "- range: {column: amount, min: .nan}\n"),
    ),
    "inf_in_range": (
        "non-finite numbers",
        "PG206",
        add(_QUALITY + "- range: {column: amount, max: .inf}\n"),
    ),
    "overflow_to_inf": (
        "non-finite numbers",
        "PG206",
        add(_QUALITY + "- statistic: {column: amount, stat: mean, max: 1e400}\n"),
    ),
    "nan_in_set": (
        "non-finite numbers",
        "PG204 PG206",
        add(_QUALITY + "- in_set: {column: amount, values: [1, .nan]}\n"),
    ),
    "landing_in_rejected": (
        "reserved prefixes",
        "PG415",
        with_(BASE, "landing: incoming/orders/", "landing: _rejected/"),
    ),
    "landing_hidden_folder": (
        "reserved prefixes",
        "PG415",
        with_(BASE, "landing: incoming/orders/", "landing: incoming/_tmp/"),
    ),
    "tags_over_50": (
        "AWS limits",
        "PG416",
        add("tags:\n" + "".join(f"  t{i}: v\n" for i in range(47))),
    ),
    "tag_keys_differ_by_case": ("AWS limits", "PG416", add("tags: {Team: a, team: b}\n")),
    "backtracking_name_pattern": (
        "catastrophic regex",
        "PG417",
        with_(
            BASE, "read: {header: true}", "accept: {name_pattern: '^([a-z]+_?)+[0-9]{8}\\.csv$'}"
        ),
    ),
    "names_differ_by_underscore": (
        "collisions",
        "PG305",
        BASE + "  _orders:\n    format: csv\n    landing: incoming/other/\n",
    ),
    "sql_reads_a_file": (
        "SQL",
        "PG307",
        add(
            "transforms:\n  t:\n    from: orders\n    steps: [{sql: {query: 'SELECT * FROM csv.`/etc/passwd`'}}]\n"
        ),
    ),
    "sql_drop_table": (
        "SQL",
        "PG307",
        add("transforms:\n  t: {from: orders, steps: [{sql: {query: DROP TABLE this}}]}\n"),
    ),
    "sql_unclosed_call": (
        "SQL",
        "PG306",
        add('transforms:\n  t: {from: orders, steps: [{derive: {k: "concat(id, amount"}}]}\n'),
    ),
    "sql_unknown_column": (
        "SQL",
        "PG304",
        add("transforms:\n  t: {from: orders, steps: [{filter: amount > amout}]}\n"),
    ),
    "cron_hour_25": ("cron", "PG418", add('schedule: "cron(0 25 * * ? *)"\n')),
    "cron_minute_60": ("cron", "PG418", add('schedule: "cron(60 1 * * ? *)"\n')),
    "cron_weekday_8": ("cron", "PG418", add('schedule: "cron(0 1 ? * 8 *)"\n')),
    "cron_step_0": ("cron", "PG418", add('schedule: "cron(0/0 1 * * ? *)"\n')),
    "cron_both_days_star": ("cron", "PG418", add('schedule: "cron(0 1 * * * *)"\n')),
    "cron_five_fields": ("cron", "PG418", add('schedule: "cron(0 1 * * *)"\n')),
    "cron_february_30": ("cron", "PG419", add('schedule: "cron(0 1 30 2 ? *)"\n')),
    "steps_over_100": (
        "names over limits",
        "PG206",
        add("transforms:\n  t:\n    from: orders\n    steps:\n" + "      - filter: id > 0\n" * 101),
    ),
    "rules_over_200": (
        "names over limits",
        "PG206",
        add(_QUALITY + "- row_count: {min: 1}\n      " * 201),
    ),
    "over_500_resources": (
        "AWS limits",
        "PG505",
        add(
            "transforms:\n"
            + "".join(
                f"  t{i}: {{from: orders, steps: [{{filter: id > 0}}]}}\n" for i in range(240)
            )
            + "quality:\n  tables:\n"
            + "".join(f"    t{i}: [{{row_count: {{min: 1}}}}]\n" for i in range(240))
        ),
    ),
}


def main() -> None:
    for old in HERE.glob("*.yaml"):
        old.unlink()
    for name, (category, codes, content) in CASES.items():
        header = f"# hostile: {category}; expect: {codes}\n"
        data = header.encode() + (content if isinstance(content, bytes) else content.encode())
        (HERE / f"{name}.yaml").write_bytes(data)
    print(f"{len(CASES)} cases written to {HERE}")


if __name__ == "__main__":
    main()
