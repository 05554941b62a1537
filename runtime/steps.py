"""Transform steps on DataFrames: dedupe, filter, derive, join, aggregate, select, rename, cast,
sql. One function per step; `apply_steps` runs a transform's list in order.

Semantics worth knowing: `derive` computes every new column from the step's input (they do not
see each other); `dedupe` keeps one survivor per key, the first by `order_by` with every other
column as the tie-breaker, so the survivor never depends on partitioning; a `join` without
`columns` brings the other side's columns except its keys and metadata columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from typing import Any

from .failures import StepFailed, cause_of

_ORDER = re.compile(r"^(.*?)\s+(ASC|DESC)(?:\s+NULLS\s+(FIRST|LAST))?\s*$", re.IGNORECASE)


def apply_steps(
    spark: Any, frame: Any, steps: Sequence[dict[str, Any]], tables: dict[str, Any], name: str
) -> Any:
    """Transform `name`'s steps in order. Spark analyses each step as it is added, so a step
    that names a missing column or holds bad SQL fails here, as StepFailed naming the step."""
    for index, step in enumerate(steps):
        ((kind, args),) = step.items()
        try:
            frame = STEPS[kind](spark, frame, args, tables)
        except Exception as exc:
            if type(exc).__name__ in ("Py4JNetworkError", "Py4JError"):
                raise  # the JVM is gone: not the step's fault
            raise StepFailed(name, index, kind, cause_of(exc)) from exc
    return frame


def _sort_order(text: str) -> Any:
    from pyspark.sql import functions as F

    match = _ORDER.match(text)
    if not match:
        return F.expr(text).asc_nulls_last()
    column = F.expr(match.group(1))
    descending = match.group(2).upper() == "DESC"
    nulls = (match.group(3) or ("LAST" if not descending else "FIRST")).upper()
    name = f"{'desc' if descending else 'asc'}_nulls_{nulls.lower()}"
    return getattr(column, name)()


def dedupe(spark: Any, frame: Any, args: dict[str, Any], tables: dict[str, Any]) -> Any:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = args["keys"]
    ties = [F.col(f"`{c}`").asc_nulls_last() for c in sorted(frame.columns) if c not in keys]
    order = [_sort_order(o) for o in args["order_by"]] + ties
    window = Window.partitionBy(*[F.col(f"`{k}`") for k in keys]).orderBy(*order)
    return (
        frame.withColumn("__pipegen_rank", F.row_number().over(window))
        .filter("__pipegen_rank = 1")
        .drop("__pipegen_rank")
    )


def filter_(spark: Any, frame: Any, condition: str, tables: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    return frame.filter(F.expr(condition))


def derive(spark: Any, frame: Any, columns: dict[str, str], tables: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    kept = [F.col(f"`{c}`") for c in frame.columns if c not in columns]
    return frame.select(*kept, *[F.expr(e).alias(n) for n, e in columns.items()])


def join(spark: Any, frame: Any, args: dict[str, Any], tables: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    other = tables[args["with"]]
    on = args["on"]
    pairs = (
        [(on, on)]
        if isinstance(on, str)
        else [(c, c) for c in on]
        if isinstance(on, list)
        else list(on.items())
    )
    wanted = _join_columns(args["columns"], other, frame, {r for _, r in pairs})
    right = other.select(
        *[F.col(f"`{r}`").alias(f"__pipegen_key{i}") for i, (_, r) in enumerate(pairs)],
        *[F.col(f"`{s}`").alias(o) for s, o in wanted.items()],
    )
    condition = reduce(
        lambda a, b: a & b,
        [frame[f"`{left}`"] == right[f"__pipegen_key{i}"] for i, (left, _) in enumerate(pairs)],
    )
    joined = frame.join(right, condition, args["how"])
    return joined.drop(*[f"__pipegen_key{i}" for i in range(len(pairs))])


def _join_columns(columns: Any, other: Any, frame: Any, keys: set[str]) -> dict[str, str]:
    if isinstance(columns, dict):
        return dict(columns)
    if isinstance(columns, list):
        return {c: c for c in columns}
    return {
        c: c
        for c in other.columns
        if c not in keys and c not in frame.columns and not c.startswith("_")
    }


def aggregate(spark: Any, frame: Any, args: dict[str, Any], tables: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    return frame.groupBy(*[F.expr(e) for e in args["by"]]).agg(
        *[F.expr(e).alias(n) for n, e in args["metrics"].items()]
    )


def select(spark: Any, frame: Any, args: dict[str, Any], tables: dict[str, Any]) -> Any:
    return frame.selectExpr(*args["columns"])


def rename(spark: Any, frame: Any, mapping: dict[str, str], tables: dict[str, Any]) -> Any:
    return frame.withColumnsRenamed(mapping)


def cast(spark: Any, frame: Any, types: dict[str, str], tables: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    return frame.withColumns({c: F.col(f"`{c}`").cast(t) for c, t in types.items()})


def sql(spark: Any, frame: Any, args: dict[str, Any], tables: dict[str, Any]) -> Any:
    frame.createOrReplaceTempView("this")
    for name in args["inputs"]:
        tables[name].createOrReplaceTempView(name)
    return spark.sql(args["query"])


STEPS = {
    "dedupe": dedupe,
    "filter": filter_,
    "derive": derive,
    "join": join,
    "aggregate": aggregate,
    "select": select,
    "rename": rename,
    "cast": cast,
    "sql": sql,
}
