"""The ingest flow: inbox -> batches (staged, validated) -> one Delta commit per table."""

import contextlib
import datetime as dt
import functools
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import unmapped

from flows.batches import (
    TASK_THREADS,
    cached_extractors,
    load_set,
    parallel_batches,
    pool_workers,
    process_new,
    process_paths,
    scan_for_new,
    submit,
    write_seen_set,
)
from flows.consumers import write_manifest
from flows.doctor import check_warehouse
from flows.inbox import make_batches
from flows.lock import warehouse_lock
from flows.rawstore import store_raw
from flows.runrecord import RunRecord
from flows.seeds import SEEDS_DIR, load_reference
from flows.settings import Settings
from flows.staging import StagedBatch, StagedRun, stage_batch
from flows.warehouse import Source, Warehouse, runs_json
from transforms.errors import ValidationFailure, WarehouseError
from transforms.pipeline import quarantine_row
from transforms.schema import TABLES, to_arrow


def new_run_id(now: dt.datetime) -> str:
    """Sortable, unique run id."""
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def process_feeds(
    feeds: str,
    wh: Warehouse,
    seeds_dir: str,
    run_id: str,
    started: dt.datetime,
    seen_path: str,
    staging: str,
    batch_no: int,
    settings: Settings,
) -> StagedBatch:
    """Fetch new pages from the feeds in the config file and run them through the pipeline."""
    logger = get_run_logger()
    from flows.feeds import harvest_feeds, load_feed_config, parse_allow

    ex = cached_extractors(seeds_dir)
    seen = load_set(seen_path)
    known = wh.column_values("articles", "url") | wh.column_values("articles", "source_uri")
    harvest = harvest_feeds(
        load_feed_config(feeds),
        known,
        fetch_deadline=settings.feed_fetch_seconds,
        stage_deadline=settings.feed_stage_seconds,
        allow=parse_allow(settings.feed_allow),
    )
    for item in harvest.deferred:
        logger.warning("will retry next run: %s", item)
    result = process_new(harvest.pages, ex, run_id, started, seen_path, settings.max_article_chars)
    store_raw(wh.root, result.raw_units, f"{run_id}-{batch_no:06d}")
    result.raw_units = []
    rejected = [
        quarantine_row(r, run_id, started) for r in harvest.rejected if r.source_sha256 not in seen
    ]
    result.inputs_skipped += harvest.skipped_known + len(harvest.rejected) - len(rejected)
    extra = {"quarantine": to_arrow("quarantine", rejected)} if rejected else None
    return stage_batch(result, ex.reference, run_id, staging, batch_no, extra)


def commit_run(
    wh: Warehouse,
    staged: StagedRun,
    record: RunRecord,
    replace_articles: set[str] | None = None,
) -> dict[str, int]:
    """Commit every table from the staged parts, then the run row with the resulting versions.

    Rows of ``replace_articles`` (a backfill's old results) and orphans of an interrupted
    earlier run are replaced in the same commit as the new rows.
    """
    new_ids = [a for b in staged.batches for a in b.article_ids]
    orphans = wh.orphan_article_ids(new_ids) if wh.may_have_orphans() else set()
    sources = {
        name: Source(
            functools.partial(staged.reader, name),
            staged.rows(name),
            staged.adoptable(name),
            functools.partial(staged.reader, name, but_adoptable=True),
        )
        for name in TABLES
        if name != "runs"
    }
    versions = wh.commit(sources, replace_articles=orphans | set(replace_articles or ()))
    final = record.ended(table_versions=runs_json(versions))
    versions["runs"] = wh.commit({"runs": to_arrow("runs", [final.row()])})["runs"]
    write_manifest(wh)
    return versions


feed_task = task(name="fetch-feeds", cache_policy=NO_CACHE, retries=0)(process_feeds)
process_paths_task = task(name="process-batch", cache_policy=NO_CACHE)(process_paths)
commit_task = task(name="commit", cache_policy=NO_CACHE)(commit_run)


def record_interrupted_runs(wh: Warehouse, reference, logger) -> list[str]:
    """Give every run that was killed before recording itself a ``runs`` row (status
    ``interrupted``, with the rows it left), so that no row points at an unknown run."""
    if not wh.may_have_orphans():
        return []
    found = wh.unrecorded_runs()
    if not found:
        return []
    rows = []
    for run_id, counts in sorted(found.items()):
        try:
            started = dt.datetime.strptime(run_id.split("-", 1)[0], "%Y%m%dT%H%M%SZ")
            started = started.replace(tzinfo=dt.UTC)
        except ValueError:
            started = dt.datetime.now(dt.UTC)
        record = RunRecord.start(run_id, "unknown", started, "", reference).but(
            status="interrupted",
            articles_new=counts.get("articles", 0),
            quarantined=counts.get("quarantine", 0),
            # No table versions: its rows are not a recorded state, and the next commit still
            # replaces the ones it left (``may_have_orphans`` goes on seeing them).
            rows_written=runs_json(counts),
        )
        rows.append(record.row())
        logger.warning(
            "run %s was interrupted before recording itself (rows left: %s); recorded now",
            run_id,
            counts,
        )
    wh.commit({"runs": to_arrow("runs", rows)})
    return sorted(found)


