"""The ingest flow: inbox -> batches -> validated rows -> one Delta commit per table."""

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import unmapped

from flows.consumers import write_manifest
from flows.inbox import discover_inbox, read_inputs
from flows.lock import warehouse_lock
from flows.rawstore import store_raw
from flows.seeds import load_reference
from flows.settings import Settings
from flows.validation import validate_tables
from flows.warehouse import Warehouse, runs_json
from transforms.errors import ValidationFailure
from transforms.ingest import InputFile, Rejection
from transforms.pipeline import BatchResult, Extractors, process_batch, quarantine_row
from transforms.schema import ARTICLE_TABLES, SCHEMA_VERSION, TABLES, to_arrow


def new_run_id(now: dt.datetime) -> str:
    """Sortable, unique run id."""
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def process_paths(
    paths: list[Path],
    inbox: str,
    warehouse_root: str,
    max_bytes: int,
    ex: Extractors,
    run_id: str,
    ingested_at: dt.datetime,
    seen_sources: frozenset[str],
    seen_content: frozenset[str],
) -> BatchResult:
    """Read one batch of inbox files and run the pure pipeline on them."""
    items = read_inputs(paths, inbox, max_bytes)
    inputs = [i for i in items if isinstance(i, InputFile)]
    result = process_batch(
        inputs,
        ex,
        run_id=run_id,
        ingested_at=ingested_at,
        seen_sources=seen_sources,
        seen_content=seen_content,
    )
    rejected = [
        quarantine_row(r, run_id, ingested_at)
        for r in items
        if isinstance(r, Rejection) and r.source_sha256 not in seen_sources
    ]
    result.inputs_skipped += sum(
        isinstance(r, Rejection) and r.source_sha256 in seen_sources for r in items
    )
    result.files += len(items) - len(inputs)
    if rejected:
        result.tables["quarantine"] = pa.concat_tables(
            [result.tables["quarantine"], to_arrow("quarantine", rejected)]
        )
    store_raw(warehouse_root, result.raw_units)  # before any row points at them
    result.raw_units = []
    return result


def merge_batches(
    results: list[BatchResult], run_id: str, when: dt.datetime
) -> dict[str, pa.Table]:
    """Concatenate batch tables; an article already produced by an earlier batch is a duplicate."""
    seen: set[str] = set()
    parts: dict[str, list[pa.Table]] = {name: [] for name in TABLES if name != "runs"}
    for res in results:
        tables = dict(res.tables)
        dupes = [a for a in res.article_ids if a in seen]
        if dupes:
            arts = tables["articles"].filter(
                pc.is_in(tables["articles"]["article_id"], pa.array(dupes))
            )
            rows = [
                quarantine_row(
                    Rejection(
                        uri,
                        sha,
                        "dedupe",
                        "duplicate_content",
                        f"{uri}: same normalized text as article {aid}",
                        aid,
                    ),
                    run_id,
                    when,
                )
                for aid, uri, sha in zip(
                    arts["article_id"].to_pylist(),
                    arts["source_uri"].to_pylist(),
                    arts["source_sha256"].to_pylist(),
                    strict=True,
                )
            ]
            for name in ARTICLE_TABLES:
                tables[name] = tables[name].filter(
                    pc.invert(pc.is_in(tables[name]["article_id"], pa.array(dupes)))
                )
            tables["quarantine"] = pa.concat_tables(
                [tables["quarantine"], to_arrow("quarantine", rows)]
            )
        seen.update(res.article_ids)
        for name, table in tables.items():
            parts[name].append(table)
    return {
        name: pa.concat_tables(ts) if ts else TABLES[name].schema.empty_table()
        for name, ts in parts.items()
    }


def commit_run(
    wh: Warehouse,
    tables: dict[str, pa.Table],
    run_row: dict[str, Any],
    replace_articles: set[str] | None = None,
) -> dict[str, int]:
    """Commit every table, then the run row with the resulting versions.

    Rows of ``replace_articles`` (a backfill's old results) and orphans of an interrupted
    earlier run are replaced in the same commit as the new rows.
    """
    new_ids = tables["articles"]["article_id"].to_pylist()
    orphans = wh.orphan_article_ids(new_ids)  # left by an interrupted earlier run
    versions = wh.commit(tables, replace_articles=orphans | set(replace_articles or ()))
    run_row["table_versions"] = runs_json(versions)
    run_row["finished_at"] = dt.datetime.now(dt.UTC)
    versions["runs"] = wh.commit({"runs": to_arrow("runs", [run_row])})["runs"]
    write_manifest(wh)
    return versions


