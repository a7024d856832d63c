"""Trigger keys: where in a text a regex can possibly match, so it is tried only there.

For a pattern anchored at a word start (``\\b``, or a lookbehind such as ``(?<![\\w-])``)
whose first consumed characters are letters or digits, every match starts with one of a
few literal word starts ("missile", "Nuclear", "U.S."). ``pattern_triggers`` derives
them from the parsed pattern; ``WordIndex`` lists the word starts of a text by their
first ``KEY_LEN`` characters, folded to lower case, so a pattern is tried only at the
words under its keys' first characters whose text begins with one of its keys (as
written for a case-sensitive pattern, folded otherwise). Trying ``pattern.match`` at
those positions only, in order and skipping positions inside the previous match, gives
exactly the matches of ``finditer``.

The word index, the candidate positions and the match loop run in C (``_wordscan.c``)
when it is built; the Python functions here (``word_starts``, ``python_candidates``,
``python_matches_from``) are what the C ones must give, and run when it is not.
"""

import re
from bisect import bisect_left
from collections.abc import Iterator
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import NamedTuple

import numpy as np

from transforms.engine.native import C as _wordscan

IN_C = _wordscan is not None  # else the Python functions here run

KEY_LEN = 3  # characters of a word start the index is keyed by
LONG_KEY = 12  # characters of a pattern's literal start kept to check at a candidate word
MAX_KEYS = 64  # keys one sequence may expand to ([Aa][Bb][Cc] -> 8)
SMALL_CLASS = 4  # characters a class past a key's first may have ("[Dd]", not "[A-Z]")
# In a key: one or more white-space characters (``\s+`` in the pattern). "the\0quad" is
# "the", white space, "quad": without it the key of ``(?:the\s+)?Quad`` was "the", and every
# "the" a candidate.
GAP = "\0"
# In a key: one or more white-space characters or hyphens (``[\s-]+``, which joins the words
# of the generated multi-word rules), which, with keys carried through optional and
# alternative parts ("Korean(?:s|'s)?[\s-]+Peninsula" -> "korean\1penin", "koreans\1peni",
# ...), leaves far fewer candidate positions.
HYPHEN_GAP = "\1"
_GAPS = re.compile("[\0\1]")
WORD = re.compile(r"\w+")
_ZERO_WIDTH_LOOKBEHIND = -1
_STOP = (None, None)  # ends the literal start (a repeated group's next copy may differ)


class _Unbounded(Exception):
    """The start of the pattern cannot be reduced to word keys."""


class Triggers(NamedTuple):
    """Where a pattern's matches can start: at a word whose text begins with one of ``keys``."""

    keys: frozenset[str]  # literal starts of a match, up to LONG_KEY characters
    exact: bool  # keys as written (a case-sensitive pattern), else folded (``fold``)
    # (index key, keys to check there): the first KEY_LEN folded characters of keys, with the
    # keys under them; () when every word there can start a match (a folded key that short).
    lookup: tuple[tuple[str, tuple[str, ...]], ...]
    nested: bool  # an index key starts another one (both find the words under the longer)


def fold(text: str) -> str:
    """Lower case, one character for one (positions keep), covering what ``re.IGNORECASE``
    equates: "İ" -> "i" (``str.lower`` gives two characters), "ſ" -> "s", "K" (Kelvin) -> "k"."""
    if text.isascii():
        return text.lower()
    return "".join((c.upper().lower() or c)[0] for c in text)


def pattern_triggers(pattern: re.Pattern[str]) -> Triggers | None:
    """Literal word starts every match begins with, or None when they cannot be derived."""
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
        parsed = list(tree)
        exact = not pattern.flags & re.IGNORECASE and not _scoped_ignorecase(tree)
        keys = _first(parsed, anchored=False, exact=exact)
    except (_Unbounded, RecursionError):
        return None
    if not keys:
        return None
    return make_triggers(keys, exact)


def make_triggers(keys: set[str] | frozenset[str], exact: bool) -> Triggers:
    """``Triggers`` of literal starts ``keys`` (as written when ``exact``, else folded)."""
    # A key that another key starts with adds no candidate: keep the shortest.
    kept = {k for k in keys if not any(o != k and k.startswith(o) for o in keys)}
    groups: dict[str, set[str]] = {}
    for key in kept:  # folded keys are looked up as they are (``fold`` of a fold may differ)
        head = _GAPS.split(key, 1)[0][:KEY_LEN]  # the word the key starts with
        groups.setdefault(fold(head) if exact else head, set()).add(key)
    lookup = tuple(
        (index_key, () if not exact and index_key in group else tuple(sorted(group)))
        for index_key, group in sorted(groups.items())
    )
    index = [k for k, _ in lookup]
    nested = any(a != b and b.startswith(a) for a in index for b in index)
    return Triggers(frozenset(kept), exact, lookup, nested)


