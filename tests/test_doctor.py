"""Damaged warehouses: runs refuse them, `status` warns, `doctor --repair` brings every lost
input back; operator faults answer in one line; a failing report never fails a committed run."""

import datetime as dt
import errno
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from deltalake import DeltaTable

from flows.doctor import check_warehouse
from flows.warehouse import Warehouse
from tests.conftest import REPO, SAMPLES
from transforms.errors import WarehouseError
from transforms.ingest import InputFile
from transforms.pipeline import process_batch
from transforms.report_data import salience_over_time

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_url(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


@pytest.fixture(scope="module")
def stored(tmp_path_factory, prefect_harness):
    """A warehouse holding the five samples, and its inbox."""
    from flows.ingest_flow import ingest_flow

    root = tmp_path_factory.mktemp("doctor")
    inbox = root / "inbox"
    shutil.copytree(SAMPLES, inbox)
    ingest_flow(inbox=str(inbox), warehouse=str(root / "wh"), report=False)
    return inbox, root / "wh"


@pytest.fixture
def copy(stored, tmp_path):
    inbox, warehouse = stored
    shutil.copytree(warehouse, tmp_path / "wh")
    return inbox, tmp_path / "wh"


def alliance(args, api_url) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=REPO,
        env={**os.environ, "PREFECT_API_URL": api_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


def articles(warehouse) -> int:
    return len(DeltaTable(str(warehouse / "articles")).to_pandas())


def last_commit(warehouse, table="articles"):
    return sorted((warehouse / table / "_delta_log").glob("*.json"))[-1]


def test_a_zeroed_commit_is_refused_then_repaired_and_nothing_is_lost(copy, api_url):
    inbox, warehouse = copy
    commit = last_commit(warehouse)
    commit.write_bytes(b"\0" * commit.stat().st_size)
    kinds = [p.kind for p in check_warehouse(Warehouse(str(warehouse)))]
    assert kinds[0] == "damaged_log"  # then inputs_lost, when Delta reads the table as empty

    run = alliance(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "articles: commit 1 of the Delta log" in run.stderr
    status = alliance(["status", "--warehouse", str(warehouse)], api_url)
    assert "warning: articles: commit 1" in status.stderr

    doctor = alliance(["doctor", "--warehouse", str(warehouse)], api_url)
    assert doctor.returncode == 1 and "articles: commit 1" in doctor.stdout
    repair = alliance(["doctor", "--repair", "--warehouse", str(warehouse)], api_url)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert "5 inputs will be read again" in repair.stdout
    again = alliance(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
    assert again.returncode == 0, again.stderr[-2000:]
    assert articles(warehouse) == 5
    assert check_warehouse(Warehouse(str(warehouse)), thorough=True) == []
    assert (warehouse / "articles" / "_delta_log_damaged").is_dir()  # kept for a post-mortem


def test_missing_data_files_are_found_and_their_inputs_read_again(copy, api_url):
    inbox, warehouse = copy
    for uri in DeltaTable(str(warehouse / "articles")).file_uris():
        os.remove(uri)
    problems = check_warehouse(Warehouse(str(warehouse)))
    assert [p.kind for p in problems] == ["missing_files"]
    repair = alliance(["doctor", "--repair", "--warehouse", str(warehouse)], api_url)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    again = alliance(["run", "--inbox", str(inbox), "--warehouse", str(warehouse)], api_url)
    assert again.returncode == 0, again.stderr[-2000:]
    assert articles(warehouse) == 5


def test_a_garbled_log_and_a_file_for_a_warehouse_answer_in_one_line(copy, tmp_path, api_url):
    _, warehouse = copy
    last_commit(warehouse, "quarantine").write_text("{not json")
    for command in (["status"], ["export", "--out", str(tmp_path / "x")], ["files", "quarantine"]):
        out = alliance([*command, "--warehouse", str(warehouse)], api_url)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        assert out.stderr.strip().count("\n") <= 1  # a warning line at most, then the error
    afile = tmp_path / "wh-file"
    afile.write_text("")
    out = alliance(["run", "--warehouse", str(afile)], api_url)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "is a file, not a folder" in out.stderr


def test_a_read_only_warehouse_is_named(tmp_path, monkeypatch):
    (tmp_path / "wh").mkdir()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)  # root may write anywhere
    (problem,) = check_warehouse(Warehouse(str(tmp_path / "wh")))
    assert problem.kind == "read_only" and "not writable" in problem.line()


def test_os_errors_say_what_to_do():
    from flows.cli import _os_error

    full = OSError(errno.ENOSPC, "No space left on device", "/data/wh/articles/part-1.parquet")
    assert _os_error(full) == (
        "/data/wh/articles/part-1.parquet: the disk is full; free space and run again "
        "(a run commits all or nothing)"
    )
    assert "read-only" in _os_error(OSError(errno.EROFS, "Read-only file system"))


def test_a_failing_report_leaves_a_committed_run_succeeded(tmp_path, prefect_harness, monkeypatch):
    import flows.report
    from flows.ingest_flow import ingest_flow

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(flows.report, "render_report", full_disk)
    summary = ingest_flow(inbox=str(SAMPLES), warehouse=str(tmp_path / "wh"))
    assert summary["articles_new"] == 5 and summary["report"] is None
    assert "No space left on device" in summary["warnings"][0]
    runs = DeltaTable(str(tmp_path / "wh" / "runs")).to_pandas()
    assert list(runs["status"]) == ["succeeded"]


def test_salience_over_time_takes_rows_whose_articles_are_missing():
    empty = pd.DataFrame({"article_id": pd.Series([], dtype=str), "published_at": []})
    rows = pd.DataFrame({"article_id": ["a"], "issue_code": ["SANCTIONS"], "salience": [1.0]})
    assert salience_over_time(rows, empty).empty
    dated = pd.DataFrame({"article_id": ["a", "b"], "published_at": [dt.date(2020, 1, 2), None]})
    rows = pd.DataFrame(
        {"article_id": ["a", "b", "c"], "issue_code": ["X", "X", "Y"], "salience": [1.0, 2.0, 3.0]}
    )
    assert salience_over_time(rows, dated).to_dict() == {"X": {"2020-01": 1.0}}


@pytest.mark.parametrize("size", [500_001, 2_000_000])
def test_an_overlong_text_is_quarantined_unprocessed(size, extractors):
    text = ("Seoul and Washington discussed the alliance. " * (size // 40 + 1))[:size]
    result = process_batch(
        [InputFile("/inbox/huge.txt", text.encode())],
        extractors,
        run_id="r",
        ingested_at=dt.datetime.now(dt.UTC),
    )
    (row,) = result.tables["quarantine"].to_pylist()
    assert (row["stage"], row["reason"]) == ("normalize", "text_too_long")
    assert f"{size:,} characters" in row["detail"]


def test_a_run_into_a_damaged_warehouse_raises_before_writing(copy, prefect_harness):
    from flows.ingest_flow import ingest_flow

    inbox, warehouse = copy
    commit = last_commit(warehouse)
    commit.write_bytes(b"\0" * commit.stat().st_size)
    before = {p.name for p in (warehouse / "runs" / "_delta_log").iterdir()}
    with pytest.raises(WarehouseError, match="damaged"):
        ingest_flow(inbox=str(inbox), warehouse=str(warehouse), report=False)
    assert {p.name for p in (warehouse / "runs" / "_delta_log").iterdir()} == before
