"""Batches: cutting the inbox and stored articles into batches, the warm worker processes that
run them, and what a batch leaves to the garbage collector."""

import datetime as dt
import gc
import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.batches import parallel_batches, pool_workers, split_evenly
from tests.conftest import SAMPLES
from tests.test_flow_e2e import make_inbox
from tests.test_recovery import assert_same, snapshot
from transforms.ingest import InputFile
from transforms.pipeline import process_batch


def test_busy_files_are_retried_then_left_for_the_next_run(tmp_path, monkeypatch):
    import errno
    from pathlib import Path

    from flows.inbox import read_inputs

    busy = tmp_path / "busy.txt"
    flaky = tmp_path / "flaky.txt"
    busy.write_text("Seoul and Washington met.")
    flaky.write_text("Seoul and Tokyo met.")
    calls: dict[str, int] = {}
    real = Path.read_bytes

    def read_bytes(self):
        calls[self.name] = calls.get(self.name, 0) + 1
        if self.name == "busy.txt" or (self.name == "flaky.txt" and calls[self.name] == 1):
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    out = read_inputs([busy, flaky], tmp_path, 1 << 20)
    assert [o.source_uri.rsplit("/", 1)[-1] for o in out] == [
        "flaky.txt"
    ]  # busy: not lost, not quarantined
    assert calls == {"busy.txt": 4, "flaky.txt": 2}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(min_value=-1, max_value=5000), max_size=60),
    max_files=st.integers(min_value=1, max_value=8),
    max_bytes=st.integers(min_value=1, max_value=12000),
)
def test_batches_close_at_a_file_count_or_a_byte_budget(sizes, max_files, max_bytes):
    from flows.inbox import make_batches

    files = [(f"f{i}", size, 0) for i, size in enumerate(sizes)]
    batches = make_batches(files, max_files, max_bytes)
    assert [f for b in batches for f in b] == files  # every file once, in order
    for b in batches:
        assert b and len(b) <= max_files
        # Only a lone file may exceed the byte budget.
        assert len(b) == 1 or sum(max(0, f[1]) for f in b) <= max_bytes
    for b, nxt in itertools.pairwise(batches):
        # A batch closed only because the next file would not fit (or it was full).
        assert len(b) == max_files or sum(max(0, f[1]) for f in b) + max(0, nxt[0][1]) > max_bytes


def test_one_big_drop_does_not_make_one_giant_batch():
    # The benchmark's shape: many small files, then JSON Lines drops of 100 articles each.
    from flows.inbox import make_batches

    files = [(f"a{i}.txt", 5_000, 0) for i in range(1_800)] + [
        (f"drop{i}.jsonl", 650_000, 0) for i in range(40)
    ]
    batches = make_batches(files, 1000, 8 * 1024 * 1024)
    assert max(sum(f[1] for f in b) for b in batches) <= 8 * 1024 * 1024
    assert len(batches) >= 5  # by file count alone it would be 2, the second of 26 MB


def test_scan_lists_new_and_changed_files_sorted_and_counts_the_rest(tmp_path):
    from flows.inbox import scan_inbox

    inbox = tmp_path / "inbox"
    (inbox / "b" / "deep").mkdir(parents=True)
    (inbox / "a").mkdir()
    for rel in ("z.txt", ".hidden.txt", "b/deep/x.html", "a/y.jsonl", "b/w.txt", "kept.txt"):
        (inbox / rel).write_text(rel)
    (inbox / "link.txt").symlink_to(inbox / "z.txt")
    (inbox / "dirlink").symlink_to(inbox / "a")  # listed (reading refuses it), not followed
    kept = (inbox / "kept.txt").stat()
    changed = (inbox / "b" / "w.txt").stat()
    known = {
        str(inbox / "kept.txt"): (kept.st_size, kept.st_mtime_ns),
        str(inbox / "b" / "w.txt"): (changed.st_size + 1, changed.st_mtime_ns),
    }
    files, unchanged, found = scan_inbox(inbox, known)
    assert [os.path.relpath(p, inbox) for p, _, _ in files] == [
        ".hidden.txt",
        "dirlink",
        "link.txt",
        "z.txt",
        "a/y.jsonl",
        "b/w.txt",
        "b/deep/x.html",
    ]
    assert (unchanged, found) == (1, 8)
    assert dict((os.path.relpath(p, inbox), size) for p, size, _ in files)["z.txt"] == 5
    with pytest.raises(FileNotFoundError, match="does not exist"):
        scan_inbox(tmp_path / "missing", {})