def staging_folder(wh: Warehouse, run_id: str) -> Path:
    """Where a run stages its batches: under the warehouse, or a temp folder for object stores."""
    root = (
        Path(wh.root) / "_staging"
        if "://" not in wh.root
        else Path(tempfile.gettempdir()) / "alliance-staging"
    )
    if root.is_dir():  # we hold the writer lock: any other staging folder is a crashed run's
        for stale in root.iterdir():
            shutil.rmtree(stale, ignore_errors=True)
    folder = root / run_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def collect(futures: list, wh: Warehouse, record: RunRecord, logger) -> list[StagedBatch]:
    """Results of the batch tasks; a batch-level validation failure records a failed run and stops."""
    try:
        return [f.result() for f in futures]
    except ValidationFailure as exc:
        wh.commit({"runs": to_arrow("runs", [record.ended().row()])})
        logger.error("run %s stopped before writing: %s", record.run_id, exc)
        raise


def finish_run(
    wh: Warehouse,
    staged: StagedRun,
    record: RunRecord,
    reference,
    logger,
    replace_articles: set[str] | None = None,
    report: bool = True,
) -> dict:
    """Commit one version per table, record the run, publish artifacts; returns the summary."""
    rows_written = {name: staged.rows(name) for name in TABLES if name != "runs"}
    failures = sum(b.validation_failures for b in staged.batches)
    record = record.but(
        articles_new=rows_written["articles"],
        quarantined=rows_written["quarantine"],
        validation_success=failures == 0,
        validation_failures=failures,
        rows_written=runs_json(rows_written),
        status="succeeded",
        files_seen=record.files_seen or sum(b.files for b in staged.batches),
        inputs_skipped=record.inputs_skipped + sum(b.inputs_skipped for b in staged.batches),
    )
    # Read from the staged parts before the commit, which moves them into the tables.
    quarantine_reasons = staged.value_counts("quarantine", "reason")
    issue_counts = staged.value_counts("article_issues", "issue_code")
    articles = staged.table(
        "articles", ["article_id", "title", "outlet", "published_at", "issue_codes"], 500
    )
    t = time.perf_counter()
    versions = commit_task(wh, staged, record, replace_articles)
    timings = staged.timings()
    timings["write"] = timings.get("write", 0.0) + time.perf_counter() - t
    summary = {
        "run_id": record.run_id,
        "flow": record.flow,
        "warehouse": wh.root,
        "inbox": record.inbox,
        "files_seen": record.files_seen,
        "batches": len(staged.batches),
        "worker_processes": pool_workers(),
        "articles_new": record.articles_new,
        "inputs_skipped": record.inputs_skipped,
        "quarantined": record.quarantined,
        "validation_failures": failures,
        "rows_written": rows_written,
        "table_versions": versions,
        "taxonomy_version": reference.taxonomy.version,
        "gazetteer_version": reference.gazetteer.version,
        "quarantine_reasons": quarantine_reasons,
        "issue_counts": issue_counts,
        "stage_seconds": {k: round(v, 3) for k, v in sorted(timings.items())},
        "flow_seconds": round((dt.datetime.now(dt.UTC) - staged.when).total_seconds(), 3),
    }
    staged.cleanup()
    summary["warnings"] = []
    try:
        summary["report"] = publish_artifacts(wh, summary, articles, report)
    except Exception as exc:  # the data is committed: the run succeeded without its report
        summary["report"] = None
        warning = f"run {record.run_id} committed, but its report or artifacts failed: {exc!r}"
        summary["warnings"].append(warning)
        logger.warning(warning)
    logger.info(
        "run %s: %d articles written, %d skipped, %d quarantined",
        record.run_id,
        summary["articles_new"],
        summary["inputs_skipped"],
        summary["quarantined"],
    )
    return summary


