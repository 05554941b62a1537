"""A standard-library reader for Avro object container files, for local runs.

pyspark's wheel lacks the spark-avro package (Glue has it), and this workplace has no Maven
access to fetch it; so the local home decodes Avro in the driver with this reader. It covers
the types data files use: null, boolean, int, long, float, double, bytes, string, record, enum,
array, map, fixed, unions, and the date / timestamp-millis / timestamp-micros logical types;
codecs null and deflate.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

MAGIC = b"Obj\x01"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class AvroError(ValueError):
    pass


class _Decoder:
    def __init__(self, data: bytes):
        self.stream = io.BytesIO(data)

    def read(self, n: int) -> bytes:
        chunk = self.stream.read(n)
        if len(chunk) != n:
            raise AvroError("unexpected end of Avro data")
        return chunk

    def long(self) -> int:
        shift, result = 0, 0
        while True:
            byte = self.read(1)[0]
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return (result >> 1) ^ -(result & 1)
            shift += 7

    def bytes_(self) -> bytes:
        return self.read(self.long())

    def at_end(self) -> bool:
        return self.stream.tell() == len(self.stream.getbuffer())


def _named(schema: Any, names: dict[str, Any]) -> Any:
    if isinstance(schema, str) and schema in names:
        return names[schema]
    if isinstance(schema, dict) and schema.get("type") in ("record", "enum", "fixed"):
        names[schema["name"]] = schema
    return schema


def _value(decoder: _Decoder, schema: Any, names: dict[str, Any]) -> Any:
    schema = _named(schema, names)
    if isinstance(schema, list):
        return _value(decoder, schema[decoder.long()], names)
    kind = schema if isinstance(schema, str) else schema["type"]
    if isinstance(kind, dict | list):
        return _value(decoder, kind, names)
    value = _primitive(decoder, kind, schema, names)
    logical = schema.get("logicalType") if isinstance(schema, dict) else None
    return _logical(value, logical)


def _primitive(decoder: _Decoder, kind: str, schema: Any, names: dict[str, Any]) -> Any:
    if kind == "null":
        return None
    if kind == "boolean":
        return decoder.read(1) == b"\x01"
    if kind in ("int", "long"):
        return decoder.long()
    if kind == "float":
        return struct.unpack("<f", decoder.read(4))[0]
    if kind == "double":
        return struct.unpack("<d", decoder.read(8))[0]
    if kind == "bytes":
        return decoder.bytes_()
    if kind == "string":
        return decoder.bytes_().decode("utf-8")
    if kind == "fixed":
        return decoder.read(schema["size"])
    if kind == "enum":
        return schema["symbols"][decoder.long()]
    if kind == "record":
        return {f["name"]: _value(decoder, f["type"], names) for f in schema["fields"]}
    if kind in ("array", "map"):
        return _blocks(decoder, kind, schema, names)
    raise AvroError(f"unsupported Avro type {kind!r}")


def _blocks(decoder: _Decoder, kind: str, schema: Any, names: dict[str, Any]) -> Any:
    items: list[Any] = []
    while (count := decoder.long()) != 0:
        if count < 0:
            count = -count
            decoder.long()  # block size in bytes, not needed
        for _ in range(count):
            if kind == "map":
                items.append((decoder.bytes_().decode(), _value(decoder, schema["values"], names)))
            else:
                items.append(_value(decoder, schema["items"], names))
    return dict(items) if kind == "map" else items


def _logical(value: Any, logical: str | None) -> Any:
    if value is None or logical is None:
        return value
    if logical == "date":
        return date(1970, 1, 1) + timedelta(days=value)
    if logical == "timestamp-millis":
        return EPOCH + timedelta(milliseconds=value)
    if logical == "timestamp-micros":
        return EPOCH + timedelta(microseconds=value)
    return value


def writer_schema(head: bytes) -> dict[str, Any]:
    """The writer schema of an Avro object container file, from its first bytes (the header)."""
    if not head.startswith(MAGIC):
        raise AvroError("not an Avro object container file")
    meta = _blocks(_Decoder(head[len(MAGIC) :]), "map", {"values": "bytes"}, {})
    return json.loads(meta["avro.schema"])


def read_container(data: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(writer schema, records) of one Avro object container file."""
    if not data.startswith(MAGIC):
        raise AvroError("not an Avro object container file")
    decoder = _Decoder(data[len(MAGIC) :])
    meta = _blocks(decoder, "map", {"values": "bytes"}, {})
    schema = json.loads(meta["avro.schema"])
    codec = meta.get("avro.codec", b"null").decode()
    sync = decoder.read(16)
    records: list[dict[str, Any]] = []
    while not decoder.at_end():
        count = decoder.long()
        block = decoder.bytes_()
        if codec == "deflate":
            block = zlib.decompress(block, -15)
        elif codec != "null":
            raise AvroError(f"unsupported Avro codec {codec!r}")
        body = _Decoder(block)
        records += [_value(body, schema, {}) for _ in range(count)]
        if decoder.read(16) != sync:
            raise AvroError("Avro sync marker mismatch (corrupt file)")
    return schema, records


_SPARK_TYPES = {
    "boolean": "boolean",
    "int": "int",
    "long": "bigint",
    "float": "float",
    "double": "double",
    "string": "string",
    "bytes": "binary",
    "enum": "string",
    "fixed": "binary",
}


def spark_type(schema: Any) -> str:
    """The Spark SQL type of an Avro field type (nullable unions unwrap to their one type)."""
    if isinstance(schema, list):
        options = [s for s in schema if s != "null"]
        return spark_type(options[0]) if len(options) == 1 else "string"
    if isinstance(schema, dict):
        logical = schema.get("logicalType")
        if logical == "date":
            return "date"
        if logical in ("timestamp-millis", "timestamp-micros"):
            return "timestamp"
        kind = schema["type"]
        if kind == "array":
            return f"array<{spark_type(schema['items'])}>"
        if kind == "map":
            return f"map<string,{spark_type(schema['values'])}>"
        if kind == "record":
            fields = ",".join(f"`{f['name']}`:{spark_type(f['type'])}" for f in schema["fields"])
            return f"struct<{fields}>"
        return spark_type(kind)
    return _SPARK_TYPES.get(schema, "string")
