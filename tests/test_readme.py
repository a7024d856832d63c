"""The README's reader snippets run against a real warehouse."""

import datetime as dt
import re

import pyarrow as pa

from flows.warehouse import Warehouse
from tests.conftest import REPO, SAMPLES
from transforms.ingest import InputFile
from transforms.pipeline import process_batch


def python_blocks():
    text = (REPO / "README.md").read_text()
    section = text.split("## Reading the tables", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_reader_snippets_run(tmp_path, extractors, capsys):
    wh = Warehouse(str(tmp_path / "wh"))
    wh.ensure_tables()
    files = sorted(SAMPLES.iterdir())
    for chunk in (files[:2], files[2:]):  # two commits: version 1 and version 2
        res = process_batch(
            [InputFile(str(p), p.read_bytes()) for p in chunk],
            extractors,
            run_id="readme",
            ingested_at=dt.datetime.now(dt.UTC),
        )
        wh.commit(res.tables)
    blocks = python_blocks()
    assert len(blocks) == 3  # pandas, DuckDB, Polars
    outputs = []
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"WAREHOUSE": wh.root})
        outputs.append(capsys.readouterr().out.strip())
    v1 = wh.read("article_issues", version=1).num_rows
    now = wh.read("article_issues").num_rows
    assert v1 < now
    pandas_out, duckdb_out, polars_out = outputs
    assert pandas_out.split()[:2] == [
        "5",
        str(v1),
    ]  # five articles now; version 1 had fewer issue rows
    assert duckdb_out.endswith(f"] {v1}")
    assert polars_out.startswith(f"{now} {v1} ")


def test_commit_replaces_rows_left_by_an_interrupted_run(tmp_path, extractors):
    wh = Warehouse(str(tmp_path / "wh"))
    wh.ensure_tables()
    p = SAMPLES / "001_369282a053d58b26.txt"
    res = process_batch(
        [InputFile(str(p), p.read_bytes())],
        extractors,
        run_id="r1",
        ingested_at=dt.datetime.now(dt.UTC),
    )
    partial = {k: v for k, v in res.tables.items() if k in ("sentences", "issue_mentions")}
    wh.commit(partial)  # a run that died before committing the article row
    ids = res.article_ids
    assert wh.orphan_article_ids(ids) == set(ids)
    wh.commit(res.tables, replace_articles=wh.orphan_article_ids(ids))
    for name in ("sentences", "issue_mentions"):
        assert wh.read(name).num_rows == res.tables[name].num_rows
    assert wh.read("articles").num_rows == 1
    assert isinstance(wh.read("articles"), pa.Table)