def process_feeds(
    feeds: str,
    wh: Warehouse,
    ex: Extractors,
    run_id: str,
    started: dt.datetime,
    seen_sources: frozenset[str],
    seen_content: frozenset[str],
    logger,
) -> BatchResult:
    """Fetch new pages from the feeds in the config file and run them through the pipeline."""
    from flows.feeds import harvest_feeds, load_feed_config

    known = wh.column_values("articles", "url")
    harvest = harvest_feeds(load_feed_config(feeds), known)
    for item in harvest.deferred:
        logger.warning("will retry next run: %s", item)
    result = process_batch(
        harvest.pages,
        ex,
        run_id=run_id,
        ingested_at=started,
        seen_sources=seen_sources,
        seen_content=seen_content,
    )
    store_raw(wh.root, result.raw_units)
    result.raw_units = []
    rejected = [
        quarantine_row(r, run_id, started)
        for r in harvest.rejected
        if r.source_sha256 not in seen_sources
    ]
    result.inputs_skipped += harvest.skipped_known + len(harvest.rejected) - len(rejected)
    if rejected:
        result.tables["quarantine"] = pa.concat_tables(
            [result.tables["quarantine"], to_arrow("quarantine", rejected)]
        )
    return result


feed_task = task(name="fetch-feeds", cache_policy=NO_CACHE, retries=0)(process_feeds)
process_paths_task = task(name="process-batch", cache_policy=NO_CACHE)(process_paths)
validate_task = task(name="validate", cache_policy=NO_CACHE)(validate_tables)
commit_task = task(name="commit", cache_policy=NO_CACHE)(commit_run)


def _chunks(items: list[Path], size: int) -> list[list[Path]]:
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]


def run_row_for(
    run_id: str, flow_name: str, started: dt.datetime, inbox: str, reference
) -> dict[str, Any]:
    """A runs row in its initial, pessimistic state (status failed until the commit)."""
    return {
        "run_id": run_id,
        "flow": flow_name,
        "started_at": started,
        "finished_at": started,
        "inbox": inbox,
        "files_seen": 0,
        "articles_new": 0,
        "inputs_skipped": 0,
        "quarantined": 0,
        "validation_success": False,
        "validation_failures": 0,
        "table_versions": "{}",
        "rows_written": "{}",
        "taxonomy_version": reference.taxonomy.version,
        "gazetteer_version": reference.gazetteer.version,
        "schema_version": SCHEMA_VERSION,
        "status": "failed",
    }


def finish_run(
    wh: Warehouse,
    tables: dict[str, pa.Table],
    run_row: dict[str, Any],
    reference,
    logger,
    replace_articles: set[str] | None = None,
) -> dict:
    """Validate, commit one version per table, record the run, publish artifacts; the summary."""
    run_id = run_row["run_id"]
    try:
        outcome = validate_task(tables, reference, run_id)
    except ValidationFailure as exc:
        run_row["finished_at"] = dt.datetime.now(dt.UTC)
        wh.commit({"runs": to_arrow("runs", [run_row])})
        logger.error("run %s stopped before writing: %s", run_id, exc)
        raise
    tables = outcome.tables
    rows_written = {name: t.num_rows for name, t in tables.items()}
    run_row.update(
        articles_new=tables["articles"].num_rows,
        quarantined=tables["quarantine"].num_rows,
        validation_success=outcome.success,
        validation_failures=len(outcome.failures),
        rows_written=runs_json(rows_written),
        status="succeeded",
    )
    versions = commit_task(wh, tables, run_row, replace_articles)
    summary = {
        "run_id": run_id,
        "flow": run_row["flow"],
        "warehouse": wh.root,
        "inbox": run_row["inbox"],
        "files_seen": run_row["files_seen"],
        "articles_new": run_row["articles_new"],
        "inputs_skipped": run_row["inputs_skipped"],
        "quarantined": run_row["quarantined"],
        "validation_failures": run_row["validation_failures"],
        "rows_written": rows_written,
        "table_versions": versions,
        "taxonomy_version": reference.taxonomy.version,
        "gazetteer_version": reference.gazetteer.version,
        "quarantine_reasons": _reason_counts(tables["quarantine"]),
        "issue_counts": _issue_counts(tables["article_issues"]),
    }
    summary["report"] = publish_artifacts(wh, summary, tables["articles"])
    logger.info(
        "run %s: %d articles written, %d skipped, %d quarantined",
        run_id,
        summary["articles_new"],
        summary["inputs_skipped"],
        summary["quarantined"],
    )
    return summary


@flow(name="alliance-ingest", task_runner=ThreadPoolTaskRunner(max_workers=2))  # type: ignore[arg-type]
def ingest_flow(
    inbox: str | None = None,
    warehouse: str | None = None,
    batch_size: int | None = None,
    lock_timeout: float | None = None,
    feeds: str | None = None,
) -> dict:
    """Ingest new articles from the inbox (and the feeds listed in ``feeds``); returns the summary."""
    settings = Settings.from_env(
        inbox=inbox, warehouse=warehouse, batch_size=batch_size, lock_timeout=lock_timeout
    )
    logger = get_run_logger()
    started = dt.datetime.now(dt.UTC)
    run_id = new_run_id(started)
    wh = Warehouse(settings.warehouse)
    with warehouse_lock(
        wh.root,
        run_id,
        settings.lock_timeout,
        on_wait=lambda h: logger.warning("waiting for the writer lock held by %s", h),
    ):
        return _ingest(settings, wh, run_id, started, logger, feeds)


