"""Types of the C module _wordscan.c (see there)."""

import re
from collections.abc import Set
from typing import Any

import numpy as np
from typing_extensions import Buffer

# int64 arrays and UTF-8 bytes (numpy's types declare no buffer protocol before Python 3.12)
_Buf = Buffer | np.ndarray[Any, Any]

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
def offset_mismatches(
    text_offsets: _Buf,
    text_data: _Buf,
    index: _Buf,
    starts: _Buf,
    ends: _Buf,
    matched_offsets: _Buf,
    matched_data: _Buf,
    /,
) -> list[int]: ...
