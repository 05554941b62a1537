"""Spec models for `transforms`: the processing job's steps, processed -> curated."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import (
    ColumnName,
    ColumnType,
    Expression,
    Identifier,
    Model,
    Text,
    list_shorthand,
    single_key_union,
)
from .sources import Partitioning

MAX_STEPS = 100


class DedupeArgs(Model):
    """One survivor per key: the first by `order_by`, ties broken by every column."""

    keys: Annotated[list[ColumnName], Field(min_length=1)]
    order_by: list[Expression] = ["_ingested_at DESC"]


class JoinArgs(Model):
    with_: Identifier = Field(alias="with")
    on: ColumnName | Annotated[list[ColumnName], Field(min_length=1)] | dict[ColumnName, ColumnName]
    how: Literal["inner", "left", "right", "full", "semi", "anti"] = "inner"
    columns: dict[ColumnName, ColumnName] | list[ColumnName] | None = None


class AggregateArgs(Model):
    by: Annotated[list[Expression], Field(min_length=1)]
    metrics: Annotated[dict[ColumnName, Expression], Field(min_length=1)]


class SelectArgs(Model):
    columns: Annotated[list[Expression], Field(min_length=1)]


class SqlArgs(Model):
    """Spark SQL over the step's input (the view `this`) and the named `inputs`."""

    query: Expression
    inputs: list[Identifier] = []


class DedupeStep(Model):
    dedupe: DedupeArgs


class FilterStep(Model):
    filter: Expression


class DeriveStep(Model):
    derive: Annotated[dict[ColumnName, Expression], Field(min_length=1)]


class JoinStep(Model):
    join: JoinArgs


class AggregateStep(Model):
    aggregate: AggregateArgs


class SelectStep(Model):
    select: Annotated[SelectArgs, list_shorthand(SelectArgs, "columns")]


class RenameStep(Model):
    rename: Annotated[dict[ColumnName, ColumnName], Field(min_length=1)]


class CastStep(Model):
    cast: Annotated[dict[ColumnName, ColumnType], Field(min_length=1)]


class SqlStep(Model):
    sql: SqlArgs


STEP_TYPES: dict[str, type[Model]] = {
    "dedupe": DedupeStep,
    "filter": FilterStep,
    "derive": DeriveStep,
    "join": JoinStep,
    "aggregate": AggregateStep,
    "select": SelectStep,
    "rename": RenameStep,
    "cast": CastStep,
    "sql": SqlStep,
}

Step = single_key_union("step", STEP_TYPES)


class Transform(Model):
    """A curated table: an input (source or transform) and the steps applied to it."""

    description: Text = ""
    from_: Identifier = Field(alias="from")
    # Bounded so that a spec (or an alias bomb of steps) cannot make a config of megabytes.
    steps: Annotated[list[Step], Field(max_length=MAX_STEPS)] = []
    partition_by: Partitioning | None = None
