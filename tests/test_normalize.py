"""Normalization: typography, boilerplate with rule ids, recovered metadata."""

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.normalize import (
    clean_text,
    coerce_date,
    normalize_text,
    parse_date,
    strip_boilerplate,
)


def test_clean_text_fixes_typography_and_mojibake():
    raw = "Seoul\u2019s \u201cplan\u201d \u2014 it\u00a0works\u200b.\r\n\n\n\n\u2022 first point\n  \u25aa second\t\tpoint  "
    assert clean_text(raw) == 'Seoul\'s "plan" - it works.\n\n- first point\n- second point'
    assert clean_text("The alliance\u00e2\u20ac\u2122s future") == "The alliance's future"


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_clean_text_is_idempotent(raw):
    once = clean_text(raw)
    assert clean_text(once) == once


def test_clean_text_deletes_control_characters_but_keeps_line_and_space_ones():
    # NUL, unit separator and DEL go; tab -> space, vertical tab -> newline, CR goes; runs
    # of blank lines become one.
    assert clean_text("a\x00b\x1fc\x7fd\x0be\tf\r\n\n\n\ng") == "abcd\ne f\n\ng"


@settings(max_examples=500)
@given(st.text(alphabet="ab \n\t\r\x00\x08\x0b\x0c\x0e\x1f\x7f\u200b", max_size=40))
def test_clean_text_leaves_no_control_character(raw):
    from transforms.normalize import CONTROL

    text = clean_text(raw)
    assert not CONTROL.search(text)
    assert text.replace("\n", "").replace(" ", "") == CONTROL.sub("", raw).translate(
        {ord(c): None for c in " \n\t\r\x0b\x0c\u200b"}
    )  # every other character kept, in order


@settings(max_examples=500)
@given(st.text(alphabet=" -*ab.\n\t\u2022\u00b7\u00a0\u2014", max_size=80))
def test_clean_text_tidies_every_line_as_the_rule_does(raw):
    from transforms.normalize import BULLET, SPACES

    # The rule written plainly: bullets and runs of spaces are looked for on every line.
    text = clean_text(raw)
    lines = [SPACES.sub(" ", BULLET.sub("- ", line)).strip() for line in text.split("\n")]
    assert text == re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


@settings(max_examples=1000)
@given(
    st.one_of(
        st.text(alphabet=st.characters(max_codepoint=127), max_size=80),
        st.text(alphabet=" \t\r\n\x0b\x0c\x01\x7f-*.ab", max_size=60),
    )
)
def test_one_clean_pass_is_a_fixpoint_without_ftfy(raw):
    # clean_text stops after one pass on ASCII text without entities: that pass must settle it.
    from transforms.normalize import _clean_once

    once = _clean_once(raw)
    assert "&" in raw or _clean_once(once) == once


def test_boilerplate_lines_are_removed_with_rule_ids(reference):
    text = clean_text(
        "Go to contents\n\nAllies meet\n\nAllies meet\n\nPosted August. 09, 2019 07:36,\n\n"
        "Seoul and Washington met on Friday.\nImage Credit: Flickr\n"
        "Enjoying this article? Click here to subscribe for full access. Just $5 a month.\n"
        "They agreed.\nSign up for our weekly newsletter\nThe Weekly Brief\nNo comments:\nPost a Comment"
    )
    body, removed = strip_boilerplate(text, reference.boilerplate)
    assert body == "Allies meet\n\nSeoul and Washington met on Friday.\nThey agreed."
    assert [r.rule_id for r in removed] == [
        "go_to_contents",
        "repeated_line",
        "posted_updated",
        "image_credit",
        "subscription_prompt",
        "newsletter_signup",
        "newsletter_name",
        "comment_widget",
        "comment_widget",
    ]


