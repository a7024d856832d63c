"""Sentence splitting with character offsets into the normalized text."""

import re
from collections.abc import Set

from transforms import engine

_CANDIDATE = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)")
_INITIAL = re.compile(r"^[A-Z]$")
_NEXT_CHAR = re.compile(r"\s*(\S)")


def _is_abbreviation(text: str, dot: int, abbreviations: Set[str]) -> bool:
    """Whether the token ending at the period ``text[dot]`` (word characters and periods, at
    most 40 characters back) is one of ``abbreviations`` or a single initial."""
    start, lo = dot, max(0, dot - 40)
    while start > lo and ((c := text[start - 1]) == "." or c == "_" or c.isalnum()):
        start -= 1  # by hand: a regex searching the window tried every start in it
    token = text[start:dot].rstrip(".")
    if token.lower() in abbreviations:
        return True
    # Single initials ("George W. Bush") do not end a sentence.
    return bool(_INITIAL.match(token))


def split_sentences(text: str, abbreviations: Set[str]) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences; lines and paragraphs also end sentences.
    A period after one of ``abbreviations`` (``Reference.abbreviations``, lower case and
    without the final period: "u.s", "gen") or after a single initial ends none.

    The engine's C kernel when it runs one; ``python_split_sentences`` is what it must give.
    """
    in_c = engine.kernel("split_sentences")
    if in_c is not None:
        spans: list[tuple[int, int]] = in_c(text, abbreviations)
        return spans
    return python_split_sentences(text, abbreviations)


def python_split_sentences(text: str, abbreviations: Set[str]) -> list[tuple[int, int]]:
    """``split_sentences`` in Python."""
    spans: list[tuple[int, int]] = []
    for line_match in re.finditer(r"[^\n]+", text):
        _split_line(text, line_match.start(), line_match.end(), abbreviations, spans)
    return spans


def _split_line(
    text: str, lo: int, hi: int, abbreviations: Set[str], spans: list[tuple[int, int]]
) -> None:
    start = lo
    for m in _CANDIDATE.finditer(text, lo, hi):
        end = m.end()
        # A single period after an abbreviation ("U.S.", "Gen.", "Dec.") is not a boundary.
        if m.group().rstrip("\"')]") == "." and _is_abbreviation(text, m.start(), abbreviations):
            continue
        nxt = _NEXT_CHAR.match(text, end, hi)
        if nxt and nxt.group(1).islower():
            continue
        _emit(text, start, end, spans)
        start = end
    _emit(text, start, hi, spans)


def _emit(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
