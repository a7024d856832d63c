"""Sentence splitting keeps abbreviations inside sentences and offsets exact."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ABBREVIATIONS, split_sentences


def texts(spans, text):
    return [text[s:e] for s, e in spans]


def test_abbreviations_do_not_end_sentences():
    text = "U.S. Gen. Paul LaCamera met Dec. 5 with officials. The U.S. side agreed. Was it enough? Yes!"
    assert texts(split_sentences(text), text) == [
        "U.S. Gen. Paul LaCamera met Dec. 5 with officials.",
        "The U.S. side agreed.",
        "Was it enough?",
        "Yes!",
    ]


def test_initials_and_lines():
    text = "Title line\nGeorge W. Bush spoke. Then he left.\n\nNew paragraph"
    assert texts(split_sentences(text), text) == [
        "Title line",
        "George W. Bush spoke.",
        "Then he left.",
        "New paragraph",
    ]


def test_lowercase_continuation_is_not_a_boundary():
    text = "The deal (worth $1.2 bn. in total) was signed. Next."
    assert len(split_sentences(text)) == 2


@given(st.text(alphabet=st.sampled_from(list("ab .!?\nUS")), max_size=200))
def test_spans_are_ordered_trimmed_and_inside_text(text):
    spans = split_sentences(text)
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        last = e


def _is_abbreviation_by_regex(text: str, dot: int) -> bool:
    """The earlier implementation, kept as the reference the hand scan must agree with."""
    import re

    m = re.compile(r"([\w.]+)$").search(text, max(0, dot - 40), dot + 1)
    if not m:
        return False
    token = m.group(1).rstrip(".")
    return token.lower() in ABBREVIATIONS or bool(re.match(r"^[A-Z]$", token))


@given(
    st.lists(
        st.sampled_from(
            [*"abcdsSUWgenGe._-07 \n", "Gen", "U.S", "Dec", "\u0130", "\u01c5", "\u0663"]
        ),
        max_size=40,
    ).map("".join)
)
def test_abbreviation_check_agrees_with_the_regex_reference(text):
    from transforms.sentences import _is_abbreviation

    text += "."
    for dot in (i for i, c in enumerate(text) if c == "."):
        assert _is_abbreviation(text, dot, ABBREVIATIONS) == _is_abbreviation_by_regex(text, dot), (
            text,
            dot,
        )


_needs_c = pytest.mark.skipif(
    __import__("transforms.engine.native").engine.native.C is None,
    reason="no compiled build in this checkout (no C compiler)",
)


@_needs_c
@settings(max_examples=2000)
@given(
    st.lists(
        st.sampled_from(
            [
                *"ab .!?\n\"')]\t\u00a0\u2003Ss_7",
                "Gen.",
                "U.S.",
                "Dec.",
                "approx.",  # longer than most: the token is looked for 40 characters back
                "Ph.D.",
                "xx9_",
                " he",
                "K. Lee",
                "\u212a",  # Kelvin sign: lower-cases to "k"
                "\u0130",  # lower-cases to two characters
                "\u01c5",  # title case: neither upper nor lower
                "\u0663",  # a digit outside ASCII
                "é",
                "...",
                "?!)",
                " ...x",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_the_c_splitter_gives_the_python_spans(text):
    from transforms.engine.native import C as _wordscan
    from transforms.sentences import python_split_sentences

    assert _wordscan.split_sentences(text, ABBREVIATIONS) == python_split_sentences(
        text, ABBREVIATIONS
    )


@_needs_c
def test_the_c_splitter_on_the_examples_and_wrong_arguments():
    from transforms.engine.native import C as _wordscan

    text = 'Gen. Kim met U.S. envoys in Seoul. "Talks ended?!" he asked.\nThen: no.'
    spans = _wordscan.split_sentences(text, ABBREVIATIONS)
    assert texts(spans, text) == [
        "Gen. Kim met U.S. envoys in Seoul.",
        '"Talks ended?!" he asked.',
        "Then: no.",
    ]
    with pytest.raises(TypeError):
        _wordscan.split_sentences(b"bytes", ABBREVIATIONS)
    with pytest.raises(TypeError):
        _wordscan.split_sentences("Gen. Kim.", None)  # an abbreviation check needs the set
