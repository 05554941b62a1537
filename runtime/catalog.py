"""Catalog: the Glue Data Catalog on AWS, a folder of JSON table files locally.

A table entry holds its location, columns (name, Spark SQL type), partition keys, its current
partitions and, for sources, how raw column names were cleaned. The jobs are the catalog's only
writers: each `put_table` states the whole table as just published, partitions included, so the
catalog changes exactly when the data does (there are no crawlers to race or overwrite it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from .lake_layout import LakeLayout


class Catalog(Protocol):
    def get_table(self, name: str) -> dict[str, Any] | None: ...
    def put_table(self, table: dict[str, Any]) -> None: ...


class LocalCatalog:
    def __init__(self, root: Path, database: str):
        self.folder = LakeLayout(Path(root)).catalog_folder(database)
        self.folder.mkdir(parents=True, exist_ok=True)

    def get_table(self, name: str) -> dict[str, Any] | None:
        path = self.folder / f"{name}.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def put_table(self, table: dict[str, Any]) -> None:
        path = self.folder / f"{table['name']}.json"
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(table, sort_keys=True, indent=2) + "\n")
        temporary.replace(path)


_HIVE_TYPES = {
    "string": "string",
    "int": "int",
    "bigint": "bigint",
    "double": "double",
    "float": "float",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "smallint": "smallint",
    "tinyint": "tinyint",
    "binary": "binary",
}


PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
# The processed and curated tables; a raw table states its own (runtime/raw_catalog.py).
PARQUET_STORAGE = {
    "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "serde": PARQUET_SERDE,
    "parameters": {"classification": "parquet"},
}


def _column(column: dict[str, str]) -> dict[str, str]:
    entry = {"Name": column["name"], "Type": _HIVE_TYPES.get(column["type"], column["type"])}
    if column.get("comment"):
        entry["Comment"] = column["comment"]
    return entry


class GlueCatalog:
    """Tables in the pipeline's Glue database with Hive-style partitions: processed and curated
    as Parquet, raw over its manifests (runtime/raw_catalog.py)."""

    def __init__(self, database: str, client=None):
        import boto3

        self.database = database
        self.glue = client or boto3.client("glue")

    def get_table(self, name: str) -> dict[str, Any] | None:
        try:
            table = self.glue.get_table(DatabaseName=self.database, Name=name)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            return None
        entry = {**json.loads(table.get("Parameters", {}).get("pipegen", "{}")), "name": name}
        keys = entry.get("partition_keys", [])
        if keys:
            values = sorted(self._partition_values(name))
            entry["partitions"] = [dict(zip(keys, v, strict=True)) for v in values]
        return entry

    def put_table(self, table: dict[str, Any]) -> None:
        partition_keys = [{"Name": k, "Type": "string"} for k in table["partition_keys"]]
        summary = {k: v for k, v in table.items() if k != "partitions"}
        storage = table.get("storage", PARQUET_STORAGE)
        table_input = {
            "Name": table["name"],
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {**storage["parameters"], "pipegen": json.dumps(summary)},
            "PartitionKeys": partition_keys,
            "StorageDescriptor": {
                "Columns": [_column(c) for c in table["columns"]],
                "Location": table["location"],
                "InputFormat": storage["input_format"],
                "OutputFormat": storage["output_format"],
                "SerdeInfo": {
                    "SerializationLibrary": storage["serde"],
                    "Parameters": storage.get("serde_parameters", {}),
                },
            },
        }
        try:
            self.glue.create_table(DatabaseName=self.database, TableInput=table_input)
        except self.glue.exceptions.AlreadyExistsException:
            self.glue.update_table(DatabaseName=self.database, TableInput=table_input)
        if table["partition_keys"]:
            self._sync_partitions(table, table_input["StorageDescriptor"])

    def _sync_partitions(self, table: dict[str, Any], descriptor: dict[str, Any]) -> None:
        """Make the table's partitions in the catalog exactly `table["partitions"]`."""
        keys = table["partition_keys"]
        wanted = {tuple(str(p[k]) for k in keys) for p in table.get("partitions", [])}
        present = self._partition_values(table["name"])
        new = [
            {
                "Values": list(values),
                "StorageDescriptor": {
                    **descriptor,
                    "Location": table["location"]
                    + "/".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))
                    + "/",
                },
            }
            for values in sorted(wanted - present)
        ]
        where = {"DatabaseName": self.database, "TableName": table["name"]}
        # Glue takes at most 100 partitions a create call and 25 a delete call.
        self._batched(self.glue.batch_create_partition, "PartitionInputList", new, 100, where)
        gone = [{"Values": list(v)} for v in sorted(present - wanted)]
        self._batched(self.glue.batch_delete_partition, "PartitionsToDelete", gone, 25, where)

    @staticmethod
    def _batched(call: Any, field: str, items: list, size: int, where: dict[str, str]) -> None:
        for start in range(0, len(items), size):
            response = call(**where, **{field: items[start : start + size]})
            # The batch calls report per-partition failures in the response, not by raising.
            errors = response.get("Errors", [])
            if errors:
                raise RuntimeError(f"the Glue Data Catalog refused partitions: {errors[:3]}")

    def _partition_values(self, name: str) -> set[tuple[str, ...]]:
        paginator = self.glue.get_paginator("get_partitions")
        pages = paginator.paginate(DatabaseName=self.database, TableName=name)
        return {tuple(p["Values"]) for page in pages for p in page["Partitions"]}