def _strip_as_written(text, rules):
    """strip_boilerplate's rule spelled out plainly: every rule tried on every line, in order."""
    removed, kept, seen_short, last = [], [], set(), None

    def key(line):
        return re.sub(r"\W+", " ", line.lower()).strip()

    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            kept.append(line)
            continue
        words = len(line.split())
        hit = None
        for rule in rules:
            if words > rule.max_words and rule.kind != "prefix":
                continue
            if (
                (rule.kind == "line" and rule.pattern.fullmatch(line))
                or (rule.kind == "after" and last == rule.after and rule.pattern.fullmatch(line))
                or (rule.kind == "repeat" and key(line) in seen_short)
            ):
                hit = rule
                break
            if rule.kind == "prefix":
                m = rule.pattern.match(line)
                if m and m.end() < len(line):
                    removed.append((number, rule.rule_id, line[: m.end()].rstrip()))
                    line = line[m.end() :]
        if hit:
            removed.append((number, hit.rule_id, line))
            last = hit.rule_id
            continue
        last = None
        if words <= 30:
            seen_short.add(key(line))
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n"), removed


def _custom_rules(repeat_first: bool = False):
    """Rules that take the paths the shipped ones may not: a non-ASCII literal, a line rule
    after a prefix rule (tried on the cut line), look-arounds (never gated), an after rule,
    and with ``repeat_first`` the repeat rule before the prefix rule."""
    from transforms.reference import parse_boilerplate

    repeat = {"id": "repeat", "kind": "repeat", "max_words": 30}
    return parse_boilerplate(
        [
            *([repeat] if repeat_first else []),
            {"id": "mark", "pattern": "(?:©|ⓒ|\\(c\\)) .*", "max_words": 12},
            {"id": "city", "kind": "prefix", "pattern": "[A-ZÉ]{3,} -+ "},
            {"id": "agreed", "pattern": "(?:they )?agreed\\.", "max_words": 4},
            {"id": "ahead", "pattern": "read more(?=$)|[\\w’']+ only(?!\\n)", "max_words": 6},
            {"id": "behind", "pattern": "(?<!x)(?:share|tweet)", "max_words": 3},
            {"id": "sign", "pattern": ".*\\bnewsletter\\b.*", "max_words": 10},
            {"id": "name", "kind": "after", "after": "sign", "pattern": "[A-Z][\\w’' ]{0,30}"},
            *([] if repeat_first else [repeat]),
        ]
    )


BOILERPLATE_LINES = [
    "",
    "SEOUL - agreed.",
    "ÉTÉ -- They agreed.",
    "SEOUL - Seoul and Washington met.",
    "agreed.",
    "© 2024 Yonhap",
    "ⓒ Korea Herald",
    "(c) All rights reserved",
    "Copyright 2019 The Korea Times. All rights reserved.",
    "Read more",
    "subscribers only",
    "Share",
    "Tweet",
    "Sign up for our weekly newsletter",
    "The Weekly Brief",
    "Home | News | Politics",
    "Go to contents",
    "Posted August. 09, 2019 07:36,",
    "Seoul and Washington met on Friday.",
    "Séoul a dit non.",
    "The allies agreed. " * 12,
    "Enjoying this article? Click here to subscribe for full access.",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(BOILERPLATE_LINES), st.text(alphabet="ab ©’.-|É\n", max_size=20)),
        max_size=25,
    ),
    st.sampled_from(["shipped", "custom", "repeat_first"]),
)
def test_strip_boilerplate_keeps_the_rule_as_written(reference, lines, rule_set):
    # The prefilter only skips rules that cannot take any line of the text: the same lines go.
    rules = {
        "shipped": reference.boilerplate,
        "custom": _custom_rules(),
        "repeat_first": _custom_rules(repeat_first=True),
    }[rule_set]
    text = "\n".join(lines)
    body, removed = strip_boilerplate(text, rules)
    assert (body, [(r.line_number, r.rule_id, r.text) for r in removed]) == _strip_as_written(
        text, rules
    )


def test_menu_and_breadcrumb_lines_are_removed(reference):
    text = (
        "Home | Politics | North Korea | Defense\nHome > National > Diplomacy\n"
        "Allies meet | Seoul and Washington agree\nSeoul and Washington met on Friday."
    )
    body, removed = strip_boilerplate(text, reference.boilerplate)
    assert body == "Allies meet | Seoul and Washington agree\nSeoul and Washington met on Friday."
    assert [r.rule_id for r in removed] == ["nav_menu", "nav_menu"]


