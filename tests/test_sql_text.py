"""The spec's SQL is parsed as Spark SQL: mistakes and unsafe statements are found at validate
time, and the Spark SQL people write every day is not refused."""

from __future__ import annotations

import pytest

from pipegen_compiler.sql_text import parse, referenced_columns, refusal

READABLE = frozenset({"this", "airports"})
# Everyday Spark SQL that must pass (a false refusal would block a valid pipeline).
EXPRESSIONS = [
    "CASE WHEN x > 1 THEN 'a' ELSE 'b' END",
    "x RLIKE '^a'",
    "date_trunc('month', ts)",
    "x <=> y",
    "TIMESTAMP '2020-01-01'",
    "ts - INTERVAL '1' HOUR",
    "x BETWEEN 1 AND 2",
    "a DIV b",
    "a || b",
    "filter(arr, x -> x > 0)",
    "aggregate(arr, 0, (acc, x) -> acc + x)",
    "get_json_object(j, '$.a')",
    "from_json(j, 'a INT')",
    "regexp_extract(s, '(\\\\d+)', 1)",
    "count_if(x > 1)",
    "try_cast(x AS INT)",
    "x IS DISTINCT FROM y",
    "sum(x) FILTER (WHERE y > 0)",
    "row_number() OVER (PARTITION BY a ORDER BY b DESC)",
    "s ILIKE 'a%'",
    "m['k']",
    "split(s, ',')[0]",
    "CAST(x AS DECIMAL(10,2))",
    "if(x > 0, 'p', 'n')",
    "timestampadd(HOUR, 1, ts)",
    "to_timestamp(s, 'yyyy-MM-dd HH:mm:ss')",
    "to_date(time_hour) AS flight_date",
]
QUERIES = [
    "SELECT a, b FROM this LATERAL VIEW explode(arr) t AS v",
    "SELECT /*+ BROADCAST(a) */ t.x FROM this t JOIN airports a ON t.k = a.k",
    "SELECT * FROM (SELECT a, b FROM this) PIVOT (sum(b) FOR a IN ('x', 'y'))",
    "SELECT a FROM this WHERE a IN (SELECT faa FROM airports)",
    "SELECT a, count(*) FROM this GROUP BY a HAVING count(*) > 1 ORDER BY 2 DESC LIMIT 10",
    "SELECT * FROM this UNION ALL SELECT * FROM airports",
    "WITH x AS (SELECT 1 AS k) SELECT * FROM this JOIN x USING (k)",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_everyday_expressions_pass(text):
    parsed = parse(text, "expression")
    assert parsed.syntax_error is None
    assert refusal(parsed.tree, "expression", READABLE) is None


@pytest.mark.parametrize("text", QUERIES)
def test_everyday_queries_pass(text):
    parsed = parse(text, "query")
    assert parsed.syntax_error is None
    assert refusal(parsed.tree, "query", READABLE) is None


@pytest.mark.parametrize(
    ("text", "kind", "said"),
    [
        ("concat(origin, '-', dest", "expression", "character 24 near 'dest': expected ')'"),
        ("amount >", "expression", "the expression is incomplete"),
        ("'open", "expression", "never closed"),
        ("SELECT 1; SELECT 2", "query", "found 2"),
        ("_ingested_at DESC NULLS", "ordering", "syntax error"),
    ],
)
def test_syntax_errors_say_where(text, kind, said):
    error = parse(text, kind).syntax_error
    assert error is not None and said in error


@pytest.mark.parametrize(
    ("text", "kind", "said"),
    [
        ("SELECT * FROM csv.`/etc/passwd`", "query", "reads a path"),
        ("SELECT * FROM parquet.`s3://other-bucket/x`", "query", "reads a path"),
        ("SELECT * FROM other_db.secrets", "query", "another database"),
        ("SELECT * FROM customers", "query", "table 'customers' is not readable"),
        ("DROP TABLE this", "query", "not the statement DROP"),
        ("INSERT OVERWRITE DIRECTORY '/tmp/x' SELECT * FROM this", "query", "INSERT"),
        ("ADD JAR /tmp/evil.jar", "query", "the command ADD JAR"),
        ("SET spark.sql.ansi.enabled=false", "query", "SET"),
        ("java_method('java.lang.System', 'getenv', 'X')", "expression", "java_method()"),
        ("reflect('java.lang.Runtime', 'getRuntime')", "expression", "reflect()"),
        ("id IN (SELECT id FROM airports)", "expression", "may not read tables"),
        ("SELECT reflect('a', 'b') FROM this", "query", "reflect()"),
    ],
)
def test_what_may_not_run_in_a_job_is_refused(text, kind, said):
    parsed = parse(text, kind)
    assert parsed.syntax_error is None
    reason = refusal(parsed.tree, kind, READABLE)
    assert reason is not None and said in reason


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("amount - amout", {"amount", "amout"}),
        ("transform(arr, x -> x + 1)", {"arr"}),
        ("aggregate(arr, 0, (acc, x) -> acc + x)", {"arr"}),
        ("s.field > 1 AND current_date() > d", {"s", "d"}),
        ("`Odd Name` IS NULL", {"odd name"}),
        ("ts > now() - INTERVAL 1 HOUR", {"ts"}),
    ],
)
def test_the_columns_an_expression_reads(text, columns):
    assert referenced_columns(parse(text, "expression").tree) == columns
