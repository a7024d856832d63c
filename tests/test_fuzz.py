"""Hostile and generated inputs: every one ends in articles or quarantine, none stops a batch."""

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.ingest import InputFile
from transforms.pipeline import process_batch

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
