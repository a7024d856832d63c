"""Choosing among actor candidates: overlapping spans, literal hits, surnames named before.

Pure helpers of ``ActorMatcher`` (``matcher.py``): nothing here knows the gazetteer.
"""

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

# The resolution of the one overlap a selection allows: the other Korea of "the two Koreas".
R_KOREAS = "two_koreas"


class Candidate(NamedTuple):
    start: int
    end: int
    priority: int
    actor_id: str
    actor_type: str
    resolution: str
    role: str | None = None
    name: str | None = None
    country: str | None = None
    in_gazetteer: bool = True


def occurrences(text: str, literals: Iterable[str]) -> Iterator[tuple[int, int, str]]:
    """Every occurrence of each literal (overlaps included), by ``str.find``: for a few literals."""
    for literal in literals:
        i = text.find(literal)
        while i >= 0:
            yield i, i + len(literal), literal
            i = text.find(literal, i + 1)


def leftmost_longest(text: str, hits: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """From all occurrences of some literals, what ``boundary_regex`` of them finds: whole
    words only, leftmost first, the longest at each start, non-overlapping."""
    found: list[tuple[int, int, str]] = []
    last_end = 0
    for start, stop, literal in sorted(hits, key=lambda h: (h[0], -h[1])):
        if (
            start < last_end
            or (start and (is_word_char(text[start - 1]) or text[start - 1] == "."))
            or (stop < len(text) and is_word_char(text[stop]))
        ):
            continue
        found.append((start, stop, literal))
        last_end = stop
    return found


@functools.lru_cache(maxsize=4096)
def boundary_regex(surfaces: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(set(surfaces), key=lambda s: (-len(s), s))
    alternation = "|".join(re.escape(s) for s in ordered)
    return re.compile(rf"(?<![\w.])(?:{alternation})(?!\w)")


class NamedBefore:
    """Persons named in full in an article, by surname: whom a bare surname at a position can
    mean. A surname means a person when exactly one person of that surname was named before."""

    def __init__(self, named: Iterable[tuple[int, str, str]]) -> None:  # (start, surname, id)
        self._starts: dict[str, list[int]] = {}
        self._unique: dict[str, list[str | None]] = {}  # the one id so far, or None
        self._surnames: dict[str, set[str]] = {}
        ids: dict[str, set[str]] = {}
        for start, surname, actor_id in sorted(named):
            seen = ids.setdefault(surname, set())
            seen.add(actor_id)
            self._starts.setdefault(surname, []).append(start)
            self._unique.setdefault(surname, []).append(actor_id if len(seen) == 1 else None)
            self._surnames.setdefault(actor_id, set()).add(surname)

    def person(self, surname: str, pos: int) -> str | None:
        """The one person of ``surname`` named before ``pos``; None for nobody or several."""
        starts = self._starts.get(surname)
        if not starts:
            return None
        k = bisect.bisect_left(starts, pos)
        return self._unique[surname][k - 1] if k else None

    def names(self, actor_id: str, pos: int) -> bool:
        """Whether, before ``pos``, ``actor_id`` is the one person named of one of its surnames."""
        return any(self.person(s, pos) == actor_id for s in self._surnames.get(actor_id, ()))


def inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def next_to_name(text: str, start: int, end: int) -> bool:
    """A capitalized word right before or after: 'Michael Jordan', 'Chad Smith', 'Georgia Tech'."""
    after = re.match(r"\s+[A-Z][a-z]", text[end : end + 4])
    before = re.search(r"[A-Z][a-z]+\s+$", text[max(0, start - 30) : start])
    sentence_start = re.search(r"(?:^|[.!?]\s+|\n)$", text[max(0, start - 3) : start]) is not None
    return bool(after) or (bool(before) and not sentence_start)


def select(cands: Sequence[Candidate], allow_same_span: bool = False) -> list[Candidate]:
    """Non-overlapping candidates: longer spans first, then higher priority (spans are never
    empty: every candidate is a match or a literal)."""
    ordered = sorted(cands, key=_selection_order)
    marks = bytearray(max((c.end for c in cands), default=0) + 1)  # 1 where a span is taken
    out: list[Candidate] = []
    spans: set[tuple[int, int]] = set()  # the taken spans, when allow_same_span needs them
    seen: set[tuple[int, int, str]] = set()  # (start, end, id) taken where spans may repeat
    for c in ordered:
        start, end = c.start, c.end
        if marks.find(1, start, end) == -1:
            if allow_same_span:
                seen.add((start, end, c.actor_id))
                spans.add((start, end))
            marks[start:end] = b"\x01" * (end - start)
            out.append(c)
        # Taken spans never overlap, so the only overlap allowed is the identical span: the
        # other Korea of "two Koreas".
        elif allow_same_span and c.resolution == R_KOREAS and (start, end) in spans:
            key = (start, end, c.actor_id)
            if key not in seen:
                seen.add(key)
                out.append(c)
    out.sort(key=_text_order)
    return out


def select_more(
    chosen: list[Candidate], extra: Sequence[Candidate], allow_same_span: bool = False
) -> list[Candidate]:
    """``select(chosen + extra)`` when ``chosen`` is a selection (non-overlapping, in text
    order). A chosen candidate that overlaps no extra one is kept whatever the order, and
    takes nothing another could have, so only the extra ones and the chosen they overlap are
    selected again (in their order, for the same ties)."""
    if not extra:
        return chosen
    marks = bytearray(max(c.end for c in extra) + 1)
    for e in extra:
        marks[e.start : e.end] = b"\x01" * (e.end - e.start)
    kept: list[Candidate] = []
    contested: list[Candidate] = []
    for c in chosen:
        if marks.find(1, c.start, c.end) == -1:
            kept.append(c)
        else:
            contested.append(c)
    contested.extend(extra)
    out = kept + select(contested, allow_same_span)
    out.sort(key=_text_order)
    return out


def _selection_order(c: Candidate) -> int:
    """(longer, higher priority, earlier) as one int, which sorts faster than a tuple: the
    priorities are 0-3 and the starts below 2**32, so the three parts never mix."""
    return ((c.start - c.end) << 40) - (c.priority << 32) + c.start


def _text_order(c: Candidate) -> tuple[int, str]:
    return (c.start, c.actor_id)


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def sentence_of(starts: Sequence[int], pos: int) -> int:
    """Index of the sentence (by its start offsets) containing ``pos``, else the nearest before."""
    return max(0, bisect.bisect_right(starts, pos) - 1)
