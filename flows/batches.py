"""The work of one batch of inbox files, and the warm worker processes that run it.

Nothing here imports Prefect: a worker process imports only what a batch needs. The CLI starts
the workers (``warm_pool``) before Prefect's server, so they import their libraries and compile
the matchers while the server starts; the batch tasks, on threads of the flow's process, hand
their batch to a worker (``in_pool``) and wait. Without a pool, the batch runs in the task's
own process (the flow's threads, or a Dask worker).
"""

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import html
import json
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from flows.inbox import FileStat, read_inputs, scan_inbox
from flows.rawstore import RAW_DIR, load_raw_units, store_raw
from flows.seeds import SEEDS_DIR, load_reference
from flows.staging import StagedBatch, stage_batch
from flows.warehouse import Warehouse
from transforms.ingest import (
    InputFile,
    RawArticle,
    Rejection,
    decode_input,
    printable_path,
    sha256_hex,
)
from transforms.pipeline import (
    MAX_ARTICLE_CHARS,
    BatchResult,
    Extractors,
    process_batch,
    process_units,
    quarantine_row,
)
from transforms.schema import to_arrow

P = ParamSpec("P")
T = TypeVar("T")

_BUILD_LOCK = threading.Lock()


def cached_extractors(seeds_dir: str) -> Extractors:
    """Reference data compiled once per worker process (tasks get the path, not the object)."""
    with _BUILD_LOCK:  # a warm-up thread and a task never both build it
        return _extractors(seeds_dir)


@functools.lru_cache(maxsize=4)
def _extractors(seeds_dir: str) -> Extractors:
    return Extractors.build(load_reference(Path(seeds_dir)))


def warm_inputs(seeds_dir: Path) -> list[InputFile]:
    """A small batch that takes each decode path once: bundled sample articles as a text
    file, an HTML page and a JSON Lines record (none if the seeds hold no samples)."""
    samples = sorted((seeds_dir / "articles").glob("*.txt"))[:3]
    texts = [p.read_text(encoding="utf-8") for p in samples]
    inputs = []
    if texts:
        inputs.append(InputFile("warm-up/article.txt", texts[0].encode()))
    if len(texts) > 1:
        body = "".join(f"<p>{html.escape(line)}</p>" for line in texts[1].splitlines() if line)
        # Dated: a page without a date sends htmldate to dateparser, whose first call in a
        # process compiles its patterns for every locale, longer than the rest of the warm-up
        # batch and more than Prefect's server start leaves spare.
        head = '<title>Warm-up</title><meta property="article:published_time" content="2014-03-20">'
        page = f"<html><head>{head}</head><body><article>{body}</article></body></html>"
        inputs.append(InputFile("warm-up/page.html", page.encode()))
    if len(texts) > 2:
        record = json.dumps({"title": "Warm-up", "text": texts[2]}) + "\n"
        inputs.append(InputFile("warm-up/drop.jsonl", record.encode()))
    return inputs


def _warm(seeds_dir: str) -> None:
    """Before the first batch: compile the matchers, import Great Expectations (slow), and run
    a small batch through every stage, validation included, writing nothing. A worker's first
    batch was slower than the next ones (HTML and date libraries imported on first
    use, the suites added to Great Expectations' context on first validation), and a small
    incremental run is one first batch per worker."""
    from flows.validation import validate_tables
    from flows.validation import warm_up as warm_up_validation

    try:
        ex = cached_extractors(seeds_dir)
        warm_up_validation()
        result = process_batch(
            warm_inputs(Path(seeds_dir)), ex, run_id="warm-up", ingested_at=dt.datetime.now(dt.UTC)
        )
        validate_tables(dict(result.tables), ex.reference, "warm-up")
    except Exception:  # the batch that needs them raises the same error, reported properly
        return


# Allocations between young-generation collections in a worker (Python's default is 700).
WORKER_GC_THRESHOLDS = (50_000, 50, 100)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block: for the pure pipeline of a batch, which
    makes no reference cycles (a collection after a few thousand articles found none) but
    hundreds of row tuples an article, which collections traverse while they live. Not for
    validation: Great Expectations' objects may hold cycles.

    Batches on threads of one process may overlap: the first to turn it off turns it back on,
    so it is never left off.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _warm_worker(seeds_dir: str) -> None:
    """A pool worker's start: ``_warm``, then everything it loaded moved out of the garbage
    collector's view, and collections made rarer.

    Those hundreds of thousands of long-lived objects (compiled patterns, Great Expectations)
    were traversed by every full collection. A batch then still makes hundreds of row tuples
    per article, which collections every 700 allocations traversed again and again while they
    were alive, reclaiming nothing: the pipeline makes almost no reference cycles.
    """
    _warm(seeds_dir)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