def _scoped_ignorecase(items: object) -> bool:
    """Whether a group of the parsed pattern turns IGNORECASE on or off, ``(?i:...)``."""
    if isinstance(items, sre_parse.SubPattern):
        return any(
            (op is C.SUBPATTERN and (av[1] | av[2]) & C.SRE_FLAG_IGNORECASE)
            or _scoped_ignorecase(av)
            for op, av in items
        )
    if isinstance(items, (list, tuple)):  # an operand: groups, branches, repeated items
        return any(_scoped_ignorecase(x) for x in items)
    return False


def _first(items: list, anchored: bool, exact: bool) -> set[str]:
    """Keys for the sequence ``items``; raise _Unbounded when not derivable."""
    for i, (op, av) in enumerate(items):
        rest = items[i + 1 :]
        if op is C.AT:
            anchored = anchored or av in (C.AT_BOUNDARY, C.AT_BEGINNING, C.AT_BEGINNING_LINE)
            continue
        if op is C.ASSERT_NOT:
            direction, sub = av
            if direction == _ZERO_WIDTH_LOOKBEHIND and _excludes_word_chars(list(sub)):
                anchored = True
            continue
        if op is C.ASSERT:
            continue
        if op is C.SUBPATTERN:
            return _first(list(av[3]) + rest, anchored, exact)
        if op is C.BRANCH:
            keys: set[str] = set()
            for alt in av[1]:
                keys |= _first(list(alt) + rest, anchored, exact)
            return keys
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, sub = av
            # Once: the group, then what follows; more often: the group, then another copy.
            after = rest if high == 1 else [_STOP]
            keys = _first(list(sub) + after, anchored, exact)
            if low == 0:
                keys |= _first(rest, anchored, exact)
            return keys
        if op in (C.LITERAL, C.IN):
            if not anchored:
                raise _Unbounded
            first = _literal_chars(op, av, exact)
            if not first or not all(c.isalnum() for c in first):
                raise _Unbounded  # a match starts a word: its first character is a word's
            keys = _literal_start(items[i:], exact, 0)
            if "" in keys:
                raise _Unbounded  # some way through the pattern fixes no character
            return keys
        raise _Unbounded
    raise _Unbounded  # the pattern can match an empty start: no keys


def _literal_start(items: list, exact: bool, length: int) -> set[str]:
    """The literal starts of the sequence ``items``: every match of it begins with one of them
    (a start may stop early, where the pattern stops fixing its characters, or after
    LONG_KEY - ``length`` characters). "" when the sequence fixes nothing.

    Literals and small classes add their characters ("[Dd]efense" -> "def..."); white space
    (``\\s+``) and white space or hyphens (``[\\s-]+``) add a gap (``GAP``, ``HYPHEN_GAP``);
    optional and alternative parts add a start for each way ("Korean(?:s|'s)?[\\s-]+Peninsula"
    -> "korean\\1penin", "koreans\\1pen", ...); assertions are passed over (they only narrow
    the matches). A sequence that would have more than MAX_KEYS starts ends earlier.

    Where one way gives "", the result is {""}: a key that goes on past where another ends
    would be dropped (``make_triggers`` keeps the shortest), so it is not worked out.
    """
    if not items or length >= LONG_KEY:
        return {""}
    (op, av), rest = items[0], items[1:]
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return _literal_start(rest, exact, length)
    if op is C.SUBPATTERN:
        return _literal_start(list(av[3]) + rest, exact, length)
    if op is C.BRANCH:
        if len(av[1]) > MAX_KEYS:  # more ways than keys ("Title (Surname|...)"): ends here
            return {""}
        starts: set[str] = set()
        for alt in av[1]:
            starts |= _literal_start(list(alt) + rest, exact, length)
            if "" in starts:  # a way that fixes nothing here: no key goes further
                return {""}
        return _cap(starts)
    gap = _gap_of(op, av)
    if gap is not None:
        # A gap takes all the characters it can: a start that goes on with one (or with
        # another gap) ends at it.
        takes = _GAP_TAKES[gap]
        return {
            gap + (tail if tail[:1] and tail[0] not in _GAP_TAKES and not takes(tail[0]) else "")
            for tail in _literal_start(rest, exact, length + 1)
        }
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, high, sub = av
        # Once: the group, then what follows; more often: the group, then another copy.
        starts = _literal_start(list(sub) + (rest if high == 1 else [_STOP]), exact, length)
        if low == 0 and "" not in starts:
            starts |= _literal_start(rest, exact, length)
        return {""} if "" in starts else _cap(starts)
    chars = _literal_chars(op, av, exact) if op in (C.LITERAL, C.IN) else None
    if not chars or chars & {GAP, HYPHEN_GAP} or (length and len(chars) > SMALL_CLASS):
        return {""}  # not a literal, a literal gap mark, or a class past the first character
    return _cap({c + tail for c in chars for tail in _literal_start(rest, exact, length + 1)})


