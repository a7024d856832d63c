"""Operations: backfills, the writer lock, kill -9 at several points, hostile inputs."""

import datetime as dt
import gc
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from deltalake import DeltaTable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.lock import warehouse_lock
from tests.conftest import REPO, SAMPLES
from tests.test_flow_e2e import inbox_files, make_inbox, stored_uris, unrecorded_run_ids
from transforms.errors import WarehouseError
from transforms.ingest import InputFile
from transforms.pipeline import TUPLE_FIELDS, process_batch
from transforms.schema import ARTICLE_TABLES, TABLES

VOLATILE = ("run_id", "ingested_at", "quarantined_at")
DATA_TABLES = [t for t in TABLES if t != "runs"]


def snapshot(warehouse) -> dict[str, pd.DataFrame]:
    """Every data table without run-specific columns, sorted by its key."""
    out = {}
    for name in DATA_TABLES:
        df = DeltaTable(str(warehouse / name)).to_pandas()
        df = df.drop(columns=[c for c in VOLATILE if c in df.columns])
        out[name] = df.sort_values(list(TABLES[name].key)).reset_index(drop=True)
    return out


def assert_same(a, b):
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)


def assert_keys_unique(warehouse):
    for name in DATA_TABLES:
        df = DeltaTable(str(warehouse / name)).to_pandas()
        assert not df.duplicated(list(TABLES[name].key)).any(), name


