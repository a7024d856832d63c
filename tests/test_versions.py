"""What every run records about the code and seeds it ran, and warehouses of older schemas."""

import datetime as dt
import re

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from flows.version import code_version
from flows.warehouse import Warehouse
from transforms.schema import SCHEMA_VERSION, TABLES, to_arrow


def test_the_code_version_names_the_package_and_the_commit():
    # This checkout is a git clone (CI clones it): the commit is known.
    assert re.fullmatch(r"\d+\.\d+\.\d+\+g[0-9a-f]{7}(\.dirty)?", code_version())


def test_a_warehouse_of_an_older_schema_gets_the_new_columns(tmp_path):
    wh = Warehouse(str(tmp_path / "wh"))
    # The runs table as schema 1.0.0 wrote it: without the two version columns.
    old_schema = pa.schema(
        [f for f in TABLES["runs"].schema if f.name not in ("normalizer_version", "code_version")]
    )
    old_row = {f.name: None for f in old_schema}
    old_row.update(
        run_id="old",
        flow="ingest",
        started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        finished_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        inbox="x",
        files_seen=0,
        articles_new=0,
        inputs_skipped=0,
        quarantined=0,
        validation_success=True,
        validation_failures=0,
        table_versions="{}",
        rows_written="{}",
        taxonomy_version="1.0.0",
        gazetteer_version="1.0.0",
        schema_version="1.0.0",
        status="succeeded",
    )
    write_deltalake(wh.uri("runs"), pa.Table.from_pylist([old_row], old_schema))
    assert "code_version" not in DeltaTable(wh.uri("runs")).schema().to_arrow().names

    wh.ensure_tables()  # what every run and backfill does first
    new_row = dict(old_row, run_id="new", schema_version=SCHEMA_VERSION)
    new_row.update(normalizer_version="1.4.0", code_version="0.1.0+gabcdef0")
    wh.commit({"runs": to_arrow("runs", [new_row])})
    runs = DeltaTable(wh.uri("runs")).to_pandas().set_index("run_id")
    assert runs.loc["new", "code_version"] == "0.1.0+gabcdef0"
    assert runs.loc["new", "normalizer_version"] == "1.4.0"
    assert runs.loc["old", ["code_version", "normalizer_version"]].isna().all()


def test_a_run_record_is_exactly_a_runs_row_and_is_replaced_not_edited(reference):
    from flows.runrecord import RunRecord

    started = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    record = RunRecord.start("r1", "ingest", started, "/inbox", reference)
    assert set(record.row()) == set(TABLES["runs"].schema.names)
    assert record.status == "failed" and record.row()["finished_at"] == started
    done = record.ended(status="succeeded", articles_new=3)
    assert (record.status, record.articles_new) == ("failed", 0)  # the start is kept as it was
    table = to_arrow("runs", [done.row()])
    assert table.column("status").to_pylist() == ["succeeded"]
    assert table.column("normalizer_version").to_pylist() == [reference.versions["normalizer"]]
