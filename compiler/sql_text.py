"""The spec's SQL, parsed as Spark SQL (sqlglot) and never run: what it says, not what it does.

Three kinds of text reach Spark from a spec:
- an expression (`filter`, `derive`, `aggregate`, `select`, a rule's `where` and `check`),
  which must be one expression that reads no table;
- an ordering (`dedupe.order_by`: an expression with ASC/DESC and NULLS FIRST/LAST);
- a query (`sql` steps, `sql_metric`), which must be one SELECT over the tables it may read.
A job runs any of them with its own role, so anything else (a file-path relation such as
csv.`/etc/passwd`, DDL, DML, commands, Java reflection) is refused before it is compiled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

# sqlglot warns on stderr when it falls back to an opaque command; the refusal below says it.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

Kind = Literal["expression", "ordering", "query"]
# Spark functions that call any Java static method by name (e.g. System.getenv).
REFLECTION = frozenset({"reflect", "java_method", "try_reflect"})
_ORDERING_PREFIX = "SELECT 1 ORDER BY "


@dataclass(frozen=True)
class Parsed:
    tree: exp.Expression | None
    syntax_error: str | None = None


@lru_cache(maxsize=4096)
def parse(text: str, kind: Kind) -> Parsed:
    """The text's syntax tree, or the syntax error with its position inside the text."""
    source = _ORDERING_PREFIX + text if kind == "ordering" else text
    try:
        trees = [t for t in sqlglot.parse(source, read="spark") if t is not None]
    except ParseError as exc:
        return Parsed(None, _describe(exc, len(source) - len(text)))
    except SqlglotError:  # the tokenizer's only complaint: text left open
        return Parsed(None, "syntax error: a quote or a quoted name is never closed")
    if len(trees) != 1:
        return Parsed(None, f"one {kind} expected, found {len(trees)} (a ';' too many?)")
    tree = trees[0]
    if kind == "ordering":
        tree = tree.args["order"]
    return Parsed(tree)


def refusal(tree: exp.Expression, kind: Kind, readable: frozenset[str]) -> str | None:
    """Why this text may not run in a job, or None. `readable`: the tables a query may read."""
    for call in tree.find_all(exp.Func):
        name = (call.name if isinstance(call, exp.Anonymous) else call.sql_name()).lower()
        if name in REFLECTION:
            return f"{name}() calls Java methods by name; it is not allowed in a spec"
    if kind != "query":
        if tree.find(exp.Query, exp.Table) is not None:
            return "an expression may not read tables: use a `join` step, or a `sql` step"
        return None
    if not isinstance(tree, exp.Query):
        return f"only a SELECT query may run here, not {_statement(tree)}"
    return _unreadable_table(tree, readable)


def referenced_columns(tree: exp.Expression) -> set[str]:
    """Names of the columns an expression reads (lower case; lambda parameters excluded)."""
    bound = {param.name.lower() for lam in tree.find_all(exp.Lambda) for param in lam.expressions}
    names = set()
    for column in tree.find_all(exp.Column):
        # `a.b` is field b of struct column a.
        first = column.parts[0].name.lower() if column.parts else column.name.lower()
        if first and first not in bound:
            names.add(first)
    return names


def _unreadable_table(tree: exp.Expression, readable: frozenset[str]) -> str | None:
    named = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.find_ancestor(exp.Hint):  # BROADCAST(a) names an alias, reads nothing
            continue
        if not isinstance(table.this, exp.Identifier):
            return f"'{table.sql(dialect='spark')}' is not a table this query may read"
        if table.db or table.catalog:
            return (
                f"'{table.sql(dialect='spark')}' reads a path or another database; a query "
                f"reads only {_listed(readable)}"
            )
        if table.name.lower() not in readable | named:
            return f"table '{table.name}' is not readable here; a query reads {_listed(readable)}"
    return None


def _listed(readable: frozenset[str]) -> str:
    inputs = sorted(readable - {"this"})
    return "'this'" + (f" and its declared inputs ({', '.join(inputs)})" if inputs else "")


def _statement(tree: exp.Expression) -> str:
    if isinstance(tree, exp.Command):
        return f"the command {str(tree.this).upper()}"
    return f"the statement {type(tree).__name__.upper()}"


def _describe(exc: ParseError, offset: int) -> str:
    error = exc.errors[0] if exc.errors else {}
    description = str(error.get("description", exc))
    if description.startswith("Required keyword"):
        description = "the expression is incomplete"
    elif description.startswith("Expecting "):
        description = f"expected '{description.removeprefix('Expecting ')}'"
    column = max(int(error.get("col") or 0) - offset, 1)
    near = str(error.get("highlight") or "").strip()
    where = f" near '{near}'" if near else ""
    return f"syntax error at character {column}{where}: {description}"
