"""One hostile input never stops a batch: whatever it raises becomes its own quarantine row."""

import codecs
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.inbox import read_inputs, scan_inbox
from tests.conftest import REPO, SAMPLES
from transforms.ingest import InputFile, printable_path
from transforms.pipeline import process_batch
from transforms.schema import to_arrow

NOW = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
GOOD = [p.read_bytes() for p in sorted(SAMPLES.glob("*.txt"))]

# Inputs that raised past the old guards: RecursionError, the int digit limit, lone surrogates.
HOSTILE = st.one_of(
    st.integers(1_000, 100_000).map(lambda n: (".json", ("[" * n + "]" * n).encode())),
    st.integers(1_000, 30_000).map(
        lambda n: (".json", ('{"text": "' + "a " * 40 + '", "x": [' * n + "]" * n + "}").encode())
    ),
    st.integers(4_400, 6_000).map(
        lambda n: (".json", b'{"text": "Seoul talks", "n": 1' + b"0" * n + b"}")
    ),
    st.integers(4_400, 6_000).map(
        lambda n: (
            ".jsonl",
            b'{"text": "Seoul and Washington", "published_at": ' + b"9" * n + b"}\n",
        )
    ),
    st.sampled_from(["\\ud800", "\\udfff", "a\\udc80b"]).map(
        lambda s: (
            ".jsonl",
            ('{"text": "Seoul ' + s + ' and Washington talked.", "title": "t"}\n').encode(),
        )
    ),
    st.sampled_from(["\\ud800", "\\udc00"]).map(
        lambda s: (
            ".json",
            ('{"text": "Seoul and Washington talked at length.", "title": "' + s + '"}').encode(),
        )
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile=st.lists(HOSTILE, min_size=1, max_size=4), where=st.integers(0, 5))
def test_hostile_files_mixed_into_a_batch_leave_the_good_ones_landing(hostile, where, extractors):
    bad = [InputFile(f"/inbox/bad{i}{suffix}", data) for i, (suffix, data) in enumerate(hostile)]
    good = [InputFile(f"/inbox/good{i}.txt", data) for i, data in enumerate(GOOD)]
    inputs = good[:where] + bad + good[where:]
    result = process_batch(inputs, extractors, run_id="r", ingested_at=NOW)
    articles = result.tables["articles"]["source_uri"].to_pylist()
    assert sorted(articles) == sorted(i.source_uri for i in good)
    quarantined = {u.split("#")[0] for u in result.tables["quarantine"]["source_uri"].to_pylist()}
    assert quarantined == {i.source_uri for i in bad}
    for detail, uri in zip(
        result.tables["quarantine"]["detail"].to_pylist(),
        result.tables["quarantine"]["source_uri"].to_pylist(),
        strict=True,
    ):
        assert detail.startswith(uri)


# The two guards below are proven by making the pipeline raise where no real input has been
# found to: by replacing one of its functions, in a process of their own (nothing replaced
# leaks into the other tests).
INJECT = """
import datetime as dt, json, sys
import pyarrow as pa
import transforms.pipeline as pipeline
from flows.seeds import load_reference
from transforms.ingest import InputFile

assert not getattr(pipeline, "__file__", "").endswith(".so")
real_article, real_units = pipeline.process_article, pipeline.process_units

def flaky(raw, ex, **kw):
    if "TRIP-WIRE" in raw.text:
        raise KeyError("an extraction bug")
    return real_article(raw, ex, **kw)

def fails_on_tripwire(units, ex, **kw):
    units = list(units)
    if any("TRAP-DOOR" in getattr(u, "text", "") for u in units):
        raise pa.ArrowInvalid("cannot convert one article's row")
    return real_units(units, ex, **kw)

pipeline.process_article = flaky
pipeline.process_units = fails_on_tripwire
good = [open(p, "rb").read() for p in sys.argv[1:]]
inputs = [
    InputFile("/inbox/a.txt", good[0]),
    InputFile("/inbox/b.txt", good[1] + b" TRIP-WIRE"),
    InputFile("/inbox/c.txt", good[2] + b" TRAP-DOOR"),
    InputFile("/inbox/d.txt", good[3]),
    InputFile("/inbox/a-copy.txt", good[0]),
]
ex = pipeline.Extractors.build(load_reference())
result = pipeline.process_batch(inputs, ex, run_id="r", ingested_at=dt.datetime.now(dt.UTC))
print(json.dumps({
    "files": result.files,
    "articles": result.tables["articles"]["source_uri"].to_pylist(),
    "quarantine": result.tables["quarantine"].select(["source_uri", "stage", "reason", "detail"]).to_pylist(),
    "ids": len(result.article_ids),
    "raw": len(result.raw_units),
}))
"""


def test_what_raises_in_one_article_or_anywhere_in_a_batch_is_that_inputs_alone():
    samples = [str(p) for p in sorted(SAMPLES.glob("*.txt"))]
    out = subprocess.run(
        [sys.executable, "-c", INJECT, *samples],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["files"] == 5
    assert got["articles"] == ["/inbox/a.txt", "/inbox/d.txt"]
    rows = {r["source_uri"]: r for r in got["quarantine"]}
    # An article's own failure, caught around it.
    assert rows["/inbox/b.txt"]["stage"] == "extract"
    assert rows["/inbox/b.txt"]["reason"] == "processing_error"
    assert rows["/inbox/b.txt"]["detail"] == "/inbox/b.txt: KeyError: 'an extraction bug'"
    # A failure past the guards: the batch is run input by input and only c.txt is lost.
    assert rows["/inbox/c.txt"]["reason"] == "processing_error"
    assert "ArrowInvalid" in rows["/inbox/c.txt"]["detail"]
    assert rows["/inbox/a-copy.txt"]["reason"] == "duplicate_content"  # still deduplicated
    assert got["ids"] == 2 and got["raw"] == 4


@given(name=st.binary(min_size=1, max_size=30).filter(lambda b: b"/" not in b and b"\0" not in b))
def test_printable_path_is_printable_utf8_and_gives_the_bytes_back(name):
    shown = printable_path(os.fsdecode(name))
    shown.encode("utf-8")  # Arrow takes it
    assert shown.isprintable() or not any(ord(c) < 32 or ord(c) == 127 for c in shown)
    assert all(ord(c) >= 32 and ord(c) != 127 for c in shown)
    try:
        plain = name.decode("utf-8")
    except UnicodeDecodeError:
        plain = None
    if plain is not None and plain.isprintable():
        assert shown == plain  # ordinary names are stored as they are
    else:
        assert codecs.escape_decode(shown.encode("utf-8"))[0] == name


def test_a_file_name_that_is_not_utf8_is_read_indexed_and_skipped_next_time(tmp_path, extractors):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    raw_name = os.path.join(os.fsencode(inbox), b"caf\xe9 report.txt")
    with open(raw_name, "wb") as fh:
        fh.write(GOOD[0])
    (inbox / "line\nbreak.txt").write_bytes(GOOD[1])
    files, _, found = scan_inbox(inbox, {})
    assert found == 2
    items = read_inputs([Path(p) for p, _, _ in files], inbox, 1 << 20)
    uris = sorted(i.source_uri for i in items)
    assert uris == sorted([f"{inbox}/caf\\xe9 report.txt", f"{inbox}/line\\x0abreak.txt"])
    result = process_batch(items, extractors, run_id="r", ingested_at=NOW)
    assert sorted(result.tables["articles"]["source_uri"].to_pylist()) == uris
    index = to_arrow(
        "inputs",
        [
            {"path": printable_path(p), "size": s, "mtime_ns": m, "sha256": "x", "run_id": "r"}
            for p, s, m in files
        ],
    )
    known = {
        p: (s, m)
        for p, s, m in zip(
            index["path"].to_pylist(),
            index["size"].to_pylist(),
            index["mtime_ns"].to_pylist(),
            strict=True,
        )
    }
    again, unchanged, _ = scan_inbox(inbox, known)
    assert again == [] and unchanged == 2


def test_the_detail_of_a_huge_error_message_is_cut(extractors):
    record = {"text": "Seoul and Washington met.", "title": "t", "x": 1}
    data = json.dumps(record).encode().replace(b'"x": 1', b'"x": 1' + b"2" * 9000)
    result = process_batch(
        [InputFile("/inbox/n.json", data)], extractors, run_id="r", ingested_at=NOW
    )
    (detail,) = result.tables["quarantine"]["detail"].to_pylist()
    assert detail.startswith("/inbox/n.json: ValueError: Exceeds the limit") and len(detail) < 400