@flow(name="alliance-ingest", task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS))  # type: ignore[arg-type]
def ingest_flow(
    inbox: str | None = None,
    warehouse: str | None = None,
    batch_size: int | None = None,
    lock_timeout: float | None = None,
    feeds: str | None = None,
    report: bool | None = None,
) -> dict:
    """Ingest new articles from the inbox (and the feeds listed in ``feeds``); returns the summary."""
    settings = Settings.from_env(
        inbox=inbox,
        warehouse=warehouse,
        batch_size=batch_size,
        lock_timeout=lock_timeout,
        report=report,
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


def refuse_damaged(wh: Warehouse) -> None:
    """Raise WarehouseError naming the first problem ``check_warehouse`` finds, if any: a run
    never writes into a warehouse whose tables do not agree."""
    problems = check_warehouse(wh)
    if problems:
        more = f" ({len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise WarehouseError(
            "warehouse_damaged",
            f"{problems[0].line()}{more}. See `alliance doctor --warehouse {wh.root}`",
        )


def _ingest(
    settings: Settings, wh: Warehouse, run_id: str, started: dt.datetime, logger, feeds: str | None
) -> dict:
    with contextlib.ExitStack() as stack:
        return _ingest_in(stack, settings, wh, run_id, started, logger, feeds)


def _ingest_in(
    stack: contextlib.ExitStack,
    settings: Settings,
    wh: Warehouse,
    run_id: str,
    started: dt.datetime,
    logger,
    feeds: str | None,
) -> dict:
    refuse_damaged(wh)
    wh.ensure_tables()
    staging = staging_folder(wh, run_id)
    # The two reads before the first batch run side by side on the warm workers, when there are
    # workers (on a large warehouse, most of a small run's fixed cost), and this process loads
    # the reference data meanwhile.
    seen_job = submit(write_seen_set, wh, str(staging / "seen.pickle"))
    scan_job = submit(scan_for_new, wh, settings.inbox)
    reference = load_reference()
    record_interrupted_runs(wh, reference, logger)
    files, unchanged, found = scan_job.result()
    seen_path = seen_job.result()
    logger.info(
        "run %s: %d files in %s, %d unchanged since they were read",
        run_id,
        found,
        settings.inbox,
        unchanged,
    )
    # Two batches or more: on warm worker processes (opened here for a scheduled run).
    count = len(make_batches(files, settings.batch_size, settings.batch_bytes))
    stack.enter_context(parallel_batches(count, settings.workers))
    batches = make_batches(files, settings.batch_size, settings.batch_bytes, parts=pool_workers())
    logger.info(
        "run %s: %d batches on %s",
        run_id,
        len(batches),
        f"{pool_workers()} worker processes" if pool_workers() else "threads of this process",
    )
    inbox_label = str(Path(settings.inbox).resolve())
    record = RunRecord.start(
        run_id, "ingest", started, inbox_label + (f" + feeds {feeds}" if feeds else ""), reference
    ).but(files_seen=found, inputs_skipped=unchanged)
    # Feeds are fetched beside the inbox batches, within their deadlines; whatever happens to
    # them, the inbox batches are committed.
    feed_future = (
        feed_task.submit(
            feeds,
            wh,
            str(SEEDS_DIR),
            run_id,
            started,
            seen_path,
            str(staging),
            len(batches),
            settings,
        )
        if feeds
        else None
    )
    futures = process_paths_task.map(
        batches,
        list(range(len(batches))),
        inbox=unmapped(settings.inbox),
        warehouse_root=unmapped(wh.root),
        max_bytes=unmapped(settings.max_file_bytes),
        seeds_dir=unmapped(str(SEEDS_DIR)),
        run_id=unmapped(run_id),
        ingested_at=unmapped(started),
        seen_path=unmapped(seen_path),
        staging=unmapped(str(staging)),
        max_chars=unmapped(settings.max_article_chars),
    )
    staged_batches = collect(futures, wh, record, logger)
    if feed_future is not None:
        try:
            staged_batches.append(feed_future.result())
        except Exception as exc:  # the inbox's work is committed all the same
            logger.error("feeds of run %s failed, nothing from them written: %s", run_id, exc)
    staged = StagedRun(str(staging), staged_batches, run_id, started)
    return finish_run(wh, staged, record, reference, logger, report=settings.report)


def publish_artifacts(
    wh: Warehouse, summary: dict, articles: pa.Table, report: bool = True
) -> str | None:
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
    if "://" in wh.root or not report:
        return None
    from flows.report import render_report

    page = Path(wh.root) / "_report" / "report.html"
    render_report(wh, page)
    create_link_artifact(
        link=page.as_uri(),
        link_text="alliance report (HTML)",
        key="alliance-report",
        description="Issue salience, top actors, network and validation summary",
    )
    return str(page)
