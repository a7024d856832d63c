"""Appending to Delta tables with our own Parquet files: rows, statistics, skipping, failures."""

import datetime as dt
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import deltafiles

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("short", pa.string()),
        pa.field("long", pa.string()),
        pa.field("n32", pa.int32()),
        pa.field("n64", pa.int64()),
        pa.field("x", pa.float64()),
        pa.field("flag", pa.bool_()),
        pa.field("day", pa.date32()),
        pa.field("at", pa.timestamp("us", tz="UTC")),
    ]
)
UTC_RANGE = (dt.datetime(1990, 1, 1), dt.datetime(2060, 1, 1))


def _rows(n: int, seed: int = 0) -> pa.Table:
    base = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    return pa.table(
        {
            "id": [f"a{seed}-{i:05d}" for i in range(n)],
            "short": [None if i % 7 == 0 else f"s{(i * 37) % 101}" for i in range(n)],
            "long": ["Ünïcode text " * (1 + i % 9) + str(i) for i in range(n)],
            "n32": [None if i % 5 == 0 else (i * 7919) % 1000 - 500 for i in range(n)],
            "n64": [i * 1_000_000_007 for i in range(n)],
            "x": [float("nan") if i % 11 == 0 else i / 3 for i in range(n)],
            "flag": [i % 3 == 0 for i in range(n)],
            "day": [dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "at": [base + dt.timedelta(microseconds=1234 * i + 1) for i in range(n)],
        },
        schema=SCHEMA,
    )


def _empty_table(path) -> str:
    uri = str(path)
    write_deltalake(uri, SCHEMA.empty_table(), mode="append")
    return uri


def _reader(table: pa.Table, chunk: int = 100) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(SCHEMA, table.to_batches(max_chunksize=chunk))


def _stats(uri: str) -> list[dict]:
    """The stats JSON of every file of the table, in file-name order, from its log."""
    stats = {}
    for entry in sorted(Path(uri, "_delta_log").glob("*.json")):
        for line in entry.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                stats[action["add"]["path"]] = json.loads(action["add"]["stats"])
    return [
        stats[name] for name in sorted(u.rsplit("/", 1)[-1] for u in DeltaTable(uri).file_uris())
    ]


def _python(value, field: pa.Field):
    """A stats JSON value back as the column's Python value, for comparison."""
    if pa.types.is_timestamp(field.type):
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    if pa.types.is_date(field.type):
        return dt.date.fromisoformat(value)
    return value


def _check_bounds(table: pa.Table, stats: dict) -> None:
    """Every value lies within the file's stated bounds; null counts are exact."""
    assert stats["numRecords"] == table.num_rows
    for field in table.schema:
        values = [v for v in table[field.name].to_pylist() if v is not None]
        assert stats["nullCount"][field.name] == table.num_rows - len(values)
        if pa.types.is_floating(field.type):
            values = [v for v in values if not math.isnan(v)]
        if field.name in stats["minValues"]:
            low = _python(stats["minValues"][field.name], field)
            assert all(low <= v for v in values), field.name
        if field.name in stats["maxValues"]:
            high = _python(stats["maxValues"][field.name], field)
            assert all(v <= high for v in values), field.name


def test_rows_and_stats_match_what_the_delta_writer_gives(tmp_path):
    rows = _rows(1_000)
    ours = _empty_table(tmp_path / "ours")
    theirs = _empty_table(tmp_path / "theirs")
    assert deltafiles.append(ours, _reader(rows)) == 1
    write_deltalake(theirs, rows, mode="append")

    got = DeltaTable(ours).to_pandas().sort_values("id").reset_index(drop=True)
    want = rows.to_pandas().sort_values("id").reset_index(drop=True)
    assert got.equals(want)

    (mine,) = _stats(ours)
    (rust,) = _stats(theirs)
    _check_bounds(rows, mine)
    assert mine["numRecords"] == rust["numRecords"] == 1_000
    assert mine["nullCount"] == rust["nullCount"]
    for column in ("id", "short", "n32", "n64", "x", "flag", "day"):
        assert mine["minValues"][column] == rust["minValues"][column], column
        assert mine["maxValues"][column] == rust["maxValues"][column], column
    # Milliseconds, like the Delta writer; a max with sub-millisecond digits is rounded up.
    assert mine["minValues"]["at"] == rust["minValues"]["at"]
    assert mine["maxValues"]["at"] >= rust["maxValues"]["at"]
    longest = max(rows["long"].to_pylist())
    assert len(longest) > 32 and mine["maxValues"]["long"] == deltafiles._prefix_above(longest[:32])


def test_several_files_and_row_groups_each_with_their_own_stats(tmp_path, monkeypatch):
    monkeypatch.setattr(deltafiles, "GROUP_BYTES", 20_000)
    monkeypatch.setattr(deltafiles, "FILE_BYTES", 60_000)
    rows = _rows(3_000, seed=1)
    uri = _empty_table(tmp_path / "t")
    deltafiles.append(uri, _reader(rows, chunk=64))
    files = DeltaTable(uri).file_uris()
    assert len(files) > 3
    read = ds.dataset(files, format="parquet", schema=SCHEMA).to_table()
    assert sorted(read["id"].to_pylist()) == sorted(rows["id"].to_pylist())
    groups = sum(pq.ParquetFile(f).num_row_groups for f in files)
    assert groups > len(files)
    for path, stats in zip(sorted(files), _stats(uri), strict=True):
        _check_bounds(ds.dataset(path, format="parquet").to_table(), stats)


def test_readers_skip_files_by_the_stats(tmp_path, monkeypatch):
    monkeypatch.setattr(deltafiles, "GROUP_BYTES", 20_000)
    monkeypatch.setattr(deltafiles, "FILE_BYTES", 20_000)
    rows = _rows(2_000, seed=2)  # "day" rises with the row: files hold disjoint date ranges
    uri = _empty_table(tmp_path / "t")
    deltafiles.append(uri, _reader(rows))
    cut = dt.date(2004, 1, 1)
    table = DeltaTable(uri)
    got = table.to_pyarrow_dataset().to_table(filter=pc.field("day") >= cut)
    assert sorted(got["id"].to_pylist()) == sorted(
        rows.filter(pc.field("day") >= cut)["id"].to_pylist()
    )
    kept = table.to_pyarrow_dataset().get_fragments(filter=pc.field("day") >= cut)
    assert 0 < len(list(kept)) < len(table.file_uris())


def test_no_rows_no_commit(tmp_path):
    uri = _empty_table(tmp_path / "t")
    assert deltafiles.append(uri, _reader(SCHEMA.empty_table())) == 0
    assert DeltaTable(uri).version() == 0
    assert not list((tmp_path / "t").glob("*.parquet"))


def test_a_failing_reader_leaves_no_files_and_no_commit(tmp_path):
    uri = _empty_table(tmp_path / "t")
    rows = _rows(500)

    def batches():
        yield from rows.to_batches(max_chunksize=100)[:3]
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        deltafiles.append(uri, pa.RecordBatchReader.from_batches(SCHEMA, batches()))
    assert DeltaTable(uri).version() == 0
    assert not list((tmp_path / "t").glob("*.parquet"))


def test_a_lost_commit_race_is_retried_and_a_lost_commit_cleans_up(tmp_path, monkeypatch):
    uri = _empty_table(tmp_path / "t")
    real = DeltaTable.create_write_transaction
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            write_deltalake(uri, _rows(3, seed=9), mode="append")  # the other writer wins
            raise CommitFailedError("version 1 already exists")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(DeltaTable, "create_write_transaction", flaky)
    assert deltafiles.append(uri, _reader(_rows(50))) == 2
    assert DeltaTable(uri).to_pandas().shape[0] == 53

    def always(self, *args, **kwargs):
        raise CommitFailedError("version taken")

    monkeypatch.setattr(DeltaTable, "create_write_transaction", always)
    before = sorted(p.name for p in (tmp_path / "t").glob("*.parquet"))
    with pytest.raises(CommitFailedError):
        deltafiles.append(uri, _reader(_rows(50, seed=3)), retries=2)
    assert sorted(p.name for p in (tmp_path / "t").glob("*.parquet")) == before
    assert DeltaTable(uri).version() == 2


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    strings=st.lists(st.none() | st.text(max_size=50), min_size=1, max_size=30),
    floats=st.lists(st.none() | st.floats(), min_size=1, max_size=30),
    times=st.lists(
        st.none() | st.datetimes(*UTC_RANGE, timezones=st.just(dt.UTC)), min_size=1, max_size=30
    ),
)
def test_stats_bound_any_values(tmp_path_factory, strings, floats, times):
    n = min(len(strings), len(floats), len(times))
    schema = pa.schema([("s", pa.string()), ("x", pa.float64()), ("t", pa.timestamp("us", "UTC"))])
    rows = pa.table({"s": strings[:n], "x": floats[:n], "t": times[:n]}, schema=schema)
    uri = str(tmp_path_factory.mktemp("prop"))
    write_deltalake(uri, schema.empty_table(), mode="append")
    deltafiles.append(uri, pa.RecordBatchReader.from_batches(schema, rows.to_batches()))
    (stats,) = _stats(uri)
    _check_bounds(rows, stats)
    json.dumps(stats, allow_nan=False)  # valid JSON: no NaN or infinity in the log