@pytest.fixture(scope="module")
def api_url(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def cli(args, api_url, **env):
    """Run `alliance` in a subprocess against the session's Prefect server."""
    full_env = {**os.environ, "PREFECT_API_URL": api_url, **env}
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=REPO,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory, api_url):
    root = tmp_path_factory.mktemp("ops")
    inbox = make_inbox(root)
    warehouse = root / "reference"
    proc = cli(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return inbox, warehouse, snapshot(warehouse)


@pytest.mark.slow
@pytest.mark.parametrize(
    "point", ["sentences", "issue_mentions", "actor_issue_links", "articles", "quarantine", "runs"]
)
def test_kill_at_a_commit_then_rerun_matches_an_uninterrupted_run(
    point, reference_run, tmp_path, api_url
):
    inbox, _, expected = reference_run
    warehouse = tmp_path / "wh"
    crashed = cli(
        ["run", "--inbox", str(inbox), "--warehouse", str(warehouse)],
        api_url,
        ALLIANCE_CRASH_AFTER=point,
    )
    crashed.communicate(timeout=300)
    assert crashed.returncode == -signal.SIGKILL
    again = cli(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-3000:]
    assert_same(snapshot(warehouse), expected)
    assert_keys_unique(warehouse)
    assert inbox_files(inbox) <= stored_uris(warehouse)  # byte copies included
    assert not unrecorded_run_ids(warehouse)
    runs = DeltaTable(str(warehouse / "runs")).to_pandas()
    # Killed after its runs row, the run is recorded; after a commit of rows that name it, it
    # is recorded as interrupted by the re-run; sentences rows name no run.
    expected = {"runs": ["succeeded"] * 2, "sentences": ["succeeded"]}
    assert sorted(runs["status"]) == expected.get(point, ["interrupted", "succeeded"])


@pytest.mark.slow
@pytest.mark.parametrize("delay", [2.0, 4.0])
def test_kill_at_a_random_moment_then_rerun(delay, reference_run, tmp_path, api_url):
    inbox, _, expected = reference_run
    warehouse = tmp_path / "wh"
    proc = cli(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    again = cli(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-3000:]
    assert_same(snapshot(warehouse), expected)


@pytest.mark.slow
def test_two_runs_at_once_lose_and_double_nothing(reference_run, tmp_path, api_url):
    inbox, _, expected = reference_run
    warehouse = tmp_path / "wh"
    procs = [
        cli(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
    assert_same(snapshot(warehouse), expected)
    runs = DeltaTable(str(warehouse / "runs")).to_pandas()
    assert sorted(runs["articles_new"]) == [0, 6]  # one wrote everything, the other found it stored


def test_lock_waits_then_names_the_holder(tmp_path):
    with warehouse_lock(str(tmp_path), "run-A", timeout=1):
        started = time.monotonic()
        with (
            pytest.raises(WarehouseError, match=r"run-A.*gave up"),
            warehouse_lock(str(tmp_path), "run-B", timeout=0.3, poll=0.05),
        ):
            pass
        assert time.monotonic() - started >= 0.3
    with warehouse_lock(str(tmp_path), "run-C", timeout=0.1):
        pass  # released when the holder left


def test_lock_is_released_when_the_holder_is_killed(tmp_path):
    code = f"from flows.lock import warehouse_lock\nimport time\nwith warehouse_lock({str(tmp_path)!r}, 'victim'):\n    print('locked', flush=True)\n    time.sleep(60)\n"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    proc.kill()
    proc.wait()
    with warehouse_lock(str(tmp_path), "after", timeout=2):
        pass


@pytest.mark.slow
def test_backfill_replaces_rows_in_one_commit_without_the_inbox(
    reference_run, tmp_path, prefect_harness
):
    from flows.backfill_flow import backfill_flow

    _, reference_wh, expected = reference_run
    warehouse = tmp_path / "wh"
    shutil.copytree(reference_wh, warehouse)  # the inbox is not used from here on
    before = {n: DeltaTable(str(warehouse / n)).version() for n in TABLES}
    summary = backfill_flow(
        warehouse=str(warehouse), since=dt.date(2019, 1, 1), until=dt.date(2021, 12, 31)
    )
    assert summary["articles_replaced"] == 2  # the 2019 sample and the 2021 JSON Lines record
    after = {n: DeltaTable(str(warehouse / n)).version() for n in TABLES}
    for name in ARTICLE_TABLES:
        assert after[name] == before[name] + 1, name  # one commit per table
    assert_same(snapshot(warehouse), expected)  # same reference data: same results
    assert_keys_unique(warehouse)
    articles = DeltaTable(str(warehouse / "articles")).to_pandas()
    assert (articles["run_id"] == summary["run_id"]).sum() == 2
    old = DeltaTable(str(warehouse / "articles"), version=before["articles"]).to_pandas()
    assert summary["run_id"] not in set(old["run_id"])  # the old results stay readable
    from prefect.artifacts import Artifact

    progress = Artifact.get("alliance-backfill-progress")
    assert progress is not None and float(progress.data) == 100.0
    everything = backfill_flow(warehouse=str(warehouse), reextract=True)
    assert everything["articles_replaced"] == 6 and everything["articles_new"] == 6
    assert everything["worker_processes"] == 0  # one batch: on a thread of the flow
    assert_same(snapshot(warehouse), expected)
    # Several batches: on worker processes, one per core, as `alliance run` and scheduled runs.
    spread = backfill_flow(warehouse=str(warehouse), reextract=True, batch_size=2)
    cores = os.cpu_count() or 1
    assert spread["batches"] >= 3
    assert spread["worker_processes"] == (cores if cores > 1 else 0)
    assert_same(snapshot(warehouse), expected)


BAD_NAMES = st.sampled_from(
    [
        "a.txt",
        "b.html",
        "c.htm",
        "d.json",
        "e.jsonl",
        "f.pdf",
        "g",
        "h.TXT",
        "i.Json",
        "weird name ü.txt",
    ]
)
CONTENT = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.text(alphabet="<>/abcdiv p\"'=&;#!-[]", max_size=300).map(str.encode),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(
                st.sampled_from(["text", "body", "title", "url", "published_at"]), c, max_size=4
            )
        ),
        max_leaves=8,
    ).map(lambda v: json.dumps(v).encode()),
    st.lists(st.text(max_size=60), max_size=4).map(lambda ls: "\n".join(ls).encode()),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.tuples(BAD_NAMES, CONTENT), min_size=1, max_size=3))
def test_fuzz_every_input_ends_in_articles_or_quarantine(files, extractors):
    inputs = [InputFile(f"/fuzz/{i}/{name}", data) for i, (name, data) in enumerate(files)]
    result = process_batch(inputs, extractors, run_id="fuzz", ingested_at=dt.datetime.now(dt.UTC))
    landed = {u.split("#")[0] for u in result.tables["articles"]["source_uri"].to_pylist()}
    landed |= {u.split("#")[0] for u in result.tables["quarantine"]["source_uri"].to_pylist()}
    assert {i.source_uri for i in inputs} <= landed
    assert all(q for q in result.tables["quarantine"]["detail"].to_pylist())


