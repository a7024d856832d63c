"""What a batch keeps: raw copies to replay, row tuples, staged parts, small row groups."""

import datetime as dt

from deltalake import DeltaTable

from tests.conftest import SAMPLES
from transforms.ingest import InputFile
from transforms.pipeline import TUPLE_FIELDS, process_batch
from transforms.schema import TABLES


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
