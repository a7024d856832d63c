"""Whether mention rows' offsets slice their article's text back to their matched text.

Offsets count code points of ``articles.text`` (Python ``str`` indices), while Arrow keeps the
text as UTF-8: the fast engine checks the Arrow buffers in C (``_wordscan.offset_mismatches``)
without making a Python object of every value; otherwise ``python_offset_mismatches`` runs,
the reference the tests hold the C one to.
"""

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms import engine


def python_offset_mismatches(
    texts: Sequence[str | None],
    index: Sequence[int | None],
    starts: Sequence[int | None],
    ends: Sequence[int | None],
    matched: Sequence[str | None],
) -> list[int]:
    """Rows ``i`` where ``texts[index[i]][starts[i]:ends[i]]`` is not ``matched[i]``: also when
    a value is missing (None, or an index outside ``texts``) or the span is not inside the
    text (``0 <= start <= end <= len(text)``)."""
    bad = []
    for i, (a, s, e, m) in enumerate(zip(index, starts, ends, matched, strict=True)):
        text = texts[a] if a is not None and 0 <= a < len(texts) else None
        if (
            text is None
            or s is None
            or e is None
            or m is None
            or not 0 <= s <= e <= len(text)
            or text[s:e] != m
        ):
            bad.append(i)
    return bad


def offset_mismatches(
    article_ids: pa.Array | pa.ChunkedArray,
    texts: pa.Array | pa.ChunkedArray,
    row_article_ids: pa.Array | pa.ChunkedArray,
    starts: pa.Array | pa.ChunkedArray,
    ends: pa.Array | pa.ChunkedArray,
    matched: pa.Array | pa.ChunkedArray,
) -> list[int]:
    """Sorted positions of the rows (``row_article_ids``, ``starts``, ``ends``, ``matched``)
    whose span of the text of their article (``texts`` by ``article_ids``) is not their
    matched text, or that name no article in ``article_ids``, or have a null."""
    index = pc.index_in(row_article_ids, value_set=_array(article_ids))
    in_c = engine.kernel("offset_mismatches")
    if in_c is None:
        return python_offset_mismatches(
            _array(texts).to_pylist(),
            index.to_pylist(),
            starts.to_pylist(),
            ends.to_pylist(),
            matched.to_pylist(),
        )
    text_array = _array(texts)
    # A null text is no text: rows of its article point nowhere (-1), as do rows of no article.
    index = pc.if_else(pc.take(pc.is_valid(text_array), index), index, None)
    missing = pc.or_(
        pc.or_(pc.is_null(index), pc.is_null(starts)),
        pc.or_(pc.is_null(ends), pc.is_null(matched)),
    )
    text_offsets, text_data = _utf8_buffers(text_array)
    matched_offsets, matched_data = _utf8_buffers(_array(matched))
    bad = in_c(
        text_offsets,
        text_data,
        _int64(index),
        _int64(starts),
        _int64(ends),
        matched_offsets,
        matched_data,
    )
    if not pc.any(missing).as_py():
        return bad
    nulls = np.flatnonzero(_array(missing).to_numpy(zero_copy_only=False))
    return sorted(set(bad).union(nulls.tolist()))


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _int64(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The values as a contiguous int64 array, nulls as -1 (``missing`` reports those rows)."""
    filled = _array(values).cast(pa.int64()).fill_null(-1)
    return np.ascontiguousarray(filled.to_numpy(zero_copy_only=False))


def _utf8_buffers(strings: pa.Array) -> tuple[np.ndarray, pa.Buffer]:
    """A string array's value offsets (as int64, from its first value) and its UTF-8 data,
    without copying the data (a cast to ``large_string`` would)."""
    if strings.null_count:
        strings = strings.fill_null("")  # the rows of a null text or match are reported apart
    width = {pa.string(): np.int32, pa.large_string(): np.int64}.get(strings.type)
    if width is None:
        raise TypeError(f"offset_mismatches: expected strings, got {strings.type}")
    _, offsets, data = strings.buffers()
    if offsets is None:  # an empty array may have no buffers
        return np.zeros(1, np.int64), pa.py_buffer(b"")
    mine = np.frombuffer(offsets, dtype=width)[strings.offset : strings.offset + len(strings) + 1]
    return mine.astype(np.int64), data if data is not None else pa.py_buffer(b"")