def warm_up() -> threading.Thread:
    """``_warm`` in a background thread while Prefect's server starts and the inbox is listed,
    for runs whose batches execute in this process; join the thread before exiting."""
    thread = threading.Thread(
        target=_warm, args=(str(SEEDS_DIR),), name="alliance-warm-up", daemon=True
    )
    thread.start()
    return thread


@functools.lru_cache(maxsize=4)
def load_set(path: str) -> frozenset[str]:
    with open(path, "rb") as fh:
        return frozenset(pickle.load(fh))


def save_set(values: set[str], path: Path) -> str:
    with path.open("wb") as fh:
        pickle.dump(sorted(values), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return str(path)


_POOL: cf.ProcessPoolExecutor | None = None
_POOL_WORKERS = 0


def pool_workers() -> int:
    """Worker processes of the open ``warm_pool`` (0 without one): a run splits into as many
    batches at least, so that every worker gets one."""
    return _POOL_WORKERS


@contextlib.contextmanager
def warm_pool(workers: int, seeds_dir: str = str(SEEDS_DIR)) -> Iterator[cf.ProcessPoolExecutor]:
    """``workers`` processes, started now and warming up in the background, that ``in_pool``
    uses until the block ends."""
    global _POOL, _POOL_WORKERS
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),  # never fork a threaded process
        initializer=_warm_worker,
        initargs=(seeds_dir,),
    )
    try:
        for _ in range(workers):  # a submit starts a process while none is idle: start them all
            pool.submit(int)
        _POOL, _POOL_WORKERS = pool, workers
        yield pool
    finally:
        _POOL, _POOL_WORKERS = None, 0
        pool.shutdown(wait=True, cancel_futures=True)


# Task threads of the flows: one more than the workers of a pool of one per core, so a next
# batch waits queued in the pool and a worker starts it the moment it ends one.
TASK_THREADS = (os.cpu_count() or 1) + 1


@contextlib.contextmanager
def parallel_batches(batches: int, workers: int) -> Iterator[bool]:
    """Warm worker processes for the block, so that ``in_pool`` functions (the batch bodies)
    use every core: the one execution path of ``alliance run``, scheduled runs and backfills.
    Opened here when there are two batches or more and two workers or more, and none is open
    yet (``alliance run`` opens it before Prefect's server starts, to warm up meanwhile);
    yields whether a pool is open."""
    if _POOL is not None or batches < 2 or workers < 2:
        yield _POOL is not None
        return
    with warm_pool(workers):
        yield True


