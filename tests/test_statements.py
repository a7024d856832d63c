"""Reported statements on passages we wrote: who said what, and which codes it addresses."""

from tests.conftest import split_sentences
from transforms.pipeline import extract_article
from transforms.statements import find_statements


def statements(text, extractors):
    sentences = split_sentences(text)
    found = extract_article(text, sentences, 2020, extractors)
    out = find_statements(
        text, sentences, found.actors, found.mentions, extractors.actors.attribution
    )
    for s in out:
        assert 0 <= s.cue_start < s.cue_end <= len(text)
        assert 0 <= s.words_start <= s.words_end <= len(text)
    return out


def rows(text, extractors):
    return {
        (s.actor_name, s.cue, s.direct, text[s.words_start : s.words_end], s.issue_code)
        for s in statements(text, extractors)
    }


def test_quoted_and_paraphrased_statements_with_their_codes(extractors):
    text = (
        "Seoul and Washington met on Monday. "
        '"We will pay more for the US troops," said Defense Minister Kang Jae-won. '
        "Analyst Dana Whitfield told reporters that the cost-sharing talks went well. "
        "She also said the OPCON transfer would wait. "
        "Peter Orlikov met officials in Tokyo."
    )
    assert rows(text, extractors) == {
        ("Kang Jae-won", "said", True, "We will pay more for the US troops,", "COST_SHARING"),
        ("Dana Whitfield", "told", False, "the cost-sharing talks went well.", "COST_SHARING"),
        ("Dana Whitfield", "said", False, "the OPCON transfer would wait.", "OPCON_TRANSFER"),
    }


def test_words_before_the_cue_and_words_about_no_code(extractors):
    text = (
        "Seoul and Washington met. The weather was fine on the peninsula, Peter Orlikov said. "
        "North Korea fired two ballistic missiles, according to Dana Whitfield."
    )
    got = rows(text, extractors)
    assert ("Peter Orlikov", "said", False, "The weather was fine on the peninsula, ", None) in got
    assert any(
        name == "Dana Whitfield" and cue == "according to" and code == "NK_NUCLEAR_MISSILE"
        for name, cue, _, _, code in got
    )


def test_states_speak_and_meetings_do_not(extractors):
    text = "Seoul said the SMA talks would resume. Tokyo met Seoul on trade."
    got = {(s.actor_id, s.actor_type, s.issue_code) for s in statements(text, extractors)}
    assert got == {("KOR", "state", "COST_SHARING")}
    # near miss: "he said" with nobody named before it is nobody's statement
    assert statements("He said the SMA talks would resume in Seoul.", extractors) == []


def test_who_raised_each_issue_counts_articles_people_then_states():
    import pandas as pd

    from transforms.report_data import top_speakers_per_issue

    cols = ["article_id", "actor_id", "actor_name", "actor_type", "issue_code"]
    rows = [
        ("a1", "P1", "Dana Whitfield", "person", "COST_SHARING"),
        ("a1", "P1", "Dana Whitfield", "person", "COST_SHARING"),  # twice in one article
        ("a2", "P1", "Dana Whitfield", "person", "COST_SHARING"),
        ("a2", "P2", "Kang Jae-won", "person", "COST_SHARING"),
        ("a2", "KOR", "South Korea", "state", "COST_SHARING"),
        ("a3", "P2", "Kang Jae-won", "person", None),  # words about no code
        ("a3", "O1", "KCNA", "organization", "COST_SHARING"),
    ]
    got = top_speakers_per_issue(pd.DataFrame(rows, columns=cols))
    assert got == {
        "COST_SHARING": {
            "person": [("Dana Whitfield", 2), ("Kang Jae-won", 1)],
            "state": [("South Korea", 1)],
        }
    }
    assert top_speakers_per_issue(pd.DataFrame(columns=cols)) == {}


def test_a_title_or_a_quotation_carries_the_speaker_on(extractors):
    text = (
        "Defense Minister Kang Jae-won met Dana Whitfield in Seoul. "
        "The minister added that the SMA talks would resume. "
        '"We will pay more," Kang said. "The OPCON transfer can wait."\n\n'
        '"Our troops stay," the analyst said.'
    )
    got = rows(text, extractors)
    assert ("Kang Jae-won", "added", False, "the SMA talks would resume.", "COST_SHARING") in got
    assert ("Kang Jae-won", "said", True, "The OPCON transfer can wait.", "OPCON_TRANSFER") in got
    # near misses: a title the person named before does not hold speaks for no one, and a
    # quotation with its own speech verb is not carried on
    assert not any(words == "Our troops stay," for _, _, _, words, _ in got)
    near = "Analyst Dana Whitfield met officials. The minister said the SMA talks would resume."
    assert rows(near, extractors) == set()
