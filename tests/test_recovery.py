"""Recovery: kill -9 at each commit and at random moments, two runs at once, the writer
lock, and backfills that replace rows in one commit."""

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from deltalake import DeltaTable

from flows.lock import warehouse_lock
from tests.conftest import REPO
from tests.test_flow_e2e import inbox_files, make_inbox, stored_uris, unrecorded_run_ids
from transforms.errors import WarehouseError
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
    # One commit per table that holds rows of the replaced articles, before or after; none
    # where there is nothing to remove and nothing to add (a table with no statements).
    replaced = set(
        DeltaTable(str(warehouse / "articles"))
        .to_pandas()
        .query("run_id == @summary['run_id']")["article_id"]
    )
    for name in ARTICLE_TABLES:
        ids = set(DeltaTable(str(warehouse / name)).to_pandas(columns=["article_id"])["article_id"])
        old_ids = set(
            DeltaTable(str(warehouse / name), version=before[name]).to_pandas(
                columns=["article_id"]
            )["article_id"]
        )
        touched = bool(replaced & (ids | old_ids))
        assert after[name] == before[name] + (1 if touched else 0), name
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