def _cap(starts: set[str]) -> set[str]:
    """At most MAX_KEYS of ``starts``, the longest ones shortened (a start's prefix is one)."""
    while len(starts) > MAX_KEYS:
        longest = max(map(len, starts))
        starts = {s[: longest - 1] for s in starts}
    return starts


def _literal_chars(op: object, av: object, exact: bool) -> set[str] | None:
    """The characters one item can match (folded unless ``exact``), or None if not a few."""
    if op is C.LITERAL:
        ch = chr(av)  # type: ignore[arg-type]
        return {ch if exact else fold(ch)}
    if op is C.IN:
        chars = set()
        for op2, av2 in av:  # type: ignore[attr-defined]
            if op2 is not C.LITERAL:
                return None
            ch = chr(av2)
            chars.add(ch if exact else fold(ch))
        return chars
    return None


def _gap_of(op: object, av: object) -> str | None:
    """``GAP`` for one or more white-space characters or spaces (``\\s+``, `` +``),
    ``HYPHEN_GAP`` for one or more white-space characters or hyphens (``[\\s-]+``), else None."""
    if op not in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) or av[0] < 1:  # type: ignore[index]
        return None
    sub = list(av[2])  # type: ignore[index]
    if len(sub) != 1:
        return None
    op2, av2 = sub[0]
    if (op2 is C.LITERAL and av2 == 32) or (
        op2 is C.IN and list(av2) == [(C.CATEGORY, C.CATEGORY_SPACE)]
    ):
        return GAP
    if op2 is C.IN and set(av2) == {(C.CATEGORY, C.CATEGORY_SPACE), (C.LITERAL, 45)}:
        return HYPHEN_GAP
    return None


def _is_space_or_hyphen(ch: str) -> bool:
    return ch.isspace() or ch == "-"


# The characters of a text each gap takes (key_at).
_GAP_TAKES = {GAP: str.isspace, HYPHEN_GAP: _is_space_or_hyphen}


def key_at(source: str, key: str, start: int) -> bool:
    """Whether ``source`` has ``key`` at ``start``, each ``GAP`` of the key standing for one or
    more white-space characters and each ``HYPHEN_GAP`` for one or more white-space characters
    or hyphens (all there are)."""
    if GAP not in key and HYPHEN_GAP not in key:
        return source.startswith(key, start)
    pos = start
    for ch in key:
        takes = _GAP_TAKES.get(ch)
        if takes is not None:
            end = pos
            while end < len(source) and takes(source[end]):
                end += 1
            if end == pos:
                return False
            pos = end
        elif pos < len(source) and source[pos] == ch:
            pos += 1
        else:
            return False
    return True


def _excludes_word_chars(sub: list) -> bool:
    """Whether a lookbehind body is a class that includes \\w (so a match starts a word)."""
    return (
        len(sub) == 1
        and sub[0][0] is C.IN
        and any(op is C.CATEGORY and av is C.CATEGORY_WORD for op, av in sub[0][1])
    )


