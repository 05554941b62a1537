"""The quality job: evaluate the staged curated tables, report, then publish or block.

It checks the newest committed processing batch. Results and metrics go to the quality history;
a JSON and an HTML report go to `curated/_quality/reports/<batch>/`. Unless `on_failure: block`
and a table failed, the staged tables are published into `curated/<table>/` (copy, commit, then
remove the previous files), so a crash leaves either the old or the new table, never a mix.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from . import failed_rows, publish, quality_report, rule_units, rules
from .columns import in_partitions, partition_folders
from .events import announce
from .faults import crash_point
from .messages import QUALITY_RESULT
from .process import load_sources
from .quarantine_report import since_last_check
from .rule_units import number

if TYPE_CHECKING:
    from .context import Context

STAGE = "quality"


def run(ctx: Context) -> dict[str, Any]:
    repaired = publish.repair(ctx, STAGE, "curated")
    done = {b.batch_id for b in ctx.state.committed_batches(STAGE)}
    processed = ctx.state.committed_batches("processing")
    waiting = [b for b in processed if b.batch_id not in done]
    if not waiting:
        summary = {"stage": STAGE, "tables": {}, "repaired_batches": repaired, "checked": False}
        return {**summary, **still_blocked(ctx)}
    processing = waiting[-1]
    batch = ctx.state.begin_batch(STAGE, processing.batch_id, ctx.now(), {"name": "quality"})
    tables = _tables(ctx, processing)
    reports = {
        name: evaluate_table(ctx, name, tables[name], tables, batch) for name in ctx.config.tables
    }
    quarantine = since_last_check(ctx, processing, [b for b in processed if b.batch_id in done])
    report = quality_report.overall(ctx, batch, reports, quarantine)
    report_path = quality_report.write(ctx, report)
    errors = [
        f"{t}.{r['rule_id']}: {r['message']}"
        for t, rep in reports.items()
        for r in rep["rules"]
        if r["status"] == "error"
    ]
    if errors:
        raise RuntimeError("quality rules could not be evaluated: " + "; ".join(errors))
    _finish(ctx, processing, batch, report, waiting[:-1], report_path)
    if not report["blocked"]:
        announce(
            ctx,
            "run_succeeded",
            {
                "tables": len(reports),
                "outcome": report["outcome"],
                "score": number(report["score"]),
                "report": report_path,
            },
        )
    return {
        "stage": STAGE,
        "checked": True,
        "batch_id": batch.batch_id,
        "score": report["score"],
        "outcome": report["outcome"],
        "blocked": report["blocked"],
        "report": report_path,
        "rules_not_passed": sum(
            r["status"] != "pass" for rep in reports.values() for r in rep["rules"]
        ),
        "failed_rows_stored": report["failed_rows_stored"],
        "tables": {
            n: {
                "score": r["score"],
                "outcome": r["outcome"],
                "rows": r["rows"],
                "failed_rows_stored": r["failed_rows_stored"],
            }
            for n, r in reports.items()
        },
        "repaired_batches": repaired,
    }


def still_blocked(ctx: Context) -> dict[str, Any]:
    """When the newest processed batch was blocked, every later attempt of this job fails too
    (a Glue retry must not turn a block into a success), without reporting it again."""
    batch = blocked_batch(ctx.state)
    if batch is None:
        return {}
    return {
        "blocked": True,
        "batch_id": batch.batch_id,
        "report": batch.info.get("report", ""),
        "already_reported": True,
    }


def blocked_batch(state: Any) -> Any | None:
    """The newest processing batch, if quality blocked it (no newer data has replaced it)."""
    processed = state.committed_batches("processing")
    if not processed:
        return None
    verdicts = {b.batch_id: b for b in state.committed_batches(STAGE)}
    verdict = verdicts.get(processed[-1].batch_id)
    return verdict if verdict is not None and verdict.info.get("blocked") else None


def _tables(ctx: Context, processing: Any) -> dict[str, Any]:
    tables = load_sources(ctx, ctx.state.committed_batches("ingestion"))
    for name, staged in processing.info["tables"].items():
        tables[name] = curated_table(ctx, name, staged)
    return tables


def curated_table(ctx: Context, name: str, staged: dict[str, Any]) -> Any:
    """The table as it will be once published: the staged rows, plus (when only some
    partitions were recomputed) the published rows of every other partition."""

    keys = staged["partition_keys"]
    schema = ", ".join(f"`{c['name']}` {c['type']}" for c in staged["columns"])
    has_files = publish.staged_files(ctx, "curated", staged["location"], ".parquet")
    frame = (
        ctx.spark.read.parquet(ctx.storage.uri("curated", staged["location"]))
        if has_files
        else ctx.spark.createDataFrame([], schema)
    )
    if staged.get("mode") == "partitions" and ctx.storage.list("curated", f"{name}/"):
        root = ctx.storage.uri("curated", f"{name}/")
        old = ctx.spark.read.option("basePath", root).parquet(root)
        old = old.filter(~in_partitions(keys, staged["partitions"]))
        frame = old.unionByName(frame, allowMissingColumns=True)
    return frame.drop(*keys)


def evaluate_table(
    ctx: Context, name: str, frame: Any, tables: dict[str, Any], batch: Any
) -> dict[str, Any]:
    history = ctx.state.quality_history(name, ctx.config.quality.history_runs)
    history = [h for h in history if h.get("batch_id") != batch.batch_id]
    specs = ctx.config.quality.tables.get(name, ())
    results, checks = [], []
    for index, rule in enumerate(specs):
        ((kind, args),) = rule.items()
        result = rules.new_result(kind, args, index)
        results.append(result)
        checks.append((result, kind, args))
    rows, scans = _single_pass(ctx, name, frame, checks)
    metrics: dict[str, float] = {"row_count": rows, "column_count": len(frame.columns)}
    for result, kind, args in checks:
        if result.status != "error" and kind not in rules.ROW_RULES + rules.AGGREGATE_RULES:
            _other_rule(ctx, frame, tables, result, kind, args, rows, history, metrics)
        if result.observed is not None:
            metrics[result.rule_id] = result.observed
    for result, kind, args in checks:
        if result.status != "error" and kind == "anomaly":
            _anomaly(result, args, metrics, history)
    _keep_failed_rows(ctx, name, frame, tables, checks, batch)
    failed_rows.prune(ctx, name, {h["batch_id"] for h in history} | {batch.batch_id})
    for result, kind, args in checks:
        result.expected = rule_units.expected(kind, args)
        result.observed_text = rule_units.observed(result.to_dict(), args)
    table_score = rules.score(results)
    table_outcome = rules.outcome(results, table_score, ctx.config.quality.score)
    scores = [h["score"] for h in history] + [table_score]
    ctx.state.record_quality(
        name,
        batch.started_at,
        {
            "batch_id": batch.batch_id,
            "run_at": batch.started_at,
            "score": table_score,
            "outcome": table_outcome,
            "metrics": metrics,
            "columns": frame.columns,
            "statuses": {r.rule_id: r.status for r in results},
        },
    )
    return {
        "table": name,
        "rows": rows,
        "score": table_score,
        "outcome": table_outcome,
        "rules": [r.to_dict() for r in results],
        "metrics": metrics,
        "score_history": scores,
        "history": [_past_run(h) for h in history],
        "score_trend": rules.trend(scores),
        "failed_rows_stored": sum(r.failed_rows.get("stored", 0) for r in results),
        "single_pass_scans": scans,
    }


def _past_run(record: dict[str, Any]) -> dict[str, Any]:
    """What the report keeps of an earlier run of a table: enough to chart it, compare with
    it and link to its report."""
    return {
        "batch_id": record["batch_id"],
        "run_at": record["run_at"],
        "score": record["score"],
        "rows": record.get("metrics", {}).get("row_count"),
        "outcome": record.get("outcome"),
        "statuses": record.get("statuses", {}),
    }


def _keep_failed_rows(
    ctx: Context, table: str, frame: Any, tables: dict[str, Any], checks: list, batch: Any
) -> None:
    """Per row-level rule with failing rows (a rule within its tolerance too: its rows are
    still wrong): the rows, stored (up to the spec's cap; none with a cap of 0), and the first
    of them in the report. One Spark job gathers them for every such rule (the per-column
    rules share one scan), one write stores them."""
    picked = [
        (result.rule_id, kind, args)
        for result, kind, args in checks
        if result.status != "error" and result.failed and kind in rules.ROW_LEVEL_RULES
    ]
    if not picked:
        return
    cap = ctx.config.quality.failed_rows_per_rule
    per_column = [p for p in picked if p[1] in rules.ROW_RULES]
    parts = [failed_rows.per_column_failures(frame, per_column)] if per_column else []
    keys = [p for p in picked if p[1] in rules.KEY_ROW_RULES]
    parts += [failed_rows.key_failures(frame, tables, keys)] if keys else []
    failures = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    limit = cap or failed_rows.SAMPLES_IN_REPORT
    schema, by_rule = failed_rows.first_rows(failures, frame.columns, limit, batch.batch_id)
    stored = failed_rows.store(ctx, table, batch.batch_id, schema, by_rule) if cap else {}
    for result, _, _ in checks:
        result.failed_rows = stored.get(result.rule_id, {})
        result.samples = failed_rows.samples(by_rule.get(result.rule_id, []))


def _single_pass(ctx: Context, name: str, frame: Any, checks: list) -> tuple[int, int]:
    """Every row and aggregate rule of the table in one `agg`; returns (rows, input scans).
    (Observing these aggregates on the scan that gathers failing rows was measured slower:
    Spark interprets observed metrics row by row, where `agg` compiles them.)"""
    from pyspark.sql import functions as F
    from pyspark.sql.utils import AnalysisException

    aggregates = [F.count(F.lit(1)).alias("__rows")]
    planned = []
    for result, kind, args in checks:
        if kind not in rules.ROW_RULES + rules.AGGREGATE_RULES:
            continue
        try:
            exprs = _aggregates(kind, args, len(planned))
            _ = frame.select(*exprs).schema  # analysis only: a bad column or expression fails here
        except (AnalysisException, ValueError) as exc:
            rules.fail_to_evaluate(result, _first_line(exc))
            continue
        aggregates += exprs
        planned.append((result, kind, args, len(planned)))
    query = frame.agg(*aggregates)
    scans = scan_count(query)
    row = query.collect()[0]
    for result, kind, args, slot in planned:
        _judge_single(result, kind, args, row, slot)
    return row["__rows"], scans


def scan_count(query: Any) -> int:
    """How many times a query's plan reads its input files (the single-pass proof)."""
    plan = query._jdf.queryExecution().executedPlan().toString()
    return plan.count("FileScan") + plan.count("Scan ExistingRDD") + plan.count("InMemoryTableScan")


def _aggregates(kind: str, args: dict[str, Any], slot: int) -> list[Any]:
    from pyspark.sql import functions as F

    where = F.expr(args.get("where") or "true")
    if kind in rules.ROW_RULES:
        passes = F.expr(rules.row_condition(kind, args))
        return [
            F.sum(F.when(where, 1).otherwise(0)).alias(f"__c{slot}"),
            F.sum(F.when(where & ~passes, 1).otherwise(0)).alias(f"__f{slot}"),
        ]
    value = F.when(where, F.col(f"`{args['column']}`")) if "column" in args else None
    if kind == "row_count":
        return [F.sum(F.when(where, 1).otherwise(0)).alias(f"__v{slot}")]
    if kind == "distinct_count":
        return [F.countDistinct(value).alias(f"__v{slot}")]
    if kind == "freshness":
        # Epoch seconds: the age is reckoned in UTC whatever time zone the driver runs in.
        return [F.max(value.cast("timestamp")).cast("double").alias(f"__v{slot}")]
    stat = args["stat"]
    if stat == "percentile":
        if args.get("percentile") is None:
            raise ValueError("statistic percentile needs 'percentile'")
        percentile = F.percentile_approx(value, float(args["percentile"]))
        return [percentile.cast("double").alias(f"__v{slot}")]
    function = {"mean": F.avg, "sum": F.sum, "stddev": F.stddev, "min": F.min, "max": F.max}
    return [function[stat](value).cast("double").alias(f"__v{slot}")]


def _judge_single(result: Any, kind: str, args: dict[str, Any], row: Any, slot: int) -> None:
    if kind in rules.ROW_RULES:
        rules.judge_rows(result, args, int(row[f"__c{slot}"] or 0), int(row[f"__f{slot}"] or 0))
        return
    value = row[f"__v{slot}"]
    if kind == "freshness":
        age = None if value is None else (time.time() - value) / 3600
        result.observed = None if age is None else round(age, 3)
        ok = age is not None and age <= float(args["max_age_hours"])
        result.message = "" if age is not None else "no value (no rows, or only nulls)"
        rules.judge(result, ok)
        return
    rules.judge_value(result, args, None if value is None else float(value))


def _other_rule(ctx, frame, tables, result, kind, args, rows, history, metrics) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql.utils import AnalysisException

    try:
        subject = frame.filter(F.expr(args["where"])) if args.get("where") else frame
        OTHER_RULES[kind](ctx, subject, tables, result, args, rows, history)
    except (AnalysisException, KeyError) as exc:
        rules.fail_to_evaluate(result, _first_line(exc))


def _duplicates(frame: Any, columns: list[str]) -> int:
    from pyspark.sql import functions as F

    groups = frame.groupBy(*[F.col(f"`{c}`") for c in columns]).count().filter("count > 1")
    return int(groups.agg(F.sum("count")).collect()[0][0] or 0)


def _subject_rows(frame: Any, args: dict[str, Any], rows: int) -> int:
    """The rows a rule checks: the table's, counted in the single pass, unless it has a
    `where` (then its own count: one scan more)."""
    return frame.count() if args.get("where") else rows


def _unique(ctx, frame, tables, result, args, rows, history) -> None:
    checked = _subject_rows(frame, args, rows)
    failed = _duplicates(frame, args["columns"])
    if result.kind == "primary_key":
        nulls = frame.filter(" OR ".join(f"`{c}` IS NULL" for c in args["columns"])).count()
        failed += nulls
    rules.judge_rows(result, rules.EVERY_ROW, checked, failed)


def _duplicate_pct(ctx, frame, tables, result, args, rows, history) -> None:
    checked = _subject_rows(frame, args, rows)
    distinct = frame.select(*[f"`{c}`" for c in args["columns"]]).distinct().count()
    pct = 0.0 if checked == 0 else 100.0 * (checked - distinct) / checked
    result.observed, result.checked = round(pct, 6), checked
    ok = pct <= float(args["max_pct"])
    rules.judge(result, ok)


def _references(ctx, frame, tables, result, args, rows, history) -> None:
    from pyspark.sql import functions as F

    column = F.col(f"`{args['column']}`")
    keys = tables[args["table"]].select(F.col(f"`{args['key']}`").alias("__key")).distinct()
    present = frame.filter(column.isNotNull())
    failed = present.join(keys, column == F.col("__key"), "left_anti").count()
    rules.judge_rows(result, args, present.count(), failed)


def _row_count_match(ctx, frame, tables, result, args, rows, history) -> None:
    other = tables[args["table"]].count()
    diff = 0.0 if other == 0 and rows == 0 else 100.0 * abs(rows - other) / max(other, 1)
    result.observed = round(diff, 6)
    ok = diff <= float(args["tolerance_pct"])
    result.message = f"{number(rows)} rows here, {number(other)} in {args['table']}"
    rules.judge(result, ok)


def _sql_metric(ctx, frame, tables, result, args, rows, history) -> None:
    frame.createOrReplaceTempView("this")
    value = ctx.spark.sql(args["query"]).collect()[0][0]
    rules.judge_value(result, args, None if value is None else float(value))


def _column_exists(ctx, frame, tables, result, args, rows, history) -> None:
    missing = [c for c in args["columns"] if c not in frame.columns]
    result.message = f"missing: {', '.join(missing)}" if missing else ""
    rules.judge(result, not missing)


def _column_count(ctx, frame, tables, result, args, rows, history) -> None:
    rules.judge_value(result, args, float(len(frame.columns)))


def _data_type(ctx, frame, tables, result, args, rows, history) -> None:
    actual = dict(frame.dtypes)[args["column"]]
    result.message = "" if actual == args["type"] else f"type is {actual}"
    rules.judge(result, actual == args["type"])


def _schema_change(ctx, frame, tables, result, args, rows, history) -> None:
    if not history:
        result.message = "no earlier run to compare with"
        return
    before = history[-1].get("columns", [])
    added = [c for c in frame.columns if c not in before]
    removed = [c for c in before if c not in frame.columns]
    result.message = f"added {added}, removed {removed}" if added or removed else ""
    rules.judge(result, not (added or removed))


def _row_count_change(ctx, frame, tables, result, args, rows, history) -> None:
    if not history:
        result.message = "no earlier run to compare with"
        return
    before = history[-1]["metrics"]["row_count"]
    change = 0.0 if before == rows else 100.0 * abs(rows - before) / max(before, 1)
    result.observed = round(change, 6)
    ok = change <= float(args["max_pct"])
    result.message = f"{number(before)} rows last run, {number(rows)} now"
    rules.judge(result, ok)


def _anomaly(result: Any, args: dict[str, Any], metrics: dict[str, float], history: list) -> None:
    metric = args["metric"]
    if metric not in metrics:
        rules.fail_to_evaluate(result, f"no metric '{metric}'; known: {', '.join(sorted(metrics))}")
        return
    past = [h["metrics"][metric] for h in history if metric in h.get("metrics", {})]
    z = rules.zscore(float(metrics[metric]), past[-int(args["lookback"]) :])
    result.observed = None if z is None else round(z, 4)
    if z is None:
        result.message = f"not enough history ({len(past)} runs; 3 needed)"
        return
    ok = abs(z) <= float(args["max_z"])
    result.message = f"{metric} = {number(metrics[metric])} against {len(past)} past runs"
    rules.judge(result, ok)


OTHER_RULES = {
    "unique": _unique,
    "primary_key": _unique,
    "duplicate_pct": _duplicate_pct,
    "references": _references,
    "row_count_match": _row_count_match,
    "sql_metric": _sql_metric,
    "column_exists": _column_exists,
    "column_count": _column_count,
    "data_type": _data_type,
    "schema_change": _schema_change,
    "row_count_change": _row_count_change,
    "anomaly": lambda *a: None,
}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]


