"""The engine contract: the fast engine gives exactly what the reference engine (plain ``re``)
gives, pattern by pattern and table by table, on the samples, our texts, the real dev texts
(when ``../shared/realdev`` is there) and generated text."""

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.seeds import load_reference
from tests.test_issues import WORDS, _dev_texts
from transforms import engine
from transforms.engine import native
from transforms.ingest import InputFile
from transforms.pipeline import Extractors, process_batch

REALDEV = Path(__file__).resolve().parents[2] / "shared" / "realdev" / "texts"


def _realdev_texts() -> list[str]:
    if not REALDEV.is_dir():
        return []
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(REALDEV.glob("*.txt"))]


def _both(patterns):
    return (
        engine.compile_matcher(patterns, engine="fast"),
        engine.compile_matcher(patterns, engine="reference"),
    )


def _shape(matches):
    """Everything a caller can read off the matches: every group's span."""
    return [tuple(m.span(g) for g in range(m.re.groups + 1)) for m in matches]


@pytest.fixture(scope="module")
def matchers(reference):
    ex = Extractors.build(reference)
    patterns = reference.taxonomy.patterns + ex.actors.patterns
    return ex, patterns, _both(patterns)


def _assert_same(matchers, text):
    ex, patterns, (fast, ref) = matchers
    a, b = fast.scan(text), ref.scan(text)
    for p in patterns:
        assert _shape(a.matches(p)) == _shape(b.matches(p)), (p.pattern[:80], text[:80])
    for finder in (ex.actors.surface_finder, ex.actors.surname_finder):
        literals = finder.literals
        fast_hits = engine.compile_literals(literals, engine="fast").occurrences(text)
        ref_hits = engine.compile_literals(literals, engine="reference").occurrences(text)
        assert sorted(fast_hits) == sorted(ref_hits), text[:80]


def test_fast_engine_is_the_reference_on_samples_and_our_texts(matchers):
    texts = _dev_texts()
    assert len(texts) > 200
    for text in texts:
        _assert_same(matchers, text)


@pytest.mark.skipif(not REALDEV.is_dir(), reason=f"no real dev texts at {REALDEV}")
def test_fast_engine_is_the_reference_on_the_real_dev_texts(matchers):
    texts = _realdev_texts()
    assert len(texts) >= 50
    for text in texts:
        _assert_same(matchers, text)


_ODD = ["İn", "ſhe", "Séoul", "日本", "٣", "U.S.", "N. Korea", "Kim Jong-un", "Ash Carter", "©"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*WORDS, *_ODD]), max_size=40),
    st.sampled_from([" ", "  ", "-", "\n", ", ", "\u00a0"]),
)
def test_fast_engine_is_the_reference_on_generated_text(matchers, words, glue):
    _assert_same(matchers, glue.join(words))


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="aZ9_ .-'\nİſKΣ日é©", max_size=60), st.lists(st.text(min_size=1, max_size=4))
)
def test_literal_finders_agree_on_any_text(text, literals):
    fast = engine.compile_literals(literals, engine="fast").occurrences(text)
    ref = engine.compile_literals(literals, engine="reference").occurrences(text)
    assert sorted(fast) == sorted(ref)


def _tables(monkeypatch, name: str, inputs) -> dict:
    monkeypatch.setenv(engine.ENV, name)
    ex = Extractors.build(load_reference())
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    result = process_batch(inputs, ex, run_id="r", ingested_at=when)
    return {table: rows.to_pylist() for table, rows in result.tables.items()}


def test_the_pipeline_writes_the_same_rows_on_either_engine(monkeypatch):
    texts = _dev_texts() + _realdev_texts()
    inputs = [
        InputFile(f"/texts/{i:03d}.txt", text.encode("utf-8")) for i, text in enumerate(texts)
    ]
    fast = _tables(monkeypatch, "fast", inputs)
    ref = _tables(monkeypatch, "reference", inputs)
    assert sum(len(rows) for rows in fast.values()) > 1000
    assert fast == ref


def test_a_pattern_not_compiled_is_refused_by_both_engines():
    known, unknown = re.compile(r"\bSeoul\b"), re.compile(r"\bTokyo\b")
    for matcher in _both([known]):
        scan = matcher.scan("Seoul and Tokyo")
        assert [m.group() for m in scan.matches(known)] == ["Seoul"]
        with pytest.raises(KeyError, match="not compiled"):
            scan.matches(unknown)


def test_the_engine_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.delenv(engine.ENV, raising=False)
    assert engine.selected() == "fast"
    monkeypatch.setenv(engine.ENV, "reference")
    assert engine.compile_matcher([]).name == "reference"
    assert engine.kernel("split_sentences") is None  # the reference runs no C
    monkeypatch.setenv(engine.ENV, "turbo")
    with pytest.raises(ValueError, match="one of fast, reference"):
        engine.selected()


def test_the_cli_flag_chooses_the_engine_and_a_wrong_one_is_one_line(monkeypatch, capsys):
    from flows import cli

    monkeypatch.setenv(engine.ENV, "turbo")
    assert cli.main(["status", "--warehouse", "/nonexistent/wh"]) == 2
    assert capsys.readouterr().err.strip() == (
        "alliance status: ALLIANCE_ENGINE='turbo': the engine is one of fast, reference"
    )
    with pytest.raises(SystemExit):
        cli.main(["status", "--engine", "turbo"])
    cli.main(["status", "--engine", "reference", "--warehouse", "/nonexistent/wh"])
    assert engine.selected() == "reference"


@pytest.mark.skipif(native.C is None, reason="the C kernels are not built here")
def test_an_edited_c_file_is_not_run_as_a_stale_build(monkeypatch, tmp_path):
    edited = tmp_path / "_wordscan.c"
    edited.write_bytes(native.SOURCE.read_bytes() + b"\n/* an edit */\n")
    assert native.load() is native.C  # the build matches the file as it is
    monkeypatch.setattr(native, "SOURCE", edited)
    assert native.load() is None