def test_prefix_above_is_above_every_extension():
    assert deltafiles._prefix_above("abc") == "abd"
    assert deltafiles._prefix_above("a\U0010ffff") == "b"
    assert deltafiles._prefix_above("\ud7ff") == "\ue000"
    assert deltafiles._prefix_above("\U0010ffff") is None
    long = "ab" * 40
    assert deltafiles._json_bound(long, up=True) > long
    assert deltafiles._json_bound(long, up=False) <= long


def test_adopted_files_join_the_table_as_they_are_with_their_stats(tmp_path):
    uri = _empty_table(tmp_path / "t")
    staged = []
    for i in range(2):  # two batches' staged parts, written as the staging step writes them
        path = tmp_path / "staging" / f"part-{i:06d}.parquet"
        path.parent.mkdir(exist_ok=True)
        pq.write_table(_rows(50, seed=i), path, compression="zstd")
        staged.append(path)
    version = deltafiles.append(uri, _reader(_rows(30, seed=9)), adopt=staged)

    assert version == 1
    assert not any(p.exists() for p in staged)  # moved, not copied
    got = DeltaTable(uri).to_pandas().sort_values("id")["id"].tolist()
    want = sorted(
        _rows(50, seed=0)["id"].to_pylist()
        + _rows(50, seed=1)["id"].to_pylist()
        + _rows(30, seed=9)["id"].to_pylist()
    )
    assert got == want
    files = sorted(u.rsplit("/", 1)[-1] for u in DeltaTable(uri).file_uris())
    assert len(files) == 3
    stats = _stats(uri)
    for name, stat in zip(files, stats, strict=True):
        _check_bounds(pq.read_table(Path(uri, name)), stat)


def test_a_file_of_another_schema_is_refused_before_anything_moves(tmp_path):
    from transforms.errors import WarehouseError

    uri = _empty_table(tmp_path / "t")
    good = tmp_path / "good.parquet"
    bad = tmp_path / "bad.parquet"
    pq.write_table(_rows(5), good)
    pq.write_table(_rows(5).drop_columns(["flag"]), bad)
    with pytest.raises(WarehouseError, match=r"bad\.parquet"):
        deltafiles.append(uri, _reader(_rows(3, seed=2)), adopt=[good, bad])
    assert good.exists() and bad.exists()
    assert DeltaTable(uri).version() == 0
    assert [p.name for p in Path(uri).glob("*.parquet")] == []  # the written rest is removed too