def test_row_tuples_carry_every_column_but_the_article_id_and_run_constants(extractors):
    constants = {"run_id", "taxonomy_version", "gazetteer_version"}
    for name, fields in TUPLE_FIELDS.items():
        names = TABLES[name].schema.names
        assert names[0] == "article_id"
        assert list(fields) == [n for n in names[1:] if n not in constants], name
    sample = sorted(SAMPLES.glob("*.txt"))[0]
    result = process_batch(
        [InputFile(str(sample), sample.read_bytes())],
        extractors,
        run_id="r1",
        ingested_at=dt.datetime.now(dt.UTC),
    )
    (article_id,) = result.article_ids
    for name in TUPLE_FIELDS:
        table = result.tables[name]
        assert table.schema.equals(TABLES[name].schema), name
        assert set(table["article_id"].to_pylist()) <= {article_id}, name
        if "run_id" in table.column_names:
            assert set(table["run_id"].to_pylist()) <= {"r1"}, name
    assert all(result.tables[n].num_rows for n in ("sentences", "issue_mentions", "actor_mentions"))
    mentions = result.tables["actor_mentions"].to_pylist()
    text = result.tables["articles"]["text"][0].as_py()
    assert all(text[m["start"] : m["end"]] == m["matched_text"] for m in mentions)
    assert {m["gazetteer_version"] for m in mentions} == {extractors.gazetteer_version}


def test_hostile_html_is_quarantined_not_crashed(extractors):
    deep = (
        b"<html><body>"
        + b"<div>" * 100_000
        + b"<p>Seoul and Washington met.</p>"
        + b"</div>" * 100_000
        + b"</body></html>"
    )
    bomb = (
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><html><body><p>&c;&c; Seoul</p></body></html>'
    )
    result = process_batch(
        [InputFile("/h/deep.html", deep), InputFile("/h/bomb.html", bomb)],
        extractors,
        run_id="h",
        ingested_at=dt.datetime.now(dt.UTC),
    )
    assert sorted(result.tables["quarantine"]["source_uri"].to_pylist()) == [
        "/h/bomb.html",
        "/h/deep.html",
    ]


def test_samples_are_stored_raw_and_replayable(tmp_path, extractors):
    from flows.batches import replay_units
    from flows.rawstore import load_raw_units, packs_folder, raw_path, store_raw

    path = SAMPLES / "001_369282a053d58b26.txt"
    jsonl = InputFile(
        "/in/x.jsonl",
        b'{"text": "Seoul and Washington met on Monday to talk."}\n{"text": "Seoul said more talks would follow on Friday."}\n',
    )
    result = process_batch(
        [InputFile(str(path), path.read_bytes()), jsonl],
        extractors,
        run_id="r",
        ingested_at=dt.datetime.now(dt.UTC),
    )
    root = str(tmp_path)
    assert store_raw(root, result.raw_units, "run-000001") == 3
    assert store_raw(root, result.raw_units, "run-000001") == 3  # a retried batch: replaced
    assert [p.name for p in packs_folder(root).iterdir()] == ["run-000001.parquet"]
    # Half a pack a crash left behind is never read.
    (packs_folder(root) / "run-000002.parquet.123.tmp").write_bytes(b"PAR1 cut short")
    stored = load_raw_units(root, [sha for sha, _, _ in result.raw_units] + ["0" * 64])
    assert {sha: (suffix, data) for sha, (_, suffix, data) in stored.items()} == {
        sha: (suffix, data) for sha, suffix, data in result.raw_units
    }
    rows = result.tables["articles"].to_pylist()
    units = replay_units(root, rows)
    assert [u.source_uri for u in units] == [r["source_uri"] for r in rows]
    assert [u.source_sha256 for u in units] == [r["source_sha256"] for r in rows]

    # A warehouse from before packs kept a file per unit: still replayed.
    old = tmp_path / "old"
    for sha, suffix, data in result.raw_units:
        raw_path(str(old), sha, suffix).parent.mkdir(parents=True, exist_ok=True)
        raw_path(str(old), sha, suffix).write_bytes(data)
    replayed = replay_units(str(old), rows)
    assert [u.source_sha256 for u in replayed] == [r["source_sha256"] for r in rows]
    assert [u.text for u in replayed] == [u.text for u in units]
    missing = replay_units(str(tmp_path / "empty"), rows[:1])
    assert [u.reason for u in missing] == ["raw_missing"]  # type: ignore[union-attr]


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


