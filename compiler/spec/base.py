"""Shared pieces of the spec models: the strict base model and the name types.

Every spec model forbids unknown keys, is immutable and strict (a string is never silently
turned into a number or a boolean). Closed sets are `Literal`s here, never left for
troposphere or AWS to reject.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag

# Names that become parts of AWS resource names: lower kebab, no doubled or trailing dash.
KEBAB = r"^[a-z](?:-?[a-z0-9])*$"
# Names of sources, transforms and columns: they become table names, SQL identifiers and S3
# key segments, so only lower snake case.
SNAKE = r"^[a-z_][a-z0-9_]*$"

PipelineName = Annotated[str, Field(pattern=KEBAB, min_length=1, max_length=63)]
EnvName = Annotated[str, Field(pattern=KEBAB, min_length=1, max_length=16)]
Identifier = Annotated[str, Field(pattern=SNAKE, min_length=1, max_length=128)]
ColumnName = Identifier
# A SQL expression: inert text handed to Spark as data. Bounded and free of NUL/line separators
# that only ever appear by accident or by attack.
Expression = Annotated[str, Field(min_length=1, max_length=4000, pattern=r"^[^\x00\u2028\u2029]*$")]
Text = Annotated[str, Field(max_length=1000, pattern=r"^[^\x00\u2028\u2029]*$")]

COLUMN_TYPE = (
    r"^(?:string|int|bigint|smallint|tinyint|double|float|boolean|date|timestamp|binary"
    r"|decimal\((?:[1-9]|[1-2][0-9]|3[0-8]),(?:[0-9]|[1-2][0-9]|3[0-8])\))$"
)
ColumnType = Annotated[str, Field(pattern=COLUMN_TYPE)]


class Model(BaseModel):
    """Base of every spec model: unknown keys are errors, values are never coerced."""

    # allow_inf_nan=False: `.nan`, `.inf` and `1e400` (which YAML reads as infinity) would
    # reach quality.json as NaN/Infinity, which is not JSON.
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=False, allow_inf_nan=False
    )


def single_key_union(prefix: str, members: dict[str, type[Model]]) -> Any:
    """A union of one-key mappings (`- dedupe: {...}`) chosen by the key that is present.

    Tags are `<prefix>:<key>` so that the validation error path can drop them and still be
    the path of the value in the YAML document.
    """

    def pick(value: Any) -> str | None:
        if isinstance(value, BaseModel):  # serializing: the model's one field is its tag
            return f"{prefix}:{next(iter(type(value).model_fields))}"
        if isinstance(value, dict) and len(value) == 1:
            key = next(iter(value))
            return f"{prefix}:{key}" if key in members else None
        return None

    tagged = tuple(Annotated[cls, Tag(f"{prefix}:{key}")] for key, cls in members.items())
    return Annotated[
        _union(tagged),
        Discriminator(
            pick,
            custom_error_type=f"unknown_{prefix}",
            custom_error_message=f"unknown {prefix}",
            custom_error_context={"expected": ", ".join(sorted(members))},
        ),
    ]


def _union(types: tuple[Any, ...]) -> Any:
    from typing import Union

    return Union[types]  # noqa: UP007 - a runtime-built union needs the subscript form


def list_shorthand(model: type[Model], field: str) -> BeforeValidator:
    """Lets `not_null: [a, b]` stand for `not_null: {columns: [a, b]}`; the JSON Schema offers
    both forms, as the loader accepts both."""
    short = model.model_fields[field].annotation
    return BeforeValidator(
        lambda v: {field: v} if isinstance(v, list) else v,
        json_schema_input_type=model | short,
    )
