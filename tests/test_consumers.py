"""Downstream use: file lists, manifest, exports, status, report, and the CLI around them."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from deltalake import DeltaTable

from flows.cli import build_parser, main
from flows.consumers import (
    MANIFEST,
    export_snapshot,
    table_files,
    verify_snapshot,
    warehouse_status,
    write_manifest,
)
from flows.report import render_report
from flows.warehouse import Warehouse, runs_json
from tests.conftest import SAMPLES
from transforms.ingest import InputFile
from transforms.pipeline import process_batch
from transforms.schema import TABLES, to_arrow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, extractors):
    """Two runs' worth of commits, each followed by a runs row, like the flow writes."""
    wh = Warehouse(str(tmp_path_factory.mktemp("consumers") / "wh"))
    wh.ensure_tables()
    files = sorted(SAMPLES.iterdir())
    for i, chunk in enumerate((files[:2], files[2:])):
        now = dt.datetime.now(dt.UTC)
        res = process_batch(
            [InputFile(str(p), p.read_bytes()) for p in chunk],
            extractors,
            run_id=f"run{i}",
            ingested_at=now,
        )
        versions = wh.commit(res.tables)
        row = {
            "run_id": f"run{i}",
            "flow": "ingest",
            "started_at": now,
            "finished_at": dt.datetime.now(dt.UTC),
            "inbox": "x",
            "files_seen": len(chunk),
            "articles_new": len(chunk),
            "inputs_skipped": 0,
            "quarantined": 0,
            "validation_success": True,
            "validation_failures": 0,
            "table_versions": runs_json(versions),
            "rows_written": "{}",
            "taxonomy_version": "t",
            "gazetteer_version": "g",
            "schema_version": "s",
            "status": "succeeded",
        }
        wh.commit({"runs": to_arrow("runs", [row])})
        write_manifest(wh)
    return wh


def test_files_match_the_delta_log(warehouse):
    for version in (1, 2):
        assert (
            table_files(warehouse, "articles", version)
            == DeltaTable(warehouse.uri("articles"), version=version).file_uris()
        )
    v1 = pd.concat(pd.read_parquet(f) for f in table_files(warehouse, "articles", 1))
    assert len(v1) == 2


def test_manifest_lists_current_files(warehouse):
    manifest = json.loads((Path(warehouse.root) / MANIFEST).read_text())
    assert set(manifest["tables"]) == set(TABLES)
    assert manifest["tables"]["articles"]["files"] == table_files(warehouse, "articles")
    rows = sum(len(pd.read_parquet(f)) for f in manifest["tables"]["articles"]["files"])
    assert rows == 5


def test_export_is_self_contained_and_checked(warehouse, tmp_path):
    out = tmp_path / "snap"
    manifest = export_snapshot(warehouse, out)
    assert manifest["as_of_run"] == "run1"
    assert manifest["tables"]["articles"]["rows"] == 5
    assert verify_snapshot(out) == []
    moved = tmp_path / "elsewhere"
    shutil.copytree(out, moved)  # another machine: only the folder travels
    assert len(pd.read_parquet(moved / "articles.parquet")) == 5
    (moved / "articles.parquet").write_bytes(b"tampered")
    assert verify_snapshot(moved) == ["articles: checksum mismatch"]
    older = export_snapshot(warehouse, tmp_path / "snap1", runs_version=1)
    assert older["as_of_run"] == "run0"
    assert older["tables"]["articles"]["rows"] == 2


def test_status_counts_rows_and_runs(warehouse):
    status = warehouse_status(warehouse)
    assert status["tables"]["articles"]["rows"] == 5
    assert status["tables"]["runs"]["rows"] == 2
    assert [r["run_id"] for r in status["runs"]] == ["run1", "run0"]
    assert status["quarantined"] == 0


def test_cli_commands(warehouse, tmp_path, capsys):
    assert main(["files", "articles", "--warehouse", warehouse.root]) == 0
    assert capsys.readouterr().out.split() == table_files(warehouse, "articles")
    assert main(["files", "nope", "--warehouse", warehouse.root]) == 2
    assert "not one of" in capsys.readouterr().err
    assert main(["status", "--json", "--warehouse", warehouse.root]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["articles"]["rows"] == 5
    assert main(["export", "--out", str(tmp_path / "e"), "--warehouse", warehouse.root]) == 0
    assert (tmp_path / "e" / "manifest.json").exists()
    # the export ships the data dictionary and the codebook
    assert "## statements" in (tmp_path / "e" / "data-dictionary.md").read_text()
    assert "## COST_SHARING" in (tmp_path / "e" / "codebook.md").read_text()
    assert "cff-version" in (tmp_path / "e" / "CITATION.cff").read_text()
    # a Frictionless descriptor of every file and column, and no local path in either JSON
    package = json.loads((tmp_path / "e" / "datapackage.json").read_text())
    manifest = json.loads((tmp_path / "e" / "manifest.json").read_text())
    assert {r["name"] for r in package["resources"]} == set(TABLES)
    for resource in package["resources"]:
        columns = pd.read_parquet(tmp_path / "e" / resource["path"]).columns
        assert [f["name"] for f in resource["schema"]["fields"]] == list(columns)
        assert resource["hash"] == "sha256:" + manifest["tables"][resource["name"]]["sha256"]
    assert {"codebook.md", "CITATION.cff", "manifest.json"} <= set(package["files"])
    articles = next(r for r in package["resources"] if r["name"] == "articles")
    types = {f["name"]: f["type"] for f in articles["schema"]["fields"]}
    assert types["article_id"] == "string" and types["published_at"] == "date"
    assert types["ingested_at"] == "datetime"
    assert articles["schema"]["primaryKey"] == ["article_id"]
    for name in ("datapackage.json", "manifest.json"):
        text = (tmp_path / "e" / name).read_text()
        assert str(tmp_path) not in text and warehouse.root not in text, name
    assert main(["status", "--warehouse", str(tmp_path / "empty")]) == 2


def test_cli_help_is_complete():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {
        "run",
        "backfill",
        "server",
        "serve",
        "status",
        "doctor",
        "files",
        "export",
        "explain",
        "report",
    }
    for name, cmd in sub.choices.items():
        assert cmd.description, name
        for action in cmd._actions:
            assert action.help, (name, action.dest)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_a_headless_browser(warehouse, tmp_path):
    out = tmp_path / "report.html"
    written = render_report(warehouse, out)
    assert {p.name for p in written} == {
        "report.html",
        "salience_over_time.png",
        "actor_issue_network.png",
    }
    page = out.read_text()
    assert "http://" not in page and "https://" not in page  # offline: nothing to fetch
    for png in written[1:]:
        assert png.read_bytes().startswith(b"\x89PNG")
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (.ci/run installs Debian's chromium)")
        pytest.skip("Chromium not installed: apt-get install chromium to run this check locally")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert 'data-images-ok="true"' in dom.stdout, dom.stderr[-2000:]
    for heading in (
        "Issue salience over time",
        "Who raised each issue",
        "Top actors per issue",
        "Actor-issue network",
        "Latest run",
    ):
        assert heading in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1200,2400", out.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists() and shot.stat().st_size > 10_000


def test_cli_parses_every_run_option():
    args = build_parser().parse_args(
        [
            "run",
            "--inbox",
            "in",
            "--warehouse",
            "wh",
            "--batch-size",
            "7",
            "--feeds",
            "f.yaml",
            "--task-runner",
            "dask",
            "--dask-address",
            "tcp://127.0.0.1:8786",
            "--lock-timeout",
            "5",
            "--json",
        ]
    )
    assert (args.inbox, args.warehouse, args.batch_size, args.feeds, args.task_runner) == (
        "in",
        "wh",
        7,
        "f.yaml",
        "dask",
    )
    assert (args.dask_address, args.lock_timeout, args.json) == ("tcp://127.0.0.1:8786", 5.0, True)
    args = build_parser().parse_args(["backfill", "--since", "2020-01-31", "--reextract"])
    assert str(args.since) == "2020-01-31" and args.reextract
    with pytest.raises(SystemExit):
        build_parser().parse_args(["backfill", "--since", "31/01/2020"])


def test_run_rejects_a_missing_inbox_or_bad_feeds_before_starting(tmp_path, capsys):
    assert (
        main(["run", "--inbox", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh")]) == 2
    )
    assert "does not exist" in capsys.readouterr().err
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: [ftp://example.org/x]\n")
    assert main(["run", "--feeds", str(feeds), "--warehouse", str(tmp_path / "wh")]) == 2
    assert "not http" in capsys.readouterr().err
    assert not (tmp_path / "wh").exists()


def test_cli_mistakes_are_answered_in_one_line_with_exit_2(warehouse, tmp_path, capsys):
    def answer(*argv: str) -> str:
        with pytest.raises(SystemExit) as stop:
            main(list(argv))
        assert stop.value.code == 2
        return capsys.readouterr().err

    # A flag the command does not take: that command's usage, not alliance's.
    err = answer("run", "--bogus")
    assert "usage: alliance run" in err and "unrecognized arguments: --bogus" in err
    assert "argument --batch-size: 0 is less than 1" in answer("run", "--batch-size", "0")
    assert "argument --workers: 0 is less than 1" in answer("backfill", "--workers", "0")
    root = warehouse.root
    assert main(["files", "articles", "--version", "99", "--warehouse", root]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("alliance files: no_such_version: articles has versions 0 to")
    assert "\n" not in err
    assert (
        main(["export", "--out", str(tmp_path / "x"), "--version", "99", "--warehouse", root]) == 2
    )
    assert "no_such_version: runs has versions 0 to" in capsys.readouterr().err
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["report", "--out", str(blocked / "r" / "report.html"), "--warehouse", root]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"alliance report: cannot write {blocked / 'r' / 'report.html'}:")


def test_cli_version_names_the_package_and_commit(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert re.fullmatch(
        r"alliance-issues \d+\.\d+\.\d+\+g[0-9a-f]{7}(\.dirty)?\n", capsys.readouterr().out
    )
