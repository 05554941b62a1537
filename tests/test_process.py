"""Processing on the shared SparkSession: a transform that reads another reads it as staged."""

from __future__ import annotations

import pytest

from helpers import local_context, stage_configs
from pipegen_runtime import ingest, process

pytestmark = pytest.mark.spark

# `stamped_at` differs between two evaluations of the same plan (each query takes its own
# current_timestamp), so `latest` equals `stamped` as staged only if it reads the staged rows.
SPEC = """\
apiVersion: pipegen/v1
pipeline: picks
owner: data@example.com
sources:
  items:
    format: csv
    landing: incoming/items/
    read: {header: true}
    schema: {id: int}
transforms:
  stamped:
    from: items
    steps:
      - derive: {stamped_at: "current_timestamp()"}
  latest:
    from: stamped
    steps:
      - sql:
          query: SELECT count(*) AS items, max(stamped_at) AS stamped_at FROM this
"""


def test_a_later_transform_reads_the_rows_staged_for_its_input(spark, tmp_path):
    spec = tmp_path / "picks.yaml"
    spec.write_text(SPEC)
    configs = stage_configs(spec)
    lake = tmp_path / "lake"
    landing = lake / "raw" / "incoming" / "items"
    landing.mkdir(parents=True)
    (landing / "items.csv").write_text("id\n" + "".join(f"{i}\n" for i in range(50)))
    ingest.run(local_context(spark, lake, configs["ingestion"], "ingestion"))

    summary = process.run(local_context(spark, lake, configs["processing"], "processing"))

    assert summary["tables"] == {"stamped": 50, "latest": 1}
    staging = lake / "curated" / "_staging" / "processing" / summary["batch_id"]
    stamped = spark.read.parquet(str(staging / "stamped")).agg({"stamped_at": "max"}).first()[0]
    (latest,) = spark.read.parquet(str(staging / "latest")).collect()
    assert latest["items"] == 50
    assert latest["stamped_at"] == stamped
