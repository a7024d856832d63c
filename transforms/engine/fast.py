"""The fast engine: a prefilter says which patterns can match a text at all, trigger keys say
at which word starts a pattern can begin, and ``re`` runs only there.

- ``prefilter.PatternGate``: one Hyperscan pass over the text for all patterns; a pattern it
  does not report cannot match.
- ``triggers.pattern_triggers``: the literal word starts every match of a pattern begins with
  (None when they cannot be derived: the pattern is run over the whole text);
  ``triggers.WordIndex`` finds the words of a text under those keys, and
  ``triggers.matches_from`` tries the pattern there in order, which gives ``finditer``'s
  matches. Both run in C when the kernels are built (``native.C``).
"""

import re
from collections.abc import Sequence

from transforms.engine.prefilter import LiteralScanner, PatternGate
from transforms.engine.reference import ReferenceLiterals
from transforms.engine.triggers import Triggers, WordIndex, matches_from, pattern_triggers


class FastMatcher:
    name = "fast"

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)  # held: the tables below are keyed by id()
        # By id(): hashing a compiled pattern hashes its whole compiled program.
        self.triggers: dict[int, Triggers | None] = {}
        for p in self.patterns:
            if id(p) not in self.triggers:
                self.triggers[id(p)] = pattern_triggers(p)
        self.gate = PatternGate(self.patterns)

    def scan(self, text: str) -> "FastScan":
        return FastScan(self, text)


class FastScan:
    __slots__ = ("_matcher", "_possible", "_words", "text")

    def __init__(self, matcher: FastMatcher, text: str) -> None:
        self._matcher = matcher
        self.text = text
        self._possible: set[int] | None = None  # found on first use, as is the word index
        self._words: WordIndex | None = None

    def matches(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        try:
            triggers = self._matcher.triggers[id(pattern)]
        except KeyError:
            raise KeyError(
                f"pattern not compiled into this matcher: {pattern.pattern[:80]!r}"
            ) from None
        if self._possible is None:
            self._possible = self._matcher.gate.possible_ids(self.text)
        if id(pattern) not in self._possible:
            return []
        if triggers is None:
            return [m for m in pattern.finditer(self.text) if m.end() > m.start()]
        if self._words is None:
            self._words = WordIndex(self.text)
        return matches_from(pattern, self.text, self._words.candidates(triggers))


class FastLiterals:
    """All occurrences in one Hyperscan pass, each checked against the text (the automaton
    scans ASCII stand-ins, so a non-ASCII literal may be reported where another character of
    its stand-in class stands). Literals with a NUL, which Hyperscan's literal mode cannot
    take, are found by ``str.find``."""

    def __init__(self, literals: Sequence[str]) -> None:
        self.literals = tuple(literals)
        scanned = [i for i, s in enumerate(self.literals) if s and "\0" not in s]
        self._index = scanned
        self._scanner = LiteralScanner([self.literals[i] for i in scanned])
        rest = set(range(len(self.literals))) - set(scanned)
        self._rest = ReferenceLiterals([s if i in rest else "" for i, s in enumerate(literals)])

    def occurrences(self, text: str) -> list[tuple[int, int, int]]:
        index, literals = self._index, self._scanner.literals
        hits = [
            (start, end, index[i])
            for start, end, i in self._scanner.scan(text)
            if text.startswith(literals[i], start)
        ]
        if len(self._index) < len(self.literals):
            hits += self._rest.occurrences(text)
        return hits
