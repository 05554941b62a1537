"""What each spec key means, in one sentence: the JSON Schema's descriptions (editor hovers).

Keyed by property name; `(Model, name)` entries say more where a name means something else in
one model. tests/test_json_schema.py fails on a property without a description, so a new key
in a model gets its sentence here or the build says so.
"""

from __future__ import annotations

_RULE = "Quality rule: "
BY_NAME: dict[str, str] = {
    # The document
    "apiVersion": "The spec language version; `pipegen/v1`.",
    "pipeline": "The pipeline's name (lower kebab case): the prefix of every AWS resource name.",
    "owner": "Who answers for this pipeline (an e-mail address or team name); tagged on resources.",
    "tags": "Tags put on every resource (at most 46: pipegen adds 4); drive cost allocation.",
    "defaults": "Settings every job starts from.",
    "jobs": "Glue job settings (ingestion, processing, quality) over `defaults.jobs`.",
    "environments": "Environments (dev, staging, prod...): each its own stack and region.",
    "region": "The AWS region the environment's stack is deployed to.",
    "overrides": "Spec settings deep-merged over this file for this environment only.",
    "sources": "Datasets arriving in the raw bucket, by name (lower snake case).",
    "transforms": "Curated tables the processing job builds from sources, by name.",
    "quality": "Quality rules per curated table, the score and what a failure does.",
    "schedule": "A Glue cron(...) schedule (6 fields, UTC), besides the runs file arrivals start.",
    "alerts": "Who hears about failures and the alarms that tell them.",
    "budget": "An AWS Budget and cost anomaly alert for this stack, and what the estimate assumes.",
    "network": "Whether the jobs run in a private VPC (with endpoints) or on Glue's network.",
    "retention": "How long each zone keeps data, in days.",
    # Jobs
    "glue_version": "The Glue version the jobs run on (5.1: Spark 3.5, Python 3.11).",
    "worker_type": "The Glue worker type (G.1X: 4 vCPU, 16 GB).",
    "workers": "The number of Glue workers per job run (2-299).",
    "timeout_minutes": "Minutes before Glue stops a job run (1-2880).",
    "max_retries": "How many times a failed run is retried.",
    "execution_class": "flex (spare capacity, 34% cheaper, may start later) or standard; "
    "default: flex in dev, test and staging environments, standard elsewhere.",
    "auto_scaling": "Glue adds and removes workers as the work needs; `workers` is the ceiling.",
    # Sources
    "format": "The file format: csv, json, jsonl, parquet, orc, avro or auto (detected).",
    "landing": "The key prefix in the raw bucket where files arrive (e.g. `incoming/orders/`).",
    "kind": "`append` adds each file's rows; `reference` replaces the table whole (lookups).",
    "read": "How files are read (CSV and text options).",
    "schema": "Column name -> type; when left out, inferred at ingestion and recorded.",
    "partition_by": "The column whose date partitions the table (year=/month=/day= folders).",
    "accept": "The landing check a file must pass before any job sees it.",
    "on_incompatible_schema": "A file whose columns do not fit: `quarantine` it or `fail` the run.",
    "on_identical_file": "A file whose content was already ingested (a re-sent file): `skip` it"
    " with a notice, or `ingest` it again.",
    "header": "Whether the first CSV line holds the column names (default true).",
    "delimiter": "The CSV field separator (default `,`).",
    "quote": 'The CSV quote character (default `"`).',
    "escape": "The CSV escape character (default `\\`).",
    "null_values": "Text values read as null (e.g. `NA`, empty).",
    "multiline": "Whether a CSV field or JSON record may span lines.",
    "encoding": "The text encoding: utf-8 (default), latin-1 or utf-16.",
    "date_format": "The Spark pattern dates are written in (e.g. `M/d/yyyy`); ISO when left out.",
    "timestamp_format": "The Spark pattern timestamps are written in (e.g. `yyyy-MM-dd HH:mm:ss`).",
    "granularity": "Partition folders per day, month or year.",
    "max_size_mb": "Files larger than this are rejected at landing.",
    "min_size_bytes": "Files smaller than this (e.g. empty) are rejected at landing.",
    "name_pattern": "A regular expression every arriving file name must match.",
    "extensions": "File name endings accepted at landing (e.g. `.csv`).",
    # Transforms
    "from": "The source or transform this table is built from.",
    "steps": "Steps applied in order to the input (at most 100).",
    "dedupe": "Step: keep one row per key (the first by `order_by`).",
    "keys": "The columns that identify a row.",
    "order_by": "Which duplicate survives: SQL orderings, first wins (default newest ingested).",
    "filter": "Step: keep the rows where this Spark SQL condition is true.",
    "derive": "Step: new column name -> Spark SQL expression over the input's columns.",
    "join": "Step: join another source or transform.",
    "with": "The source or transform to join.",
    "on": "Join columns: a name, a list of names, or left name -> right name.",
    "how": "The join type: inner, left, right, full, semi or anti.",
    "aggregate": "Step: group rows and compute metrics.",
    "by": "Grouping expressions (`col` or `expr AS name`).",
    "metrics": "Output column -> aggregate expression (e.g. `count(*)`).",
    "select": "Step: keep these columns or expressions (`expr AS name`), in this order.",
    "rename": "Step: old column name -> new name.",
    "cast": "Step: column -> new type.",
    "sql": "Step: one Spark SQL SELECT over `this` (the input) and the declared `inputs`.",
    "inputs": "Other tables the SQL may read, by name.",
    "query": "One Spark SQL SELECT over `this`.",
    # Quality
    "tables": "Rules per curated table (at most 200 each).",
    "score": "The weighted pass score below which a run warns or fails.",
    "fail_below": "A score below this fails the run.",
    "warn_below": "A score below this warns.",
    "on_failure": "What a failing score does: `alert`, or `block` (curated output not published).",
    "history_runs": "How many past results anomaly and change rules compare with.",
    "failed_rows_per_rule": (
        "Failing rows each run keeps per row-level rule, with the reason, under "
        "`_quality/failed_rows/<table>/<rule>/` in the curated zone (0: none, the report "
        "still shows the first 10)."
    ),
    "not_null": _RULE + "the columns are never null.",
    "completeness": _RULE + "at least min_pct of the column's values are present.",
    "unique": _RULE + "no two rows share these columns' values.",
    "primary_key": _RULE + "the columns are unique and never null.",
    "duplicate_pct": _RULE + "at most max_pct of rows repeat these columns' values.",
    "distinct_count": _RULE + "the column's number of distinct values is within min..max.",
    "in_set": _RULE + "the column's values are among `values`.",
    "not_in_set": _RULE + "the column's values are never among `values`.",
    "regex": _RULE + "the column's values match `pattern`.",
    "range": _RULE + "the column's values are within min..max.",
    "length": _RULE + "the column's text lengths are within min..max.",
    "data_type": _RULE + "the column has this type.",
    "compare": _RULE + "`left op right` holds row by row.",
    "references": _RULE + "every value is found in another table's key column.",
    "row_count_match": _RULE + "the row count is within tolerance_pct of another table's.",
    "column_exists": _RULE + "these columns exist.",
    "column_count": _RULE + "the number of columns is within min..max.",
    "schema_change": _RULE + "the columns are those of the last run.",
    "statistic": _RULE + "a statistic of the column is within min..max.",
    "sql_metric": _RULE + "a one-value SQL query's result is within min..max.",
    "expression": _RULE + "a Spark SQL condition holds row by row.",
    "freshness": _RULE + "the newest value of the column is at most max_age_hours old.",
    "row_count": _RULE + "the number of rows is within min..max.",
    "row_count_change": _RULE + "the row count changed by at most max_pct since the last run.",
    "anomaly": _RULE + "a metric stays within max_z standard deviations of its history.",
    "name": "The rule's name in reports (default: derived from the rule).",
    "severity": "`error` counts against the score; `warn` only reports.",
    "weight": "The rule's weight in the score (default 1).",
    "where": "A Spark SQL condition: the rule looks only at these rows.",
    "min_pct": "The least percentage of rows that must pass (default 100).",
    "warn_pct": "Below this percentage of rows passing, the rule warns.",
    "max_failures": "The most failing rows allowed, as a count (besides min_pct).",
    "column": "The column the rule checks.",
    "columns": "The columns the rule checks.",
    "missing_values": "Values that count as missing besides null (e.g. empty text).",
    "values": "The allowed (or forbidden) values.",
    "pattern": "A regular expression (Java syntax, as Spark runs it).",
    "min": "The lower bound (inclusive).",
    "max": "The upper bound (inclusive).",
    "type": "The expected Spark type (e.g. `date`, `decimal(10,2)`).",
    "left": "The left column.",
    "right": "The right column.",
    "op": "The comparison: <, <=, =, !=, >=, >.",
    "table": "The other table, by name.",
    "key": "The key column in the other table.",
    "tolerance_pct": "How far apart the row counts may be, in percent.",
    "stat": "The statistic: mean, min, max, stddev, sum or percentile.",
    "percentile": "The percentile (0-100) when stat is percentile.",
    "max_pct": "The most percent allowed.",
    "max_age_hours": "How old the newest value may be, in hours.",
    "metric": "The metric watched for anomalies (e.g. row_count).",
    "lookback": "How many past runs the anomaly model uses.",
    "max_z": "How many standard deviations from the past runs' mean count as an anomaly.",
    "check": "A Spark SQL condition every row must satisfy.",
    # Alerts
    "email": "Addresses subscribed to the alert topic (each confirms by mail).",
    "notices": "Opt-in notices of runs: run_started, run_succeeded, each to its own addresses.",
    "job_duration": "Alarms on job run time, in percent of the job's timeout.",
    "alarm_pct": "Alarm when a run takes this percent of its timeout.",
    "error_rate_pct": "Alarm when this percent of a source's rows are quarantined.",
    "missed_run_hours": "Alarm after this many hours without a successful run (default: from"
    " `schedule`).",
    "rows_anomaly_band": "Standard deviations around the rows-read model before an alarm.",
    "landing_function": "The Lambda function that runs the landing check.",
    "reserved_concurrency": "Concurrent executions reserved for the landing function.",
    "timeout_seconds": "Seconds before the landing function is stopped.",
    # Budget
    "monthly_usd": "The monthly budget in US dollars.",
    "notify_at_pct": "Notify at these percentages of the budget, actual and forecast.",
    "anomaly_usd": "Alert on a cost anomaly of at least this many dollars.",
    "expected": "What `pipegen cost` assumes about volume.",
    "arrivals_per_month": "Files a month that each start a run, besides the schedule.",
    "job_minutes": "Minutes a job run takes (default 10): one figure, or one per job.",
    "gb_per_run": "Gigabytes each run reads.",
    # Network
    "vpc": "Run the jobs in private subnets with VPC endpoints (no internet).",
    "availability_zones": "How many availability zones the subnets span (2-6).",
    "cidr": "The VPC's address range (default 10.40.0.0/16).",
    "nat_gateways": "NAT gateways for internet access from the VPC (default 0).",
    "endpoints": "Interface endpoints of the VPC (each billed per zone and hour); default: all "
    "seven (events, glue, kms, logs, monitoring, sns, sts).",
    "worker_utilization": (
        "Alarms on a job's worker utilisation: sustained high (under-provisioned) or low "
        "(money wasted)."
    ),
    "high_pct": "Utilisation at or above which, `minutes` in a row, a job is under-provisioned.",
    "low_pct": "Utilisation at or below which, for `minutes` in a row, a job wastes workers.",
    "minutes": "How many minutes in a row utilisation must stay past a line before the alarm.",
    # Retention
    "tiering_days": (
        "Days after which processed and curated objects move to S3 Intelligent-Tiering "
        "(null: they stay in S3 Standard)."
    ),
    "raw_archive_days": "Days after which raw files move to `raw_archive_class` (null: never).",
    "raw_archive_class": (
        "The archive class of raw files: GLACIER_IR (instant reads), GLACIER or DEEP_ARCHIVE "
        "(a restore before any read)."
    ),
    "raw_days": "Days raw files are kept, then they expire.",
    "processed_days": "Days processed data is kept.",
    "curated_days": "Days curated data is kept.",
    "noncurrent_days": "Days replaced object versions are kept.",
    "temp_days": "Days Glue's temporary files are kept.",
    "logs_days": "Days logs are kept.",
    "access_log_days": "Days S3 access logs are kept.",
    "abort_multipart_days": "Days before half-finished uploads are removed.",
}
BY_MODEL: dict[tuple[str, str], str] = {
    ("PipelineSpec", "description"): "What the pipeline is for; the stack's description.",
    ("Source", "description"): "What the source holds; the catalog table's description.",
    ("Transform", "description"): "What the table holds; the catalog table's description.",
    ("FormatArgs", "format"): "The format: email, iso_date, iso_timestamp, uuid, url...",
    ("Rule_format", "format"): _RULE + "the column's values have a known format.",
    ("Partitioning", "column"): "The date or timestamp column that chooses the partition.",
    ("JoinArgs", "columns"): "Columns taken from the joined table (a list, or name -> new name).",
    ("SelectArgs", "columns"): "The columns or expressions kept (`expr AS name`).",
    ("Defaults", "jobs"): "Job settings every job starts from.",
    ("JobMinutes", "ingestion"): "Minutes a run of the ingestion job takes.",
    ("JobMinutes", "processing"): "Minutes a run of the processing job takes.",
    ("JobMinutes", "quality"): "Minutes a run of the quality job takes.",
    ("LandingFunction", "max_retries"): "How often EventBridge retries a failed landing check.",
    ("JobDuration", "warn_pct"): "Warn when a run takes this percent of its timeout.",
    ("SqlMetricArgs", "query"): "One Spark SQL SELECT over `this` that returns one value.",
    ("SqlArgs", "query"): "One Spark SQL SELECT over `this` (the input) and the declared inputs.",
}


def describe(model: str, name: str) -> str | None:
    return BY_MODEL.get((model, name)) or BY_NAME.get(name)


def with_descriptions(schema: dict) -> dict:
    """The schema with a description on every property that has none yet."""
    _describe_properties(schema, "PipelineSpec")
    for model, definition in schema.get("$defs", {}).items():
        _describe_properties(definition, model)
    return schema


def _describe_properties(definition: dict, model: str) -> None:
    for name, prop in definition.get("properties", {}).items():
        text = describe(model, name)
        if text and "description" not in prop:
            prop["description"] = text
