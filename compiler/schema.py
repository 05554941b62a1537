"""The JSON Schema of the spec language, for editors.

A copy is committed as schema/pipegen-v1.schema.json; a test keeps it fresh.
"""

from __future__ import annotations

import json

from .spec import PipelineSpec

SCHEMA_ID = "https://pipegen.dev/schema/pipegen-v1.schema.json"


def schema_text() -> str:
    schema = PipelineSpec.model_json_schema(by_alias=True, mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    return json.dumps(schema, sort_keys=True, indent=2) + "\n"
