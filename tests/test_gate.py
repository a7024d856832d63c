"""The Hyperscan prefilter never drops a pattern that matches, and does prune."""

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_issues import WORDS, _dev_texts


def _all_patterns(reference):
    from transforms.pipeline import Extractors

    ex = Extractors.build(reference)
    return ex, list(dict.fromkeys([*ex.matcher.gate.gated, *ex.matcher.gate.always]))


def _assert_superset(gate, patterns, text):
    possible = gate.possible(text)
    ids = gate.possible_ids(text)  # what the extractors ask
    for p in patterns:
        if p.search(text):
            assert p in possible, (p.pattern[:80], text[:200])
            assert id(p) in ids, (p.pattern[:80], text[:200])


def test_gate_keeps_every_pattern_that_matches_the_dev_texts(reference):
    ex, patterns = _cached(reference)
    assert len(ex.matcher.gate.gated) > 0.9 * len(patterns)  # nearly all go through the automaton
    for text in _dev_texts():
        _assert_superset(ex.matcher.gate, patterns, text)


def test_gate_prunes_on_text_about_something_else(reference):
    ex, patterns = _cached(reference)
    text = "The home team won the cup final on penalties after a goalless draw in the rain."
    possible = ex.matcher.gate.possible(text)
    assert len(possible) < len(patterns) / 4
    assert possible >= ex.matcher.gate.always


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
    _assert_superset(ex.matcher.gate, patterns, text)


_CACHE: dict[int, tuple] = {}


def _cached(reference):
    key = id(reference)
    if key not in _CACHE:
        _CACHE[key] = _all_patterns(reference)
    return _CACHE[key]


def test_ascii_folds_list_every_character_that_case_folds_to_ascii():
    from transforms.engine.prefilter import ASCII_FOLDS

    letters = re.compile("[a-z]", re.IGNORECASE)
    found = {
        chr(c)
        for c in range(128, sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and letters.fullmatch(chr(c))
    }
    assert found == set(ASCII_FOLDS)


def test_unsafe_patterns_are_not_gated():
    from transforms.engine.prefilter import PatternGate, gateable

    assert gateable(re.compile(r"\b(?:cost|burden)[\s-]+sharing\b", re.I))
    assert gateable(re.compile(r"\bChina\b[^.]{0,80}\brise\b"))
    assert not gateable(re.compile(r"\bS[^a-z]+K\b"))  # a negated class of letters
    assert not gateable(re.compile(r"S[^é]oul"))  # a negated class of a non-ASCII letter
    assert not gateable(re.compile(r"S[à-ü]oul"))  # a range of non-ASCII characters
    assert not gateable(re.compile(r"S\éoul"))  # an escaped non-ASCII character
    assert not gateable(re.compile(r"(\w+) \1"))  # a back-reference
    gate = PatternGate([re.compile(r"S[^é]oul"), re.compile(r"\bpeace\b")])
    assert re.compile(r"S[^é]oul") in gate.possible("nothing here")
    assert gate.possible("peace now") == {re.compile(r"S[^é]oul"), re.compile(r"\bpeace\b")}


def test_non_ascii_literals_are_scanned_for_as_their_stand_ins():
    from transforms.engine.prefilter import PatternGate, gateable, scan_source

    assert scan_source("Séoul ©|[’']s") == b"S\\x5foul \\x1a|[\\x1a']s"
    assert scan_source(r"\\©") == b"\\\\\\x1a"  # an escaped backslash, then the literal
    patterns = [re.compile(r"Séoul"), re.compile(r"(?:©|ⓒ) \d{4}"), re.compile(r"été", re.I)]
    assert all(gateable(p) for p in patterns)
    gate = PatternGate(patterns)
    assert gate.possible("Seoul, (c) 2024 and summer") == set()
    assert gate.possible("Séoul, ⓒ 2024 and ÉTÉ") == set(patterns)
    assert gate.possible("Sàoul") == {patterns[0]}  # another letter: the same stand-in
    kelvin = re.compile("\u212aorea", re.I)  # the Kelvin sign, which matches an ASCII k
    assert kelvin.match("Korea") and PatternGate([kelvin]).possible("Korea") == {kelvin}


def test_a_case_insensitive_non_ascii_literal_meets_only_its_own_stand_in():
    # Every character that Python matches with a non-ASCII literal under IGNORECASE has the
    # literal's stand-in, up to ASCII case (which the automaton ignores then too).
    from transforms.engine.prefilter import _TO_ASCII

    def stand_in(ch: str) -> str:
        return chr(_TO_ASCII[ord(ch)]).lower()

    cased = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and (chr(c).lower() != chr(c) or chr(c).upper() != chr(c))
    ]
    every = "\n".join(cased)
    non_ascii = [ch for ch in cased if not ch.isascii()]
    checked = 0
    for ch in non_ascii:
        for other in re.findall(re.escape(ch), every, re.IGNORECASE):
            assert stand_in(other) == stand_in(ch), (ch, other)
            checked += 1
    assert checked > 1.9 * len(non_ascii)  # itself, and nearly always another case


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Séoul", "SÉOUL", "séoul", "Seoul", "été", "ÉTÉ", "’s", "'s", "©", "x"]),
        max_size=12,
    ),
    st.sampled_from(["", " ", "\u00a0"]),
)
def test_gate_keeps_non_ascii_literal_patterns_that_match(words, glue):
    from transforms.engine.prefilter import PatternGate

    patterns = [
        re.compile(r"\bSéoul\b"),
        re.compile(r"séoul", re.I),
        re.compile(r"[’']s\b"),
        re.compile(r"© ?\w"),
        re.compile(r"été\W", re.I),
    ]
    text = glue.join(words)
    _assert_superset(PatternGate(patterns), patterns, text)