def test_few_files_are_split_so_every_worker_gets_a_batch():
    from flows.inbox import MIN_SPLIT_FILES, make_batches

    files = [(f"f{i}", 1_000, 0) for i in range(1_000)]
    assert [len(b) for b in make_batches(files, 1000, 1 << 30)] == [1000]
    assert [len(b) for b in make_batches(files, 1000, 1 << 30, parts=2)] == [500, 500]
    assert [len(b) for b in make_batches(files[:7], 1000, 1 << 30, parts=2)] == [7]
    few = files[: MIN_SPLIT_FILES + 50]  # never below MIN_SPLIT_FILES files a batch
    assert [len(b) for b in make_batches(few, 1000, 1 << 30, parts=2)] == [MIN_SPLIT_FILES, 50]
    many = files * 3  # three batches by size: four equal ones keep both workers busy
    assert [len(b) for b in make_batches(many, 1000, 1 << 30, parts=2)] == [750] * 4


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(min_value=-1, max_value=5000), max_size=400),
    max_files=st.integers(min_value=1, max_value=300),
    max_bytes=st.integers(min_value=5000, max_value=400_000),
    parts=st.integers(min_value=2, max_value=3),
)
def test_batches_for_workers_keep_the_limits_and_come_in_rounds(sizes, max_files, max_bytes, parts):
    from flows.inbox import MIN_SPLIT_FILES, make_batches

    files = [(f"f{i}", size, 0) for i, size in enumerate(sizes)]
    batches = make_batches(files, max_files, max_bytes, parts)
    assert [f for b in batches for f in b] == files
    for b in batches:
        assert b and len(b) <= max_files
        assert len(b) == 1 or sum(max(0, f[1]) for f in b) <= max_bytes
    greedy = make_batches(files, max_files, max_bytes)
    rounds = -(-len(greedy) // parts) * parts
    if len(greedy) < 2 or len(files) < rounds * MIN_SPLIT_FILES:
        return  # few files: split for the workers only, or not at all
    total = sum(max(0, f[1]) for f in files)
    done = 0
    for k, (b, nxt) in enumerate(itertools.pairwise(batches)):
        done += sum(max(0, f[1]) for f in b)
        # Closed at a limit, or once the bytes so far reached the next equal share.
        assert (
            len(b) in (max_files, min(max_files, max(MIN_SPLIT_FILES, -(-len(files) // parts))))
            or sum(max(0, f[1]) for f in b) + max(0, nxt[0][1]) > max_bytes
            or done * rounds >= total * (k + 1)
        )


def test_benchmark_shaped_batches_are_equal_for_two_workers():
    from flows.inbox import make_batches

    # 8,000 small files, then 20 JSON Lines drops of 100 articles (the 10k benchmark's shape).
    files = [(f"a{i}.txt", 5_800, 0) for i in range(8_000)] + [
        (f"drop{i}.jsonl", 580_000, 0) for i in range(20)
    ]
    batches = make_batches(files, 1000, 8 * 1024 * 1024, parts=2)
    sizes = [sum(f[1] for f in b) for b in batches]
    assert len(batches) % 2 == 0
    assert max(sizes) <= 1.1 * min(sizes)
    greedy = [sum(f[1] for f in b) for b in make_batches(files, 1000, 8 * 1024 * 1024)]
    assert max(greedy) > 1.5 * min(greedy)  # what the equal shares avoid


def test_a_small_run_split_for_two_workers_is_cut_at_equal_bytes():
    # The 100k benchmark's incremental run: 600 text files, 200 pages, then two JSON Lines
    # drops of 100 articles. Cut at equal file counts, the second batch held 600 articles
    # against 400, and one worker waited for the other.
    from flows.inbox import make_batches

    files = (
        [(f"a{i:04d}.txt", 5_800, 0) for i in range(600)]
        + [(f"b{i:04d}.html", 9_000, 0) for i in range(200)]
        + [(f"drop{i}.jsonl", 580_000, 0) for i in range(2)]
    )
    batches = make_batches(files, 1000, 6 * 1024 * 1024, parts=2)
    assert len(batches) == 2
    sizes = [sum(f[1] for f in b) for b in batches]
    assert max(sizes) <= 1.1 * min(sizes)
    by_count = [sum(f[1] for f in b) for b in (files[:401], files[401:])]  # the old cut
    assert max(by_count) > 1.4 * min(by_count)


@pytest.mark.parametrize("articles", [10_000, 100_000])
def test_default_batches_hold_about_batch_size_articles_at_any_corpus_size(articles):
    # A worker's peak memory follows its largest batch in articles. With the default limits,
    # batches of files and batches of JSON Lines drops (100 articles of ~5.8 KB each, the
    # benchmark's mix) hold about as many articles, at both corpus sizes.
    from flows.inbox import make_batches
    from flows.settings import Settings

    n_files = articles * 8 // 10
    files = [(f"a{i:07d}.txt", 5_500 + (i % 7) * 150, 0) for i in range(n_files)] + [
        (f"drop{i:07d}.jsonl", 580_000 + (i % 5) * 10_000, 0)
        for i in range((articles - n_files) // 100)
    ]
    defaults = Settings()
    batches = make_batches(files, defaults.batch_size, defaults.batch_bytes, parts=2)
    per_batch = [sum(100 if p.endswith(".jsonl") else 1 for p, _, _ in b) for b in batches]
    assert sum(per_batch) == articles
    assert max(per_batch) <= 1.1 * defaults.batch_size


def test_warm_worker_processes_give_the_same_tables(tmp_path, prefect_harness, monkeypatch):
    from flows.batches import WORKER_GC_THRESHOLDS, pool_workers, warm_pool
    from flows.ingest_flow import ingest_flow

    inbox = make_inbox(tmp_path)
    here = ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "threads"), batch_size=4)
    with warm_pool(2) as pool:
        submitted = []
        real_submit = pool.submit

        def submit(fn, *args, **kwargs):
            submitted.append(fn)
            return real_submit(fn, *args, **kwargs)

        # A worker starts with what it loaded (matchers, Great Expectations) frozen out of the
        # garbage collector's full passes.
        assert pool.submit(gc.get_freeze_count).result() > 10_000
        assert pool.submit(gc.get_threshold).result() == WORKER_GC_THRESHOLDS
        monkeypatch.setattr(pool, "submit", submit)
        assert pool_workers() == 2
        pooled = ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "pool"), batch_size=4)
        assert_same(snapshot(tmp_path / "threads"), snapshot(tmp_path / "pool"))
        (inbox / "late.txt").write_text(
            "Defense ministers in Seoul said on Tuesday that the transfer of wartime operational "
            "control would be reviewed again next year.\n"
        )
        sample = sorted(SAMPLES.glob("*.txt"))[0].read_bytes()
        # Stored bytes under a new name, and stored text: both quarantined as duplicates,
        # so that every input is in a table.
        (inbox / "copy-late.txt").write_bytes(sample)
        (inbox / "copy2.txt").write_bytes(sample + b"\n\n\n")
        again = ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "pool"), batch_size=4)
    assert pool_workers() == 0
    names = [fn.__name__ for fn in submitted]
    # Every batch ran in a worker process, and so did each run's two reads before its batches.
    assert names.count("process_paths") == here["batches"] + again["batches"]
    assert here["batches"] >= 3 and again["batches"] == 1
    assert names.count("write_seen_set") == names.count("scan_for_new") == 2
    # The second run read only the new file: the workers' scan and seen set knew the rest.
    assert again["articles_new"] == 1
    assert again["quarantine_reasons"] == {"duplicate_content": 2}
    assert again["inputs_skipped"] == pooled["files_seen"]
    assert pooled["articles_new"] == here["articles_new"] >= 5
    assert pooled["quarantined"] == here["quarantined"] >= 4


