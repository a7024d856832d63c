"""Backfills: re-process stored articles (a date range, or all of them) from the raw store."""

import contextlib
import datetime as dt
import sys
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import unmapped

from flows.batches import (
    TASK_THREADS,
    parallel_batches,
    pool_workers,
    reprocess_rows,
    split_evenly,
)
from flows.ingest_flow import (
    collect,
    finish_run,
    new_run_id,
    refuse_damaged,
    staging_folder,
)
from flows.lock import warehouse_lock
from flows.runrecord import RunRecord
from flows.seeds import SEEDS_DIR, load_reference
from flows.settings import Settings
from flows.staging import StagedBatch, StagedRun
from flows.warehouse import Warehouse
from transforms.errors import WarehouseError

SELECT_COLUMNS = ["article_id", "source_uri", "source_sha256", "published_at"]


def select_articles(
    wh: Warehouse, since: dt.date | None, until: dt.date | None, everything: bool
) -> list[dict[str, Any]]:
    """Stored articles to re-process: all of them, or those published in [since, until]."""
    table = wh.read("articles", columns=SELECT_COLUMNS)
    if not everything:
        published = table["published_at"]
        mask = pc.is_valid(published)
        if since is not None:
            mask = pc.and_(mask, pc.greater_equal(published, pa.scalar(since, pa.date32())))
        if until is not None:
            mask = pc.and_(mask, pc.less_equal(published, pa.scalar(until, pa.date32())))
        table = table.filter(mask)
    return table.sort_by("article_id").to_pylist()


reprocess_task = task(name="reprocess-batch", cache_policy=NO_CACHE)(reprocess_rows)


@flow(name="alliance-backfill", task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS))  # type: ignore[arg-type]
def backfill_flow(
    warehouse: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    reextract: bool = False,
    batch_size: int | None = None,
    lock_timeout: float | None = None,
) -> dict:
    """Re-process stored articles under the current taxonomy/gazetteer; one commit per table."""
    if not reextract and since is None and until is None:
        raise ValueError("give --since and/or --until, or --reextract for every stored article")
    settings = Settings.from_env(
        warehouse=warehouse, batch_size=batch_size, lock_timeout=lock_timeout
    )
    logger = get_run_logger()
    started = dt.datetime.now(dt.UTC)
    run_id = new_run_id(started)
    wh = Warehouse(settings.warehouse)
    if wh.table("articles") is None:
        raise WarehouseError("missing_table", f"{wh.uri('articles')}: nothing to backfill")
    with (
        warehouse_lock(
            wh.root,
            run_id,
            settings.lock_timeout,
            on_wait=lambda h: logger.warning("waiting for the writer lock held by %s", h),
        ),
        contextlib.ExitStack() as stack,
    ):
        refuse_damaged(wh)
        wh.ensure_tables()  # a warehouse of an older schema gets the new columns
        reference = load_reference()
        rows = select_articles(wh, since, until, reextract)
        old_ids = {r["article_id"] for r in rows}
        keep_ids = frozenset(wh.column_values("articles", "article_id") - old_ids)
        count = len(split_evenly(rows, settings.batch_size))
        stack.enter_context(parallel_batches(count, settings.workers))
        batches = split_evenly(rows, settings.batch_size, parts=pool_workers())
        label = "reextract" if reextract else f"backfill {since or '…'}..{until or '…'}"
        logger.info(
            "run %s: %s, %d stored articles in %d batches", run_id, label, len(rows), len(batches)
        )
        progress_id = create_progress_artifact(
            progress=0.0, key="alliance-backfill-progress", description=f"{label}: batches done (%)"
        )
        staging = staging_folder(wh, run_id)
        record = RunRecord.start(
            run_id, "reextract" if reextract else "backfill", started, label, reference
        ).but(files_seen=len(rows))
        futures = reprocess_task.map(
            batches,
            list(range(len(batches))),
            root=unmapped(wh.root),
            seeds_dir=unmapped(str(SEEDS_DIR)),
            run_id=unmapped(run_id),
            ingested_at=unmapped(started),
            keep_ids=unmapped(keep_ids),
            staging=unmapped(str(staging)),
        )
        results = _collect(futures, len(batches), progress_id, wh, record, logger)
        staged = StagedRun(str(staging), results, run_id, started)
        summary = finish_run(
            wh, staged, record, reference, logger, replace_articles=old_ids, report=settings.report
        )
        summary["articles_replaced"] = len(old_ids)
        return summary


def _collect(
    futures: list, total: int, progress_id: Any, wh: Warehouse, record: RunRecord, logger
) -> list[StagedBatch]:
    """Wait for the batches, showing progress in the terminal and in the Prefect UI."""
    from rich.progress import Progress

    with Progress(disable=not sys.stderr.isatty(), transient=True) as bar:
        job = bar.add_task("re-processing", total=max(1, total))
        for done, _ in enumerate(as_completed(futures), start=1):
            bar.update(job, completed=done)
            update_progress_artifact(progress_id, progress=100.0 * done / max(1, total))
    if total == 0:
        update_progress_artifact(progress_id, progress=100.0)
    return collect(futures, wh, record, logger)