def test_possible_ids_name_every_object_of_equal_patterns():
    from transforms.engine.prefilter import PatternGate

    def fresh(source: str) -> re.Pattern[str]:
        re.purge()  # re caches compiled patterns: purge to get a second, equal object
        return re.compile(source)

    peace, peace_again = fresh(r"\bpeace\b"), fresh(r"\bpeace\b")
    seoul, seoul_again = fresh(r"S[^é]oul"), fresh(r"S[^é]oul")  # not gated: always possible
    war = fresh(r"\bwar\b")
    assert peace == peace_again and peace is not peace_again
    gate = PatternGate([peace, seoul, war, peace_again, seoul_again])
    ids = gate.possible_ids("peace now")
    assert {id(peace), id(peace_again), id(seoul), id(seoul_again)} <= ids
    assert id(war) not in ids
    assert gate.possible("peace now") == {peace, seoul}
    assert id(war) in gate.possible_ids("war and peace")


def test_actor_patterns_tried_at_trigger_positions_give_the_finditer_matches(reference):
    from transforms.engine.triggers import WordIndex, pattern_triggers

    ex, _ = _cached(reference)
    for text in _dev_texts():
        index = WordIndex(text)
        for pattern in ex.actors.patterns:
            keys = pattern_triggers(pattern)
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
    from transforms.actors.selection import boundary_regex as _boundary_regex
    from transforms.actors.selection import leftmost_longest as _leftmost_longest
    from transforms.actors.selection import occurrences as _occurrences

    text = " ".join(words)
    key = tuple(sorted(set(surnames)))
    fast = [(s, e) for s, e, _ in _leftmost_longest(text, _occurrences(text, key))]
    assert fast == [m.span() for m in _boundary_regex(key).finditer(text)]


def test_gate_scans_from_many_threads_at_once(reference):
    from concurrent.futures import ThreadPoolExecutor

    ex, _ = _cached(reference)
    texts = [" ".join(_dev_texts()[i::8]) for i in range(8)] * 8  # long scans overlap
    expected = [ex.matcher.gate.possible(t) for t in texts]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch inside the match callbacks, mid-scan
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(ex.matcher.gate.possible, texts)) == expected
    finally:
        sys.setswitchinterval(interval)