def test_submit_without_a_pool_runs_now_and_keeps_the_error(tmp_path):
    from flows.batches import pool_workers, scan_for_new, submit
    from flows.warehouse import Warehouse

    assert pool_workers() == 0
    calls = []
    job = submit(calls.append, "x")
    assert calls == ["x"] and job.done() and job.result() is None
    missing = submit(scan_for_new, Warehouse(str(tmp_path / "wh")), str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        missing.result()


def test_warm_up_batch_takes_every_decode_path_and_validates(extractors, reference):
    from flows.batches import warm_inputs
    from flows.seeds import SEEDS_DIR
    from flows.validation import validate_tables

    inputs = warm_inputs(SEEDS_DIR)
    result = process_batch(inputs, extractors, run_id="w", ingested_at=dt.datetime.now(dt.UTC))
    assert result.tables["quarantine"].num_rows == 0
    kinds = result.tables["articles"]["source_kind"].to_pylist()
    assert sorted(kinds) == ["html", "jsonl", "txt"]
    # The page's date is found in its markup (no slow dateparser search on a cold worker).
    html_row = kinds.index("html")
    assert str(result.tables["articles"]["published_at"][html_row].as_py()) == "2014-03-20"
    assert result.tables["articles"]["published_at_source"][html_row].as_py() is not None
    assert validate_tables(dict(result.tables), reference, "w").success
    assert warm_inputs(SEEDS_DIR.parent / "no-such-seeds") == []


def test_the_pipeline_makes_no_reference_cycles_so_batches_run_without_the_collector(
    extractors, tmp_path
):
    # Batches run with the cyclic collector off (collection_paused): garbage with cycles would
    # pile up until the batch ends. Good articles, every decode path and rejected inputs.
    from bench.corpus import generate
    from flows.batches import collection_paused, warm_inputs
    from flows.seeds import SEEDS_DIR

    generate(tmp_path, 60)
    inputs = [InputFile(str(p), p.read_bytes()) for p in sorted(tmp_path.iterdir())]
    inputs += [
        *warm_inputs(SEEDS_DIR),
        InputFile("bad/binary.txt", b"\x00\x01\x02" * 50),
        InputFile("bad/empty.html", b""),
        InputFile("bad/broken.jsonl", b'{"title": "x", "text": \n{"text": ""}\n'),
    ]
    now = dt.datetime.now(dt.UTC)
    # A process's first batch makes a few one-off cycles (classes a library builds on first
    # use, ~100 objects): the workers' warm-up batch takes them. After the many tests of a
    # full session, a second batch made 38 more in two CI runs of seven (caches refilled that
    # other tests had filled first): two batches take them here, and the third must make none.
    for _ in range(2):
        process_batch(inputs, extractors, run_id="w", ingested_at=now)
        gc.collect()
    with collection_paused():
        assert not gc.isenabled()
        result = process_batch(inputs, extractors, run_id="c", ingested_at=now)
        assert result.tables["articles"].num_rows >= 60
        assert result.tables["quarantine"].num_rows >= 3
        del result
        assert gc.collect() == 0  # nothing unreachable: refcounting freed it all


def test_collection_paused_restores_the_collector_even_when_batches_overlap():
    from flows.batches import collection_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("a failing batch")
    assert gc.isenabled()
    outer = collection_paused()
    outer.__enter__()
    with collection_paused():  # a second batch on another thread starts, and ends first
        assert not gc.isenabled()
    assert not gc.isenabled()  # the first is still running
    outer.__exit__(None, None, None)
    assert gc.isenabled()


def test_the_cli_gives_numpy_one_blas_thread_unless_the_user_set_it(monkeypatch):
    # Set before NumPy loads in this process or a spawned worker (which inherits it).
    from flows import cli

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    cli._prefect_env()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    cli._prefect_env()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


@given(st.integers(0, 300), st.integers(1, 50), st.integers(1, 4))
def test_split_evenly_keeps_every_item_in_order_within_the_size(n, size, parts):
    items = list(range(n))
    batches = split_evenly(items, size, parts)
    assert [i for b in batches for i in b] == items
    assert all(0 < len(b) <= size for b in batches)
    if n >= parts > 1:
        assert len(batches) % parts == 0 or len(batches) == n  # rounds of one per worker
        assert max(map(len, batches)) - min(map(len, batches)) <= 1  # workers end together


def test_no_pool_for_one_batch_or_one_worker():
    for batches, workers in ((1, 2), (5, 1), (0, 2)):
        with parallel_batches(batches, workers) as pooled:
            assert not pooled and pool_workers() == 0
