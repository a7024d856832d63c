"""Types of the C module _wordscan.c (see there)."""

import re
from collections.abc import Set

def word_starts(lower: str, /) -> dict[str, list[int]]: ...
def candidates(
    by_prefix: dict[str, list[int]],
    by_letter: dict[str, list[str]],
    source: str,
    lookup: tuple[tuple[str, tuple[str, ...]], ...],
    nested: bool,
    /,
) -> list[int]: ...
def matches_from(
    pattern: re.Pattern[str], text: str, starts: list[int], /
) -> list[re.Match[str]]: ...
def split_sentences(text: str, abbreviations: Set[str], /) -> list[tuple[int, int]]: ...