def _ingest(
    settings: Settings,
    wh: Warehouse,
    run_id: str,
    started: dt.datetime,
    logger,
    feeds: str | None = None,
) -> dict:
    reference = load_reference()
    ex = Extractors.build(reference)
    wh.ensure_tables()
    seen_sources = frozenset(wh.seen_source_hashes())
    seen_content = frozenset(wh.column_values("articles", "article_id"))
    paths = discover_inbox(settings.inbox)
    logger.info("run %s: %d files in %s", run_id, len(paths), settings.inbox)
    futures = process_paths_task.map(
        _chunks(paths, settings.batch_size),
        inbox=unmapped(settings.inbox),
        warehouse_root=unmapped(wh.root),
        max_bytes=unmapped(settings.max_file_bytes),
        ex=unmapped(ex),
        run_id=unmapped(run_id),
        ingested_at=unmapped(started),
        seen_sources=unmapped(seen_sources),
        seen_content=unmapped(seen_content),
    )
    results = [f.result() for f in futures]
    inbox_label = str(Path(settings.inbox).resolve())
    if feeds:
        results.append(
            feed_task(feeds, wh, ex, run_id, started, seen_sources, seen_content, logger)
        )
        inbox_label += f" + feeds {feeds}"
    tables = merge_batches(results, run_id, started)
    run_row = run_row_for(run_id, "ingest", started, inbox_label, reference)
    run_row.update(
        files_seen=sum(r.files for r in results),
        inputs_skipped=sum(r.inputs_skipped for r in results),
    )
    return finish_run(wh, tables, run_row, reference, logger)


def publish_artifacts(wh: Warehouse, summary: dict, articles: pa.Table) -> str | None:
    """Prefect UI artifacts: run summary, the new articles with their codes, link to the report."""
    from prefect.artifacts import (
        create_link_artifact,
        create_markdown_artifact,
        create_table_artifact,
    )

    lines = [
        f"# Run {summary['run_id']}",
        "",
        "| new articles | skipped | quarantined | validation failures |",
        "|---:|---:|---:|---:|",
        f"| {summary['articles_new']} | {summary['inputs_skipped']} | {summary['quarantined']} "
        f"| {summary['validation_failures']} |",
        "",
        f"Taxonomy {summary['taxonomy_version']}, gazetteer {summary['gazetteer_version']}.",
        "",
        "| table | rows added | Delta version |",
        "|---|---:|---:|",
        *[
            f"| {n} | {summary['rows_written'].get(n, 1 if n == 'runs' else 0)} | {v} |"
            for n, v in summary["table_versions"].items()
        ],
    ]
    if summary["quarantine_reasons"]:
        lines += [
            "",
            "Quarantine reasons: "
            + ", ".join(f"{k} ({v})" for k, v in summary["quarantine_reasons"].items()),
        ]
    create_markdown_artifact(
        markdown="\n".join(lines),
        key="alliance-run-summary",
        description="Counts and table versions of this run",
    )
    rows = [
        {
            "article_id": a,
            "title": t or "",
            "outlet": o or "",
            "published_at": str(d or ""),
            "issue_codes": c,
        }
        for a, t, o, d, c in zip(
            articles["article_id"].to_pylist(),
            articles["title"].to_pylist(),
            articles["outlet"].to_pylist(),
            articles["published_at"].to_pylist(),
            articles["issue_codes"].to_pylist(),
            strict=True,
        )
    ]
    create_table_artifact(
        table=rows or [{"article_id": "", "title": "(no new articles)"}],
        key="alliance-run-articles",
        description="New articles and their issue codes",
    )
    if "://" in wh.root:
        return None
    from flows.report import render_report

    report = Path(wh.root) / "_report" / "report.html"
    render_report(wh, report)
    create_link_artifact(
        link=report.as_uri(),
        link_text="alliance report (HTML)",
        key="alliance-report",
        description="Issue salience, top actors, network and validation summary",
    )
    return str(report)


def _reason_counts(quarantine: pa.Table) -> dict[str, int]:
    if quarantine.num_rows == 0:
        return {}
    counts = pc.value_counts(quarantine["reason"]).to_pylist()
    return {c["values"]: c["counts"] for c in counts}


def _issue_counts(article_issues: pa.Table) -> dict[str, int]:
    if article_issues.num_rows == 0:
        return {}
    counts = pc.value_counts(article_issues["issue_code"]).to_pylist()
    return dict(
        sorted(((c["values"], c["counts"]) for c in counts), key=lambda kv: (-kv[1], kv[0]))
    )
