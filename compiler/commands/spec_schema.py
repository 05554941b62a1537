"""The JSON Schema of the spec language, for editors.

A copy is committed as schema/pipegen-v1.schema.json; a test keeps it fresh.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..spec import PipelineSpec
from ..spec.descriptions import with_descriptions
from .common import EXIT_OK

SCHEMA_ID = "https://pipegen.dev/schema/pipegen-v1.schema.json"


def schema_text() -> str:
    schema = with_descriptions(PipelineSpec.model_json_schema(by_alias=True, mode="validation"))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    return json.dumps(schema, sort_keys=True, indent=2) + "\n"


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("schema", help="print the JSON Schema of the spec language")
    command.add_argument("--out", type=Path, help="write to this file instead of stdout")
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK
