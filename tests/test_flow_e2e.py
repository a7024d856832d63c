"""End to end through Prefect: a temporary inbox into a temporary warehouse, twice."""

import json
import os
import re
import shutil

import pytest
from deltalake import DeltaTable

from flows.seeds import load_reference
from tests.conftest import SAMPLES
from transforms.schema import ARTICLE_TABLES, TABLES

pytestmark = pytest.mark.slow


def make_inbox(root):
    inbox = root / "inbox"
    inbox.mkdir()
    for p in SAMPLES.iterdir():
        shutil.copy(p, inbox / p.name)
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04")
    (inbox / "broken.json").write_text('{"text": ')
    (inbox / "korean.txt").write_text(
        "서울과 워싱턴은 방위비 분담 협상을 재개했다고 밝혔다. 한미동맹은 굳건하다."
    )
    (inbox / "dupe.txt").write_bytes((SAMPLES / "000_c0359f83fd5253aa.txt").read_bytes() + b"\n\n")
    (inbox / "copy.txt").write_bytes((SAMPLES / "001_369282a053d58b26.txt").read_bytes())
    (inbox / "sub").mkdir()
    (inbox / "sub" / "feed.jsonl").write_text(
        json.dumps(
            {
                "text": "Seoul and Washington resumed cost-sharing talks, officials in Seoul said on Monday.",
                "title": "Talks resume",
                "url": "https://www.koreaherald.com/view.php?ud=7",
                "published_at": "2021-03-08",
            }
        )
        + "\nnot json\n"
    )
    (inbox / "escape.txt").symlink_to("/etc/hostname")
    return inbox


@pytest.fixture(scope="module")
def warehouse_run(tmp_path_factory, prefect_harness):
    from flows.ingest_flow import ingest_flow

    root = tmp_path_factory.mktemp("e2e")
    inbox = make_inbox(root)
    warehouse = root / "warehouse"
    first = ingest_flow(inbox=str(inbox), warehouse=str(warehouse), batch_size=4)
    versions_after_first = {n: DeltaTable(str(warehouse / n)).version() for n in TABLES}
    second = ingest_flow(inbox=str(inbox), warehouse=str(warehouse), batch_size=4)
    return inbox, warehouse, first, second, versions_after_first


def test_a_flow_of_several_batches_runs_them_on_worker_processes(warehouse_run):
    # The path `alliance run`, scheduled runs and backfills share: the flow itself opens one
    # warm worker process per core for two batches or more (none for a run with nothing new).
    _, _, first, second, _ = warehouse_run
    cores = os.cpu_count() or 1
    assert first["batches"] >= 2
    assert first["worker_processes"] == (cores if cores > 1 else 0)
    assert second["worker_processes"] == 0


def test_every_input_ends_in_articles_or_quarantine(warehouse_run):
    inbox, warehouse, first, _, _ = warehouse_run
    articles = DeltaTable(str(warehouse / "articles")).to_pandas()
    quarantine = DeltaTable(str(warehouse / "quarantine")).to_pandas()
    stored = {u.split("#")[0] for u in articles["source_uri"]} | {
        u.split("#")[0] for u in quarantine["source_uri"]
    }
    files = {
        str(p.absolute()) if p.is_symlink() else str(p.resolve())
        for p in inbox.rglob("*")
        if not p.is_dir()
    }
    assert files <= stored
    assert first["articles_new"] == 6  # five samples + one JSON Lines record
    reasons = dict(
        zip(
            quarantine["source_uri"].str.rsplit("/", n=1).str[-1], quarantine["reason"], strict=True
        )
    )
    assert reasons == {
        "empty.txt": "empty_file",
        "binary.txt": "binary_file",
        "notes.docx": "unsupported_extension",
        "broken.json": "malformed_json",
        "korean.txt": "not_english",
        "dupe.txt": "duplicate_content",
        "copy.txt": "duplicate_content",
        "feed.jsonl#L2": "malformed_json",
        "escape.txt": "symlink_outside_inbox",
    }
    assert all(quarantine["detail"].str.len() > 0)


def test_tables_are_consistent_and_versioned(warehouse_run):
    _, warehouse, first, _, _ = warehouse_run
    articles = DeltaTable(str(warehouse / "articles")).to_pandas()
    ids = set(articles["article_id"])
    for name in ARTICLE_TABLES:
        t = DeltaTable(str(warehouse / name)).to_pandas()
        assert set(t["article_id"]) <= ids, name
    mentions = DeltaTable(str(warehouse / "actor_mentions")).to_pandas()
    text = dict(zip(articles["article_id"], articles["text"], strict=True))
    assert all(
        text[a][s:e] == m
        for a, s, e, m in zip(
            mentions["article_id"],
            mentions["start"],
            mentions["end"],
            mentions["matched_text"],
            strict=True,
        )
    )
    runs = DeltaTable(str(warehouse / "runs")).to_pandas().sort_values("started_at")
    assert list(runs["status"]) == ["succeeded", "succeeded"]
    assert (
        json.loads(runs.iloc[0]["table_versions"])["articles"]
        == first["table_versions"]["articles"]
        == 1
    )
    assert runs.iloc[0]["taxonomy_version"] == first["taxonomy_version"]
    # Every run names the normalizer seeds (which decide article_id) and the code it ran.
    assert runs.iloc[0]["normalizer_version"] == load_reference().versions["normalizer"]
    assert re.fullmatch(r"\d+\.\d+\.\d+\+g[0-9a-f]{7}(\.dirty)?", runs.iloc[0]["code_version"])
    assert set(articles["taxonomy_version"]) == {first["taxonomy_version"]}
    feed = articles[articles["source_kind"] == "jsonl"].iloc[0]
    assert (feed["outlet"], feed["title"], str(feed["published_at"])) == (
        "The Korea Herald",
        "Talks resume",
        "2021-03-08",
    )


def stored_uris(warehouse) -> set[str]:
    """Files named by a row of articles or quarantine (JSON Lines records by their file)."""
    return {
        u.split("#")[0]
        for name in ("articles", "quarantine")
        for u in DeltaTable(str(warehouse / name)).to_pandas()["source_uri"]
    }


def inbox_files(inbox) -> set[str]:
    """The inbox's files as the tables name them."""
    return {
        str(p.absolute()) if p.is_symlink() else str(p.resolve())
        for p in inbox.rglob("*")
        if not p.is_dir()
    }


def unrecorded_run_ids(warehouse) -> set[str]:
    """Run ids on rows of any table that the runs table does not list."""
    runs = set(DeltaTable(str(warehouse / "runs")).to_pandas()["run_id"])
    used = set()
    for name in TABLES:
        if "run_id" in TABLES[name].schema.names:
            used |= set(DeltaTable(str(warehouse / name)).to_pandas()["run_id"])
    return used - runs


def test_rerun_adds_nothing(warehouse_run):
    _, warehouse, _, second, versions_after_first = warehouse_run
    assert second["articles_new"] == 0
    assert second["quarantined"] == 0
    # Unchanged files are not even read again (the inputs table); the symlink is re-checked, then skipped.
    assert second["inputs_skipped"] == sum(1 for p in warehouse_run[0].rglob("*") if not p.is_dir())
    now = {n: DeltaTable(str(warehouse / n)).version() for n in TABLES}
    assert {n: v for n, v in now.items() if n != "runs"} == {
        n: v for n, v in versions_after_first.items() if n != "runs"
    }
    assert now["runs"] == versions_after_first["runs"] + 1


def test_run_publishes_prefect_artifacts_and_a_report(warehouse_run):
    from prefect.artifacts import Artifact

    _, warehouse, first, second, _ = warehouse_run
    summary = Artifact.get("alliance-run-summary")
    assert summary is not None and second["run_id"] in summary.data  # the latest run's summary
    table = Artifact.get("alliance-run-articles")
    assert table is not None and table.type == "table"
    link = Artifact.get("alliance-report")
    assert link is not None and "report.html" in link.data and "file://" in link.data
    assert first["report"] and (warehouse / "_report" / "report.html").exists()
    manifest = json.loads((warehouse / "_manifest.json").read_text())
    assert manifest["tables"]["articles"]["version"] == first["table_versions"]["articles"]


@pytest.mark.slow
def test_a_byte_copy_arriving_later_is_quarantined_as_a_duplicate(tmp_path, prefect_harness):
    from flows.ingest_flow import ingest_flow

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sample = sorted(SAMPLES.glob("*.txt"))[0]
    shutil.copy(sample, inbox / "first.txt")
    ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "wh"), report=False)
    shutil.copy(sample, inbox / "later-copy.txt")
    second = ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "wh"), report=False)
    assert second["articles_new"] == 0 and second["quarantined"] == 1
    quarantine = DeltaTable(str(tmp_path / "wh" / "quarantine")).to_pandas()
    assert list(quarantine["reason"]) == ["duplicate_content"]
    assert stored_uris(tmp_path / "wh") == inbox_files(inbox)
    third = ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "wh"), report=False)
    assert third["quarantined"] == 0 and third["inputs_skipped"] == 2
