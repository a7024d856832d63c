"""A small, dependency-free language check: is this English prose?"""

import re
from collections.abc import Sequence
from typing import AnyStr

_EN_STOPWORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "with",
        "as",
        "was",
        "by",
        "it",
        "at",
        "from",
        "are",
        "be",
        "this",
        "which",
        "or",
        "an",
        "has",
        "have",
        "its",
        "not",
        "but",
        "had",
        "were",
        "their",
        "will",
        "been",
        "would",
        "also",
        "they",
        "more",
        "than",
        "said",
    ]
)
# Function words of other Latin-script languages (German, French, Spanish, Italian, Dutch,
# Portuguese) that are not English words: a text with more of them than English ones is not
# English, however short ("Dies ist ein deutscher Text ... in Berlin" has one English "in").
_OTHER_STOPWORDS = frozenset(
    "der die das und ist nicht ein eine einen mit für über auch sich dem den des zu von "
    "le la les et est une dans pour avec sur pas qui du au aux sont "
    "el los las y es una para con por del al lo como pero más "
    "il della che di gli sono non nel alla "
    "het een van zijn niet ook "
    "os um uma não para com são".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# The same words in ASCII text: letters lower-cased, every other byte a space to split at
# (on ASCII, ``[^\W\d_]`` is ``[A-Za-z]``); bytes.translate and split are single C passes.
_ASCII_WORDS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))
_EN_STOPWORDS_B = frozenset(w.encode("ascii") for w in _EN_STOPWORDS)
_OTHER_STOPWORDS_B = frozenset(w.encode("ascii") for w in _OTHER_STOPWORDS if w.isascii())
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)


def detect_language(text: str, sample_chars: int = 5_000) -> str:
    """Return 'en', an ISO 639-1 code for a non-Latin script, or 'und' when unsure."""
    sample = text[:sample_chars]
    if sample.isascii():
        ascii_words = sample.encode("ascii").translate(_ASCII_WORDS).split()
        return _english_or_not(ascii_words, _EN_STOPWORDS_B, _OTHER_STOPWORDS_B)
    # Only a text with non-ASCII characters can be in another script.
    letters = len(_LETTER.findall(sample))
    if letters == 0:
        return "und"
    for code, pattern in _SCRIPTS:
        if len(pattern.findall(sample)) / letters > 0.3:
            return code
    return _english_or_not(_WORD.findall(sample.lower()), _EN_STOPWORDS, _OTHER_STOPWORDS)


def _english_or_not(
    words: Sequence[AnyStr], english_words: frozenset[AnyStr], other_words: frozenset[AnyStr]
) -> str:
    """'en' when enough of ``words`` are English function words and fewer are foreign ones."""
    if not words:
        return "und"
    english = sum(map(english_words.__contains__, words))
    if sum(map(other_words.__contains__, words)) > english:
        return "und"
    share = english / len(words)
    if share >= 0.12 or (len(words) < 25 and share >= 0.05):
        return "en"
    return "und"
