"""The Hyperscan prefilter never drops a pattern that matches, and does prune."""

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_issues import WORDS, _dev_texts


def _all_patterns(reference):
    from transforms.pipeline import Extractors

    ex = Extractors.build(reference)
    return ex, list(dict.fromkeys([*ex.gate.gated, *ex.gate.always]))


def _assert_superset(gate, patterns, text):
    possible = gate.possible(text)
    ids = gate.possible_ids(text)  # what the extractors ask
    for p in patterns:
        if p.search(text):
            assert p in possible, (p.pattern[:80], text[:200])
            assert id(p) in ids, (p.pattern[:80], text[:200])


def test_gate_keeps_every_pattern_that_matches_the_dev_texts(reference):
    ex, patterns = _cached(reference)
    assert len(ex.gate.gated) > 0.9 * len(patterns)  # nearly all go through the automaton
    for text in _dev_texts():
        _assert_superset(ex.gate, patterns, text)


def test_gate_prunes_on_text_about_something_else(reference):
    ex, patterns = _cached(reference)
    text = "The home team won the cup final on penalties after a goalless draw in the rain."
    possible = ex.gate.possible(text)
    assert len(possible) < len(patterns) / 4
    assert possible >= ex.gate.always


# Non-ASCII characters of every kind the ASCII stand-ins handle: letters, a Korean syllable,
# a non-ASCII digit, spaces, punctuation, and characters that case-fold to ASCII letters.
ODD = [
    "é",
    "Pyeongtaek\u00e9",
    "\uac00",
    "\u0663",
    "\u00a0",
    "\u2003",
    "\u2014",
    "\u212a",
    "\u017f",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*WORDS, *ODD]), max_size=40),
    st.sampled_from(["", " ", "x", "-", "\u00a0", "é"]),
)
def test_gate_keeps_every_match_on_generated_text(reference, words, glue):
    ex, patterns = _cached(reference)
    text = glue.join(words) if glue else " ".join(words)
    _assert_superset(ex.gate, patterns, text)


_CACHE: dict[int, tuple] = {}


def _cached(reference):
    key = id(reference)
    if key not in _CACHE:
        _CACHE[key] = _all_patterns(reference)
    return _CACHE[key]


def test_ascii_folds_list_every_character_that_case_folds_to_ascii():
    from transforms.gate import ASCII_FOLDS

    letters = re.compile("[a-z]", re.IGNORECASE)
    found = {
        chr(c)
        for c in range(128, sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and letters.fullmatch(chr(c))
    }
    assert found == set(ASCII_FOLDS)


def test_unsafe_patterns_are_not_gated():
    from transforms.gate import PatternGate, gateable

    assert gateable(re.compile(r"\b(?:cost|burden)[\s-]+sharing\b", re.I))
    assert gateable(re.compile(r"\bChina\b[^.]{0,80}\brise\b"))
    assert not gateable(re.compile(r"\bS[^a-z]+K\b"))  # a negated class of letters
    assert not gateable(re.compile(r"Séoul"))  # a non-ASCII literal
    assert not gateable(re.compile(r"(\w+) \1"))  # a back-reference
    gate = PatternGate([re.compile(r"Séoul"), re.compile(r"\bpeace\b")])
    assert re.compile(r"Séoul") in gate.possible("nothing here")
    assert gate.possible("peace now") == {re.compile(r"Séoul"), re.compile(r"\bpeace\b")}


def test_possible_ids_name_every_object_of_equal_patterns():
    from transforms.gate import PatternGate

    def fresh(source: str) -> re.Pattern[str]:
        re.purge()  # re caches compiled patterns: purge to get a second, equal object
        return re.compile(source)

    peace, peace_again = fresh(r"\bpeace\b"), fresh(r"\bpeace\b")
    seoul, seoul_again = fresh(r"Séoul"), fresh(r"Séoul")  # not gated: always possible
    war = fresh(r"\bwar\b")
    assert peace == peace_again and peace is not peace_again
    gate = PatternGate([peace, seoul, war, peace_again, seoul_again])
    ids = gate.possible_ids("peace now")
    assert {id(peace), id(peace_again), id(seoul), id(seoul_again)} <= ids
    assert id(war) not in ids
    assert gate.possible("peace now") == {peace, seoul}
    assert id(war) in gate.possible_ids("war and peace")


def test_actor_patterns_tried_at_trigger_positions_give_the_finditer_matches(reference):
    from transforms.triggers import WordIndex

    ex, _ = _cached(reference)
    for text in _dev_texts():
        index = WordIndex(text)
        for pattern, keys in ex.actors.triggers.items():
            fast = [m.span() for m in index.finditer(pattern, keys)]
            assert fast == [m.span() for m in pattern.finditer(text) if m.end() > m.start()], (
                pattern.pattern[:80]
            )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Kim", "Lee", "Yoon", "Biden", "Thomas-Greenfield"]),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.sampled_from([*WORDS, "Kim", "Kimberly", "Lee.", "Yoon's", "Thomas-Greenfield"])),
)
def test_bare_surname_lookup_matches_the_alternation_regex(surnames, words):
    from transforms.actors import _boundary_regex, _leftmost_longest, _occurrences

    text = " ".join(words)
    key = tuple(sorted(set(surnames)))
    fast = [(s, e) for s, e, _ in _leftmost_longest(text, _occurrences(text, key))]
    assert fast == [m.span() for m in _boundary_regex(key).finditer(text)]


def test_gate_scans_from_many_threads_at_once(reference):
    from concurrent.futures import ThreadPoolExecutor

    ex, _ = _cached(reference)
    texts = [" ".join(_dev_texts()[i::8]) for i in range(8)] * 8  # long scans overlap
    expected = [ex.gate.possible(t) for t in texts]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch inside the match callbacks, mid-scan
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(ex.gate.possible, texts)) == expected
    finally:
        sys.setswitchinterval(interval)