class WordIndex:
    """Word starts of a text by the first ``KEY_LEN`` letters of the word, folded (``fold``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        # by_prefix[text[start : start + KEY_LEN], folded] = the starts of the words there
        # (a word shorter than KEY_LEN is keyed with what follows it: "u.s" for "U.S.").
        lower = self.lower = fold(text)  # keys of case-insensitive patterns are checked here
        if _wordscan is not None:
            self.by_prefix = _wordscan.word_starts(lower)
        else:
            self.by_prefix = ascii_word_starts(lower) if lower.isascii() else word_starts(lower)
        # by_letter[c] = the prefixes starting with c: filled when a key shorter than KEY_LEN
        # is first looked up.
        self.by_letter: dict[str, list[str]] = {}

    def candidates(self, triggers: Triggers) -> list[int]:
        """Sorted word starts whose text begins with one of the keys of ``triggers``."""
        source = self.text if triggers.exact else self.lower
        find = _wordscan.candidates if _wordscan is not None else python_candidates
        return find(self.by_prefix, self.by_letter, source, triggers.lookup, triggers.nested)

    def finditer(self, pattern: re.Pattern[str], triggers: Triggers | None) -> list[re.Match[str]]:
        """The non-empty matches ``pattern.finditer(text)`` gives, trying only the trigger
        positions."""
        if triggers is None:
            return [m for m in pattern.finditer(self.text) if m.end() > m.start()]
        return matches_from(pattern, self.text, self.candidates(triggers))


def python_candidates(
    by_prefix: dict[str, list[int]],
    by_letter: dict[str, list[str]],
    source: str,
    lookup: tuple[tuple[str, tuple[str, ...]], ...],
    nested: bool,
) -> list[int]:
    """``WordIndex.candidates`` in Python (what the C one in _wordscan.c must give):
    ``by_letter`` is filled on first use."""
    found: list[int] = []
    for index_key, keys in lookup:
        if len(index_key) == KEY_LEN:
            prefixes = [index_key] if index_key in by_prefix else []
        else:
            if not by_letter:
                for prefix in by_prefix:
                    by_letter.setdefault(prefix[0], []).append(prefix)
            prefixes = [p for p in by_letter.get(index_key[0], ()) if p.startswith(index_key)]
        for prefix in prefixes:
            if not keys:
                found += by_prefix[prefix]
                continue
            for start in by_prefix[prefix]:
                for key in keys:
                    if key_at(source, key, start):
                        found.append(start)
                        break
    if nested:  # a short index key's prefixes may be another's: a start twice
        return sorted(set(found))
    found.sort()  # else each word start is listed under exactly one index key
    return found


def word_starts(lower: str) -> dict[str, list[int]]:
    """Start of every ``\\w+`` word of a folded text, by its first KEY_LEN characters."""
    by_prefix: dict[str, list[int]] = {}
    for m in WORD.finditer(lower):
        start = m.start()
        by_prefix.setdefault(lower[start : start + KEY_LEN], []).append(start)
    return by_prefix


# ASCII word characters (\w), by byte.
_ASCII_WORD = np.array([chr(c).isalnum() or c == 95 for c in range(128)] + [False] * 128)
_PAD = 256  # no byte: a word near the end has its prefix padded apart from real characters


def ascii_word_starts(lower: str) -> dict[str, list[int]]:
    """``word_starts(lower)`` for an ASCII text in lower case, with array operations: a Python
    step per distinct prefix instead of one (and a match object) per word."""
    chars = np.frombuffer(lower.encode("ascii"), np.uint8)
    word = _ASCII_WORD[chars]
    after_other = np.ones_like(word)
    after_other[1:] = ~word[:-1]
    starts = np.flatnonzero(word & after_other)
    if not len(starts):
        return {}
    padded = np.full(len(chars) + KEY_LEN - 1, _PAD, np.int64)
    padded[: len(chars)] = chars
    codes = padded[starts]  # the KEY_LEN characters from each start, 9 bits each
    for i in range(1, KEY_LEN):
        codes = (codes << 9) | padded[starts + i]
    order = np.argsort(codes, kind="stable")  # by prefix, each prefix's starts in text order
    by_code = codes[order]
    positions: list[int] = starts[order].tolist()
    ends: list[int] = (np.flatnonzero(by_code[1:] != by_code[:-1]) + 1).tolist()
    ends.append(len(positions))
    by_prefix: dict[str, list[int]] = {}
    first = 0
    for end in ends:
        start = positions[first]
        by_prefix[lower[start : start + KEY_LEN]] = positions[first:end]
        first = end
    return by_prefix


def matches_from(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """``pattern.finditer(text)``'s non-empty matches when every one starts at one of the
    sorted ``starts``: tried there in order, skipping positions inside the previous match."""
    if _wordscan is not None:
        return _wordscan.matches_from(pattern, text, starts)
    return list(python_matches_from(pattern, text, starts))


def python_matches_from(
    pattern: re.Pattern[str], text: str, starts: list[int]
) -> Iterator[re.Match[str]]:
    """``matches_from`` in Python (what the C one in _wordscan.c must give)."""
    i = 0
    while i < len(starts):
        m = pattern.match(text, starts[i])
        if m is None or m.end() == m.start():
            i += 1
            continue
        yield m
        i = bisect_left(starts, m.end(), i + 1)