def split_evenly(items: list[T], size: int, parts: int = 1) -> list[list[T]]:
    """Consecutive batches of at most ``size`` items; at least ``parts`` of them when there are
    items enough (one per worker), and a multiple of ``parts`` of equal length otherwise."""
    size = max(1, size)
    count = -(-len(items) // size)  # batches of ``size``
    if parts > 1 and items:
        count = max(parts, -(-count // parts) * parts)
        count = min(count, len(items))
    if count <= 0:
        return []
    step, extra = divmod(len(items), count)
    out, start = [], 0
    for i in range(count):
        end = start + step + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def submit(fn: Callable[..., T], *args: object) -> "cf.Future[T]":
    """``fn(*args)`` started on a warm worker process while a ``warm_pool`` is open, so that it
    runs alongside this process; else run here and now. Either way, ``result()`` gives its
    value or raises its exception."""
    pool = _POOL
    if pool is not None:
        return pool.submit(fn, *args)
    done: cf.Future[T] = cf.Future()
    try:
        done.set_result(fn(*args))
    except Exception as exc:
        done.set_exception(exc)
    return done


def write_seen_set(wh: Warehouse, path: str) -> str:
    """Save what a batch skips (hashes of the inputs already stored as an article or
    quarantined, and the stored article ids) to ``path``, for ``load_set``, and the names of
    the stored inputs beside it (``KnownUris``); returns ``path``."""
    seen = wh.seen_source_hashes() | wh.column_values("articles", "article_id")
    uris = wh.column_values("articles", "source_uri") | wh.column_values("quarantine", "source_uri")
    save_set(uris, Path(path + ".uris"))
    return save_set(seen, Path(path))


def process_new(
    inputs: list[InputFile],
    ex: Extractors,
    run_id: str,
    ingested_at: dt.datetime,
    seen_path: str,
    max_chars: int,
) -> BatchResult:
    """``process_batch`` of new inputs (inbox files or feed pages) against what the warehouse
    holds: the seen set at ``seen_path`` and the names beside it."""
    seen = load_set(seen_path)
    return process_batch(
        inputs,
        ex,
        run_id=run_id,
        ingested_at=ingested_at,
        seen_sources=seen,
        seen_content=seen,
        known_uris=KnownUris(seen_path),
        max_chars=max_chars,
    )


class KnownUris:
    """The names of the inputs stored so far, read from beside the seen set the first time a
    batch asks (only a batch that meets bytes already stored does)."""

    def __init__(self, seen_path: str) -> None:
        self.path = seen_path + ".uris"

    def __contains__(self, uri: object) -> bool:
        return uri in load_set(self.path)


def scan_for_new(wh: Warehouse, inbox: str) -> tuple[list[FileStat], int, int]:
    """``scan_inbox`` of ``inbox`` against the files the warehouse has already read."""
    return scan_inbox(inbox, wh.input_index())


def in_pool(fn: Callable[P, T]) -> Callable[P, T]:
    """``fn`` run by a warm worker process while a ``warm_pool`` is open, else in this process."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        pool = _POOL
        if pool is None:  # no pool, or this is a worker
            return fn(*args, **kwargs)
        return pool.submit(run, *args, **kwargs).result()

    return run


@in_pool
def process_paths(
    files: list[FileStat],
    batch_no: int,
    inbox: str,
    warehouse_root: str,
    max_bytes: int,
    seeds_dir: str,
    run_id: str,
    ingested_at: dt.datetime,
    seen_path: str,
    staging: str,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> StagedBatch:
    """One batch: read files, run the pure pipeline, keep raw copies, validate and stage rows."""
    ex = cached_extractors(seeds_dir)
    seen = load_set(seen_path)
    t0 = time.perf_counter()
    items = read_inputs([Path(p) for p, _, _ in files], inbox, max_bytes)
    read_seconds = time.perf_counter() - t0
    inputs = [i for i in items if isinstance(i, InputFile)]
    with collection_paused():
        result = process_new(inputs, ex, run_id, ingested_at, seen_path, max_chars)
    result.timings["ingest"] = result.timings.get("ingest", 0.0) + read_seconds
    rejected = [
        quarantine_row(r, run_id, ingested_at)
        for r in items
        if isinstance(r, Rejection) and r.source_sha256 not in seen
    ]
    result.inputs_skipped += sum(
        isinstance(r, Rejection) and r.source_sha256 in seen for r in items
    )
    result.files += len(items) - len(inputs)
    t1 = time.perf_counter()  # raw copies, durable before any row points at them
    store_raw(warehouse_root, result.raw_units, f"{run_id}-{batch_no:06d}")
    result.timings["ingest"] += time.perf_counter() - t1
    result.raw_units = []
    stats = {printable_path(p): (size, mtime) for p, size, mtime in files}
    index_rows = [
        {
            "path": i.source_uri,
            "size": stats.get(i.source_uri, (len(i.data), 0))[0],
            "mtime_ns": stats.get(i.source_uri, (0, 0))[1],
            "sha256": sha256_hex(i.data),
            "run_id": run_id,
        }
        for i in inputs
        if i.source_uri in stats
    ]
    extra = {"inputs": to_arrow("inputs", index_rows)}
    if rejected:
        extra["quarantine"] = to_arrow("quarantine", rejected)
    return stage_batch(result, ex.reference, run_id, staging, batch_no, extra)


def replay_units(root: str, rows: list[dict[str, Any]]) -> list[RawArticle | Rejection]:
    """Decode each stored article's raw bytes again, keeping its original source_uri."""
    stored = load_raw_units(root, [row["source_sha256"] for row in rows])
    units: list[RawArticle | Rejection] = []
    for row in rows:
        sha = row["source_sha256"]
        if sha not in stored:
            units.append(
                Rejection(
                    row["source_uri"],
                    sha,
                    "ingest",
                    "raw_missing",
                    f"{row['source_uri']}: no raw copy under {root}/{RAW_DIR}",
                    row["article_id"],
                )
            )
            continue
        where, suffix, data = stored[sha]
        found = [u for u in decode_input(InputFile(where, data, suffix)) if u.source_sha256 == sha]
        if not found:
            units.append(
                Rejection(
                    row["source_uri"],
                    sha,
                    "ingest",
                    "raw_mismatch",
                    f"{where}: does not decode to the stored article",
                    row["article_id"],
                )
            )
            continue
        units.append(dataclasses.replace(found[0], source_uri=row["source_uri"]))
    return units


@in_pool
def reprocess_rows(
    rows: list[dict[str, Any]],
    batch_no: int,
    root: str,
    seeds_dir: str,
    run_id: str,
    ingested_at: dt.datetime,
    keep_ids: frozenset[str],
    staging: str,
) -> StagedBatch:
    """Re-run normalize and extract on stored articles; validate and stage the rows."""
    ex = cached_extractors(seeds_dir)
    with collection_paused():
        result = process_units(
            replay_units(root, rows),
            ex,
            run_id=run_id,
            ingested_at=ingested_at,
            seen_content=keep_ids,
        )
    result.raw_units = []
    return stage_batch(result, ex.reference, run_id, staging, batch_no)