def test_wire_dateline_prefix_is_cut(reference):
    body, removed = strip_boilerplate(
        "SEOUL, Aug. 9 (Yonhap) -- Seoul and Washington agreed.", reference.boilerplate
    )
    assert body == "Seoul and Washington agreed."
    assert removed[0].rule_id == "wire_dateline"
    assert removed[0].text == "SEOUL, Aug. 9 (Yonhap) --"


def test_metadata_recovered_from_text(reference):
    raw = "Allies renew vows\nApril 26, 2023\nBy Jane Roe\nSeoul and Washington renewed the alliance on Monday. It matters."
    norm = normalize_text(raw, reference.boilerplate, reference.outlets)
    assert norm.title == "Allies renew vows"
    assert norm.published_at == dt.date(2023, 4, 26)
    assert norm.published_at_source == "text"
    assert norm.author == "Jane Roe"
    assert "April 26, 2023" not in norm.text


def test_metadata_prefers_container_fields(reference):
    norm = normalize_text(
        "Some text about Seoul. More text.",
        reference.boilerplate,
        reference.outlets,
        {
            "title": "Given",
            "published_at": "2021-03-08T10:00:00+09:00",
            "url": "https://www.koreaherald.com/view.php?ud=1",
        },
    )
    assert (norm.title, norm.published_at, norm.outlet) == (
        "Given",
        dt.date(2021, 3, 8),
        "The Korea Herald",
    )
    assert norm.metadata_sources == {
        "title": "metadata",
        "published_at": "metadata",
        "outlet": "url",
    }


def test_outlet_from_signature_line(reference):
    raw = "Headline here\nSeoul and Washington met. They talked.\nSign up for our weekly newsletter\nThe Diplomat Brief"
    assert normalize_text(raw, reference.boilerplate, reference.outlets).outlet == "The Diplomat"


def test_outlet_after_a_copyright_mark_and_in_a_page_title(reference):
    body = "Headline here\nSeoul and Washington met on Monday. They talked."
    for line in (
        "(c) The Korea Herald. Unauthorized reproduction prohibited.",
        "Copyright 2019-2024, The Korea Herald. All rights reserved.",
        "© 2024 The Korea Herald",
    ):
        norm = normalize_text(f"{body}\n{line}", reference.boilerplate, reference.outlets)
        assert (norm.outlet, norm.metadata_sources.get("outlet")) == (
            "The Korea Herald",
            "signature",
        )
        assert line not in norm.text
    # no mark before the name, or another name after it: no outlet
    for line in ("The Korea Herald reported it first.", "(c) Herald Media Group"):
        assert (
            normalize_text(f"{body}\n{line}", reference.boilerplate, reference.outlets).outlet
            is None
        )
    # an HTML page's <title>: the part after the last separator, when it is a known outlet
    for page_title, outlet in (
        ("Allies meet | The Korea Herald", "The Korea Herald"),
        ("Allies meet - talks go on - The Korea Herald", "The Korea Herald"),
        ("The Korea Herald | Allies meet", None),
        ("Allies meet | World News", None),
    ):
        meta = {"page_title": page_title}
        norm = normalize_text(body, reference.boilerplate, reference.outlets, meta)
        assert norm.outlet == outlet, page_title


def test_rows_of_share_buttons_and_related_headlines_are_removed(reference):
    text = clean_text(
        "Allies meet\nSeoul and Washington met on Friday.\nShare on Facebook Share on Twitter\n"
        "Tweet | Email | Print\nRelated: North Korea fires two missiles into the sea\n"
        "See also: Allies plan summer drills\nThey agreed to meet again.\n"
        "Related talks in Tokyo ended without a deal, officials said on Saturday."
    )
    body, removed = strip_boilerplate(text, reference.boilerplate)
    assert body == (
        "Allies meet\nSeoul and Washington met on Friday.\nThey agreed to meet again.\n"
        "Related talks in Tokyo ended without a deal, officials said on Saturday."
    )
    assert [r.rule_id for r in removed] == [
        "share_widget",
        "share_widget",
        "related_headline",
        "related_headline",
    ]


