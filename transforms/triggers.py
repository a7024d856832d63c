"""Trigger keys: where in a text a regex can possibly match, so it is tried only there.

For a pattern anchored at a word start (``\\b``, or a lookbehind such as ``(?<![\\w-])``)
whose first consumed characters are letters or digits, every match starts at a word
whose lower-case start is one of a few keys ("mis", "nuc", "u"). ``pattern_triggers``
derives those keys from the parsed pattern; ``WordIndex`` lists, per key, the word
starts of a text. Trying ``pattern.match`` at those positions only, in order and skipping
positions inside the previous match, gives exactly the matches of ``finditer``.
"""

import re
from bisect import bisect_left
from collections.abc import Iterator
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import numpy as np

KEY_LEN = 3
MAX_KEYS = 64  # keys one sequence may expand to ([Aa][Bb][Cc] -> 8)
WORD = re.compile(r"\w+")
_ZERO_WIDTH_LOOKBEHIND = -1


class _Unbounded(Exception):
    """The start of the pattern cannot be reduced to word keys."""


def fold(text: str) -> str:
    """Lower case, one character for one (positions keep), covering what ``re.IGNORECASE``
    equates: "İ" -> "i" (``str.lower`` gives two characters), "ſ" -> "s", "K" (Kelvin) -> "k"."""
    if text.isascii():
        return text.lower()
    return "".join((c.upper().lower() or c)[0] for c in text)


def pattern_triggers(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case word-start keys every match begins with, or None when they cannot be derived."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        keys = _first(list(parsed), anchored=False)
    except (_Unbounded, RecursionError):
        return None
    return frozenset(keys) if keys else None


def _first(items: list, anchored: bool) -> set[str]:
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
            return _first(list(av[3]) + rest, anchored)
        if op is C.BRANCH:
            keys: set[str] = set()
            for alt in av[1]:
                keys |= _first(list(alt) + rest, anchored)
            return keys
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, _high, sub = av
            keys = _first(list(sub) + rest, anchored)
            if low == 0:
                keys |= _first(rest, anchored)
            return keys
        if op in (C.LITERAL, C.IN):
            if not anchored:
                raise _Unbounded
            # The word's first characters: literals and letter classes ("[Dd]efense" -> "def").
            words = {""}
            for op2, av2 in items[i:]:
                chars = _word_chars(op2, av2)
                if chars is None or len(next(iter(words))) == KEY_LEN:
                    break
                if len(words) * len(chars) > MAX_KEYS:
                    break
                words = {w + c for w in words for c in chars}
            if "" in words:
                raise _Unbounded
            return words
        raise _Unbounded
    raise _Unbounded  # the pattern can match an empty start: no keys


def _word_chars(op: object, av: object) -> set[str] | None:
    """Lower-case letters or digits one item can match, or None if it can match anything else."""
    if op is C.LITERAL:
        ch = chr(av)  # type: ignore[arg-type]
        return {fold(ch)} if ch.isalnum() else None
    if op is C.IN:
        chars = set()
        for op2, av2 in av:  # type: ignore[attr-defined]
            if op2 is not C.LITERAL or not chr(av2).isalnum():
                return None
            chars.add(fold(chr(av2)))
        return chars
    return None


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
        self.by_prefix = ascii_word_starts(text) if text.isascii() else word_starts(fold(text))
        self._by_letter: dict[str, list[str]] | None = None

    def candidates(self, keys: frozenset[str]) -> list[int]:
        """Sorted word starts whose word begins with one of ``keys``."""
        by_prefix = self.by_prefix
        prefixes: set[str] = set()  # each word start is listed under exactly one prefix
        for key in keys:
            if len(key) == KEY_LEN:
                if key in by_prefix:
                    prefixes.add(key)
                continue
            if self._by_letter is None:
                self._by_letter = {}
                for prefix in by_prefix:
                    self._by_letter.setdefault(prefix[0], []).append(prefix)
            for prefix in self._by_letter.get(key[0], ()):
                if prefix.startswith(key):
                    prefixes.add(prefix)
        found: list[int] = []
        for prefix in prefixes:
            found += by_prefix[prefix]
        found.sort()  # distinct prefixes hold distinct starts: no duplicates
        return found

    def finditer(
        self, pattern: re.Pattern[str], keys: frozenset[str] | None
    ) -> Iterator[re.Match[str]]:
        """The matches ``pattern.finditer(text)`` gives, trying only the trigger positions."""
        if keys is None:
            yield from pattern.finditer(self.text)
            return
        yield from matches_from(pattern, self.text, self.candidates(keys))


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


def ascii_word_starts(text: str) -> dict[str, list[int]]:
    """``word_starts(text.lower())`` for an ASCII text, with array operations: a Python step
    per distinct prefix instead of one (and a match object) per word, ~2.6x quicker."""
    lower = text.lower()
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


def matches_from(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``'s matches when every one starts at one of the sorted ``starts``:
    tried there in order, skipping positions inside the previous match."""
    i = 0
    while i < len(starts):
        m = pattern.match(text, starts[i])
        if m is None or m.end() == m.start():
            i += 1
            continue
        yield m
        i = bisect_left(starts, m.end(), i + 1)