def _finish(
    ctx: Context, processing: Any, batch: Any, report: dict[str, Any], older: list, report_path: str
) -> None:
    for table, rep in report["tables"].items():
        ctx.metrics.put("QualityScore", rep["score"], "None", Table=table)
        ctx.metrics.put("RulesFailed", sum(1 for r in rep["rules"] if not r["passed"]), Table=table)
    # Every result is announced; the quality-result rule alerts on warn and fail only.
    ctx.events.emit(
        QUALITY_RESULT,
        {
            "pipeline": ctx.pipeline,
            "environment": ctx.config.environment,
            "batch": batch.batch_id,
            "outcome": report["outcome"],
            "score": report["score"],
            "warn_below": report["thresholds"]["warn_below"],
            "fail_below": report["thresholds"]["fail_below"],
            "published": "no" if report["blocked"] else "yes",
            "report": report_path,
        },
    )
    if report["blocked"]:
        info = {"name": "quality", "blocked": True, "report": report_path}
        ctx.state.commit_batch(STAGE, batch.batch_id, info, [])
    else:
        _publish(ctx, processing, batch)
    for stale in older:
        ctx.state.begin_batch(STAGE, stale.batch_id, ctx.now(), {"name": "quality"})
        ctx.state.commit_batch(
            STAGE, stale.batch_id, {"name": "quality", "superseded_by": batch.batch_id}, []
        )


