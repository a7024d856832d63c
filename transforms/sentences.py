"""Sentence splitting with character offsets into the normalized text."""

import re

from transforms import engine

# Tokens that end with a period but do not end a sentence.
ABBREVIATIONS = frozenset(
    [
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "d.c",
        "n.k",
        "s.k",
        "u.s.a",
        "p.m",
        "a.m",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "adm",
        "cmdr",
        "gov",
        "sen",
        "rep",
        "rev",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "est",
        "approx",
        "fig",
        "al",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "hon",
        "amb",
        "pres",
        "sec",
        "e.g",
        "i.e",
        "ph.d",
    ]
)
_CANDIDATE = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)")
_INITIAL = re.compile(r"^[A-Z]$")
_NEXT_CHAR = re.compile(r"\s*(\S)")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the token ending at the period ``text[dot]`` (word characters and periods, at
    most 40 characters back) is an abbreviation or a single initial."""
    start, lo = dot, max(0, dot - 40)
    while start > lo and ((c := text[start - 1]) == "." or c == "_" or c.isalnum()):
        start -= 1  # by hand: a regex searching the window tried every start in it
    token = text[start:dot].rstrip(".")
    if token.lower() in ABBREVIATIONS:
        return True
    # Single initials ("George W. Bush") do not end a sentence.
    return bool(_INITIAL.match(token))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences; lines and paragraphs also end sentences.

    The engine's C kernel when it runs one; ``python_split_sentences`` is what it must give.
    """
    in_c = engine.kernel("split_sentences")
    if in_c is not None:
        spans: list[tuple[int, int]] = in_c(text, ABBREVIATIONS)
        return spans
    return python_split_sentences(text)


def python_split_sentences(text: str) -> list[tuple[int, int]]:
    """``split_sentences`` in Python."""
    spans: list[tuple[int, int]] = []
    for line_match in re.finditer(r"[^\n]+", text):
        _split_line(text, line_match.start(), line_match.end(), spans)
    return spans


def _split_line(text: str, lo: int, hi: int, spans: list[tuple[int, int]]) -> None:
    start = lo
    for m in _CANDIDATE.finditer(text, lo, hi):
        end = m.end()
        # A single period after an abbreviation ("U.S.", "Gen.", "Dec.") is not a boundary.
        if m.group().rstrip("\"')]") == "." and _is_abbreviation(text, m.start()):
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
