"""Issue extraction on passages we wrote: rules, inflections, vetoes, the article-level decision."""

import pytest

from transforms.issues import decide_article_issues, find_issue_mentions
from transforms.sentences import split_sentences


def codes(text, taxonomy):
    sentences = split_sentences(text)
    mentions = find_issue_mentions(text, sentences, taxonomy)
    relevant = bool(taxonomy.relevance.search(text))
    return {
        i.issue_code for i in decide_article_issues(mentions, len(sentences), taxonomy, relevant)
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "North Korea test-fired two ballistic missiles into the East Sea on Tuesday, Seoul said.",
            {"NK_NUCLEAR_MISSILE"},
        ),
        (
            "Seoul agreed to pay more for the upkeep of U.S. troops under the new Special Measures Agreement.",
            {"COST_SHARING"},
        ),
        (
            "The allies postponed the wartime OPCON transition again, officials in Seoul said.",
            {"OPCON_TRANSFER"},
        ),
        (
            "Seoul and Tokyo agreed to restore GSOMIA after years of friction over forced labor.",
            {"JAPAN_KOREA_RELATIONS"},
        ),
        (
            "Beijing retaliated against Seoul's THAAD deployment with a boycott of Korean goods.",
            {"MISSILE_DEFENSE", "CHINA_FACTOR"},
        ),
        (
            "South Korea and the United States began the Ulchi Freedom Shield joint drills on Monday.",
            {"JOINT_EXERCISES"},
        ),
        (
            "Pyongyang shipped artillery shells to Russia for its war in Ukraine, Seoul's spy agency said.",
            {"RUSSIA_UKRAINE"},
        ),
        (
            "Seoul's negotiators pressed Washington over tariffs on Korean cars and the KORUS FTA.",
            {"TRADE_ECONOMY"},
        ),
    ],
)
def test_passages_get_their_codes(text, expected, reference):
    assert codes(text, reference.taxonomy) == expected


def test_inflections_and_hyphen_variants_match(reference):
    tax = reference.taxonomy
    assert "COST_SHARING" in codes("Seoul and Washington reopened burden sharing talks.", tax)
    assert "COST_SHARING" in codes("Seoul and Washington reopened burden-sharing talks.", tax)
    assert "SANCTIONS" in codes("Seoul sanctioned three North Korean banks last week.", tax)


def test_weak_word_alone_is_not_enough(reference):
    # One "provocation" is weak evidence; the article must say more to carry the code.
    assert "NK_PROVOCATION" not in codes(
        "Seoul warned North Korea against any provocation.", reference.taxonomy
    )


def test_negative_context_vetoes(reference):
    text = "Seoul officials held a fire drill and a practice drill at the ministry on Friday."
    assert "JOINT_EXERCISES" not in codes(text, reference.taxonomy)


def test_acronym_terms_are_case_sensitive(reference):
    text = "In Seoul, the sofa in the lobby was replaced. Seoul also bought a new sofa."
    assert "USFK_POSTURE" not in codes(text, reference.taxonomy)
    assert "USFK_POSTURE" in codes(
        "Seoul asked to revise the SOFA after the incident.", reference.taxonomy
    )


def test_articles_not_about_korea_get_no_codes(reference):
    text = (
        "The Washington Commanders ran a two-minute drill in practice. The coach praised the joint "
        "effort, and fans protested ticket tariffs at the stadium. Chip sales rose."
    )
    assert codes(text, reference.taxonomy) == set()


def test_offsets_slice_back_to_matched_text(reference):
    text = "Title\n\nSeoul and Washington signed the Washington Declaration, expanding extended deterrence."
    sentences = split_sentences(text)
    mentions = find_issue_mentions(text, sentences, reference.taxonomy)
    assert mentions
    for m in mentions:
        assert text[m.start : m.end] == m.matched_text
        s, e = sentences[m.sentence_index]
        assert s <= m.start < m.end <= e


def test_salience_orders_codes(reference):
    tax = reference.taxonomy
    text = (
        "Cost-sharing talks resumed in Seoul. The Special Measures Agreement expires soon. "
        "Negotiators discussed burden-sharing for hours. Separately, a THAAD battery was upgraded."
    )
    sentences = split_sentences(text)
    issues = decide_article_issues(
        find_issue_mentions(text, sentences, tax), len(sentences), tax, True
    )
    assert [i.issue_code for i in issues] == ["COST_SHARING", "MISSILE_DEFENSE"]
    assert issues[0].salience > issues[1].salience
    assert all(0 <= i.salience <= 1 for i in issues)


def test_prefilter_never_hides_a_match(reference):
    import json

    from tests.conftest import TESTS
    from transforms.reference import text_prefixes

    texts = [
        json.loads(line)["text"]
        for f in sorted((TESTS / "devset").glob("*.jsonl"))
        for line in f.read_text().splitlines()
    ]
    for text in texts:
        prefixes = text_prefixes(text)
        for code in reference.taxonomy.codes.values():
            for rule in code.rules:
                if rule.pattern.search(text):
                    assert rule.may_match(prefixes), (rule.rule_id, text[:60])
