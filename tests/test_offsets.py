"""The offsets check: rows whose span of their article's text is not their matched text."""

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.engine import native
from transforms.engine.offsets import offset_mismatches, python_offset_mismatches

_needs_c = pytest.mark.skipif(native.C is None, reason="the C kernels are not built here")

# ASCII, two-, three- and four-byte UTF-8 characters, a combining mark, NUL.
_CHARS = "ab .\n\x00é日\U0001d400\u0301"


@st.composite
def _rows(draw):
    """Texts (some null), and mention rows: spans that fit, spans that do not, matched texts
    that are the span, a near miss or null, article ids that exist or not."""
    texts = draw(st.lists(st.none() | st.text(alphabet=_CHARS, max_size=30), max_size=6))
    ids = [f"a{i}" for i in range(len(texts))]
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        a = draw(st.integers(-1, len(texts)))  # -1 and len(texts): no such article
        text = texts[a] if 0 <= a < len(texts) else None
        size = len(text or "")
        s = draw(st.none() | st.integers(-2, size + 2))
        e = draw(st.none() | st.integers(-2, size + 2))
        right = text[s:e] if text is not None and s is not None and e is not None else ""
        matched = draw(
            st.sampled_from([right, right, right + "x", right[1:], "é" + right[1:]]) | st.none()
        )
        aid = ids[a] if 0 <= a < len(texts) else draw(st.none() | st.just("zz"))
        rows.append((aid, s, e, matched))
    return ids, texts, rows


def _reference(ids, texts, rows):
    index = [ids.index(aid) if aid in ids else None for aid, *_ in rows]
    return python_offset_mismatches(
        texts, index, [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]
    )


def _arrays(ids, texts, rows, layout):
    """The columns as Arrow arrays: plain, as large strings, as slices of a longer array, or
    chunked."""
    text_type = pa.large_string() if layout == "large" else pa.string()
    cols = [
        pa.array(ids, pa.string()),
        pa.array(texts, text_type),
        pa.array([r[0] for r in rows], pa.string()),
        pa.array([r[1] for r in rows], pa.int32()),
        pa.array([r[2] for r in rows], pa.int32()),
        pa.array([r[3] for r in rows], text_type),
    ]
    if layout == "sliced":  # an offset into longer buffers, as a filtered or sliced table has
        cols = [
            pa.concat_arrays(
                [
                    pa.array([None, "pad é"], c.type)
                    if pa.types.is_string(c.type)
                    else pa.array([7, 8], c.type),
                    c,
                    c,
                ]
            ).slice(2, len(c))
            for c in cols
        ]
    if layout == "chunked":
        cols = [pa.chunked_array([c[: len(c) // 2], c[len(c) // 2 :]], c.type) for c in cols]
    return cols


@settings(max_examples=1500, deadline=None)
@given(_rows(), st.sampled_from(["plain", "large", "sliced", "chunked"]))
def test_offset_mismatches_are_the_reference_ones(data, layout):
    ids, texts, rows = data
    assert offset_mismatches(*_arrays(ids, texts, rows, layout)) == _reference(ids, texts, rows)


def test_each_kind_of_bad_row_is_flagged():
    texts = ["Seoul and Washington", "日本 é\U0001d400 x", None]
    rows = [
        (0, 0, 5, "Seoul"),  # right
        (0, 10, 20, "Washington"),  # right, at the end
        (1, 3, 5, "é\U0001d400"),  # right, past wide characters
        (1, 0, 0, ""),  # an empty span of an empty match
        (0, 0, 5, "Seoux"),  # another text
        (0, 0, 5, "Seou"),  # a part of the span
        (1, 3, 4, "é\U0001d400"),  # more than the span
        (0, 10, 21, "Washington"),  # past the end (Python's slice would forgive it)
        (0, -10, 20, "Washington"),  # negative
        (0, 5, 0, ""),  # end before start
        (2, 0, 0, ""),  # a null text
        (None, 0, 5, "Seoul"),  # no article
        (5, 0, 5, "Seoul"),  # an index outside the texts
        (0, None, 5, "Seoul"),
        (0, 0, None, "Seoul"),
        (0, 0, 5, None),
    ]
    bad = python_offset_mismatches(
        texts,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
    )
    assert bad == list(range(4, len(rows)))
    ids = ["a0", "a1", "a2"]
    named = [(ids[a] if a in (0, 1, 2) else None, *rest) for a, *rest in rows]
    for layout in ("plain", "large", "sliced", "chunked"):  # the C check when built
        assert offset_mismatches(*_arrays(ids, texts, named, layout)) == bad


def test_empty_tables_have_no_mismatches():
    empty = pa.array([], pa.string())
    ints = pa.array([], pa.int32())
    assert offset_mismatches(empty, empty, empty, ints, ints, empty) == []
    assert offset_mismatches(pa.array(["a"]), pa.array(["text"]), empty, ints, ints, empty) == []


@_needs_c
def test_the_c_check_refuses_wrong_buffers():
    import numpy as np

    from transforms.engine.native import C as _wordscan

    one = np.zeros(1, np.int64)
    two = np.array([0, 1], np.int64)
    with pytest.raises(TypeError):  # seven buffers
        _wordscan.offset_mismatches(two, b"a", one)
    with pytest.raises(TypeError):  # int32 where int64 is due
        _wordscan.offset_mismatches(two.astype(np.int32), b"a", one, one, one, two, b"a")
    with pytest.raises(ValueError):  # matched offsets for two rows, one row
        _wordscan.offset_mismatches(two, b"a", one, one, one, np.zeros(3, np.int64), b"")
    with pytest.raises(ValueError):  # a text offset past the data
        _wordscan.offset_mismatches(np.array([0, 5]), b"a", one, one, one, two, b"a")
    assert _wordscan.offset_mismatches(two, b"a", one, one, two[1:], two, b"a") == []
    # An index past the texts names no text (the Arrow path never passes one).
    # (A view of a longer array, so that reading past the texts would find a text "a".)
    texts = np.array([0, 1, 2], np.int64)[:2]
    assert _wordscan.offset_mismatches(texts, b"aa", two[1:], one, two[1:], two, b"a") == [0]