def test_parse_date_formats():
    assert parse_date("Posted August. 09, 2019 07:36") == dt.date(2019, 8, 9)
    assert parse_date("9 Sept 2014") == dt.date(2014, 9, 9)
    assert parse_date("2013.05.07") == dt.date(2013, 5, 7)
    assert parse_date("February 30, 2019") is None
    assert parse_date("in 1850 or so, March 3, 1850") is None
    assert coerce_date("not a date") is None
    assert coerce_date(dt.datetime(2020, 1, 2, 3, 4)) == dt.date(2020, 1, 2)


def test_city_dateline_prefix_is_cut_but_not_headlines(reference):
    long_para = (
        "WASHINGTON - South Korea and the United States agreed on Monday " + "to talk more. " * 30
    )
    body, removed = strip_boilerplate(long_para.strip(), reference.boilerplate)
    assert body.startswith("South Korea and the United States")
    assert (removed[0].rule_id, removed[0].text) == ("city_dateline", "WASHINGTON -")
    body, removed = strip_boilerplate("SEOUL, Jan. 5 -- Seoul said.", reference.boilerplate)
    assert body == "Seoul said." and removed[0].text == "SEOUL, Jan. 5 --"
    assert strip_boilerplate("US-Korea ties - a view from Seoul", reference.boilerplate)[1] == ()


def test_language_check_refuses_other_latin_script_languages():
    from transforms.language import detect_language

    # A short German line has one English-looking word ("in"): still not English.
    assert detect_language("Dies ist ein deutscher Text über das Wetter in Berlin.") == "und"
    assert detect_language("Le président a dit que la France est prête à aider.") == "und"
    assert detect_language("El gobierno de Corea del Sur y los Estados Unidos firmaron.") == "und"
    assert detect_language("Seoul and Washington agree on cost-sharing") == "en"
    assert detect_language("Die Hard star visits Seoul for the premiere of his film.") == "en"
    assert detect_language("서울에서 열린 회담은 오늘 끝났다.") == "ko"


def _language_as_written(text: str) -> str:
    """The language rule spelled out plainly, for ASCII text (no other script is possible)."""
    from transforms.language import _EN_STOPWORDS, _OTHER_STOPWORDS

    words = re.findall(r"[^\W\d_]+", text[:5000].lower())
    if not words:
        return "und"
    english = len([w for w in words if w in _EN_STOPWORDS])
    if len([w for w in words if w in _OTHER_STOPWORDS]) > english:
        return "und"
    share = english / len(words)
    return "en" if share >= 0.12 or (len(words) < 25 and share >= 0.05) else "und"


_LANGUAGE_WORDS = st.sampled_from(
    [
        *"the The OF and said der Und est het los Seoul alliance talks x 9 _ 2nd U.S.".split(),
        *["non-English", "\t", "\n", ".", "", " ", "-"],
    ]
)


@settings(max_examples=500)
@given(st.lists(_LANGUAGE_WORDS, max_size=60), st.sampled_from([" ", "_", "", "\n", "1", "--"]))
def test_ascii_language_check_keeps_the_rule(words, glue):
    from transforms.language import detect_language

    text = glue.join(words)
    assert detect_language(text) == _language_as_written(text)


def test_ascii_language_check_reads_words_as_the_rule_does():
    from transforms.language import detect_language

    # German and Dutch in plain ASCII: more of their function words than English ones.
    assert detect_language("Das ist der Plan und die Wahl in Seoul") == "und"
    assert detect_language("Het plan van een land in Europa is niet klaar") == "und"
    # Digits and underscores end words: "the_alliance" is "the" and "alliance".
    assert detect_language("THE_ALLIANCE OF 2nd_and_3rd FORCES") == "en"
    assert detect_language("1234 ___ --- ...") == "und"
    assert detect_language("") == "und"