def test_wide_tables_are_written_in_small_row_groups(tmp_path):
    # Appends write ~8 MB row groups (flows.deltafiles, tested there); replacing articles goes
    # through the Delta writer, which holds a row group in memory: the articles' texts go in
    # groups of ROW_GROUP_ROWS rows, not the writer's default of a million.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from flows.warehouse import ROW_GROUP_ROWS, Warehouse

    schema = TABLES["articles"].schema
    n = ROW_GROUP_ROWS["articles"] * 2 + 10
    value = {
        pa.string(): "x",
        pa.int32(): 1,
        pa.bool_(): True,
        pa.date32(): dt.date(2024, 1, 1),
        pa.timestamp("us", tz="UTC"): dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    }
    columns = {f.name: [value[f.type]] * n for f in schema}
    columns["article_id"] = [f"a{i:06d}" for i in range(n)]
    wh = Warehouse(str(tmp_path / "wh"))
    wh.ensure_tables()
    wh.commit(
        {"articles": pa.table(columns, schema=schema)}, replace_articles=columns["article_id"]
    )
    files = DeltaTable(str(tmp_path / "wh" / "articles")).file_uris()
    groups = [
        pq.ParquetFile(f).metadata.row_group(i).num_rows
        for f in files
        for i in range(pq.ParquetFile(f).metadata.num_row_groups)
    ]
    assert sum(groups) == n
    assert max(groups) <= ROW_GROUP_ROWS["articles"] and len(groups) >= 3


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


def test_staged_value_counts_count_the_rows_the_commit_streams(tmp_path, extractors, reference):
    # Two staged batches; the second repeats a sample (a duplicate across batches, whose rows
    # the commit drops) and adds a file that is quarantined.
    import collections

    from flows.staging import StagedRun, stage_batch

    now = dt.datetime.now(dt.UTC)
    samples = sorted(SAMPLES.glob("*.txt"))
    first = [InputFile(str(p), p.read_bytes()) for p in samples[:3]]
    again = samples[0]
    second = [
        InputFile(f"/copy/{again.name}", again.read_bytes()),
        *[InputFile(str(p), p.read_bytes()) for p in samples[3:]],
        InputFile("/bad/empty.txt", b""),
    ]
    batches = [
        stage_batch(
            process_batch(inputs, extractors, run_id="r", ingested_at=now),
            reference,
            "r",
            str(tmp_path / "staging"),
            n,
        )
        for n, inputs in enumerate((first, second))
    ]
    staged = StagedRun(str(tmp_path / "staging"), batches, "r", now)
    assert staged.excluded  # the repeated sample is dropped from the second batch
    for name, column in (("article_issues", "issue_code"), ("quarantine", "reason")):
        values = [v for part in staged.reader(name) for v in part.column(column).to_pylist()]
        expected = collections.Counter(values)
        counts = staged.value_counts(name, column)
        assert counts == expected and sum(counts.values()) == staged.rows(name)
        assert list(counts.values()) == sorted(counts.values(), reverse=True)
    assert staged.value_counts("quarantine", "reason") == {"duplicate_content": 1, "empty_file": 1}


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


def test_an_article_not_about_korea_keeps_its_actors_and_gets_no_issue_rows(extractors):
    # Issue mentions are only looked for in articles about Korea; the rest keep their actors.
    off_topic = (
        "Biden and Xi discuss tariffs\n\n"
        "President Joe Biden and Xi Jinping discussed tariffs on semiconductors, supply chain "
        "resilience and ballistic missile tests in Washington on Tuesday. Analysts said the "
        "talks on trade and sanctions enforcement would go on in Beijing next month."
    )
    about_korea = off_topic.replace("in Washington", "with South Korea's president in Seoul")
    inputs = [
        InputFile("x/off_topic.txt", off_topic.encode()),
        InputFile("x/about_korea.txt", about_korea.encode()),
    ]
    result = process_batch(inputs, extractors, run_id="k", ingested_at=dt.datetime.now(dt.UTC))
    articles = result.tables["articles"].to_pylist()
    relevant = {a["source_uri"]: a for a in articles}
    off_id = relevant["x/off_topic.txt"]["article_id"]
    korea_id = relevant["x/about_korea.txt"]["article_id"]
    assert not relevant["x/off_topic.txt"]["is_relevant"]
    assert relevant["x/about_korea.txt"]["is_relevant"]

    def ids(table):
        return result.tables[table]["article_id"].to_pylist()

    actor_names = {
        m["actor_name"]
        for m in result.tables["actor_mentions"].to_pylist()
        if m["article_id"] == off_id
    }
    assert {"Joe Biden", "Xi Jinping"} <= actor_names
    for table in ("issue_mentions", "article_issues", "actor_issue_links"):
        assert off_id not in ids(table), table
    assert korea_id in ids("issue_mentions") and korea_id in ids("article_issues")
