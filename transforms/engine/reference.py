"""The reference engine: plain ``re`` and ``str.find``, what every other engine must give."""

import re
from collections.abc import Sequence


class ReferenceMatcher:
    """Runs each compiled pattern's ``finditer`` over the whole text."""

    name = "reference"

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self._ids = frozenset(id(p) for p in self.patterns)

    def scan(self, text: str) -> "ReferenceScan":
        return ReferenceScan(self, text)


class ReferenceScan:
    __slots__ = ("_matcher", "text")

    def __init__(self, matcher: ReferenceMatcher, text: str) -> None:
        self._matcher = matcher
        self.text = text

    def matches(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        if id(pattern) not in self._matcher._ids:
            raise KeyError(f"pattern not compiled into this matcher: {pattern.pattern[:80]!r}")
        return [m for m in pattern.finditer(self.text) if m.end() > m.start()]


class ReferenceLiterals:
    """Occurrences by ``str.find``."""

    def __init__(self, literals: Sequence[str]) -> None:
        self.literals = tuple(literals)

    def occurrences(self, text: str) -> list[tuple[int, int, int]]:
        out = []
        for index, literal in enumerate(self.literals):
            if not literal:
                continue
            i = text.find(literal)
            while i >= 0:
                out.append((i, i + len(literal), index))
                i = text.find(literal, i + 1)
        return out