def _replaced(key: str, staged: dict[str, Any]) -> bool:
    """Whether a published file belongs to what this batch replaces (all, or its partitions)."""
    if staged.get("mode") != "partitions":
        return True
    folders = partition_folders(key)
    return any(all(folders.get(k) == str(v) for k, v in p.items()) for p in staged["partitions"])


def _published_partitions(ctx: Context, name: str, keys: list[str]) -> list[dict[str, str]]:
    """The table's partitions as published, read off its files' folders."""
    if not keys:
        return []
    found = set()
    for obj in ctx.storage.list("curated", f"{name}/"):
        folders = partition_folders(obj.key)
        if all(k in folders for k in keys):
            found.add(tuple(folders[k] for k in keys))
    return [dict(zip(keys, values, strict=True)) for values in sorted(found)]


def _publish(ctx: Context, processing: Any, batch: Any) -> None:
    pairs = []
    for name, staged in processing.info["tables"].items():
        files = publish.staged_files(ctx, "curated", staged["location"], ".parquet")
        pairs += publish.plan_targets(files, staged["location"], f"{name}/", batch.batch_id)
    ctx.state.update_batch(
        STAGE, batch.batch_id, {"name": "quality", "targets": [t for _, t in pairs]}
    )
    for index, (staged_key, target) in enumerate(pairs):
        ctx.storage.copy("curated", staged_key, target)
        if index == len(pairs) // 2:
            crash_point("quality.mid-publish")
    ctx.state.commit_batch(STAGE, batch.batch_id, {"name": "quality", "published": True}, [])
    for name, staged in processing.info["tables"].items():
        for old in ctx.storage.list("curated", f"{name}/"):
            if f"/part-{batch.batch_id}-" not in "/" + old.key and _replaced(old.key, staged):
                ctx.storage.delete("curated", old.key)
        ctx.catalog.put_table(
            {
                "name": name,
                "zone": "curated",
                "location": ctx.storage.uri("curated", f"{name}/"),
                "columns": staged["columns"],
                "partition_keys": staged["partition_keys"],
                "partitions": _published_partitions(ctx, name, staged["partition_keys"]),
                "batch": batch.batch_id,
            }
        )
    ctx.storage.delete_prefix("curated", publish.STAGING)
