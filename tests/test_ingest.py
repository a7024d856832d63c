"""Decoding inputs: every failure is a Rejection naming the file and the reason."""

import json

import pytest

from transforms.ingest import InputFile, RawArticle, Rejection, decode_input

TEXT = "Seoul and Washington agreed on a new Special Measures Agreement on Monday."


def decode(name, data):
    return list(decode_input(InputFile(f"/in/{name}", data)))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty_file"),
        ("blank.txt", b"  \n\n ", "empty_file"),
        ("pic.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "binary_file"),
        ("nul.txt", b"abc\x00def" * 10, "binary_file"),
        ("latin1.txt", "café société".encode("latin-1"), "undecodable"),
        ("doc.pdf", b"%PDF-1.4", "unsupported_extension"),
        ("noext", b"hello", "unsupported_extension"),
        ("bad.json", b'{"text": ', "malformed_json"),
        ("list.json", b"[]", "malformed_json"),
        ("notext.json", b'{"title": "x"}', "missing_text"),
        ("num.json", b"[1]", "malformed_record"),
    ],
)
def test_bad_inputs_are_rejections(name, data, reason):
    out = decode(name, data)
    assert len(out) == 1
    assert isinstance(out[0], Rejection)
    assert out[0].reason == reason
    assert f"/in/{name}" in out[0].detail


def test_txt_with_bom_and_utf16():
    (a,) = decode("a.txt", b"\xef\xbb\xbf" + TEXT.encode())
    (b,) = decode("b.txt", TEXT.encode("utf-16"))
    assert isinstance(a, RawArticle) and a.text == TEXT
    assert isinstance(b, RawArticle) and b.text == TEXT


def test_jsonl_keeps_good_lines_and_rejects_bad_ones():
    lines = [
        json.dumps({"text": TEXT, "title": "T", "url": "https://x.org/1"}),
        "not json",
        "",
        json.dumps({"body": TEXT + " Again.", "published_at": "2020-01-02"}),
        json.dumps({"title": "no text"}),
    ]
    out = decode("drop.jsonl", "\n".join(lines).encode())
    kinds = [(type(u).__name__, u.source_uri) for u in out]
    assert kinds == [
        ("RawArticle", "/in/drop.jsonl#L1"),
        ("Rejection", "/in/drop.jsonl#L2"),
        ("RawArticle", "/in/drop.jsonl#L4"),
        ("Rejection", "/in/drop.jsonl#L5"),
    ]
    assert out[0].meta == {"title": "T", "url": "https://x.org/1"}
    assert out[2].meta == {"published_at": "2020-01-02"}
    assert len({u.source_sha256 for u in out}) == 4


def test_json_array_records_get_their_own_uri():
    data = json.dumps({"articles": [{"text": TEXT}, {"text": TEXT + " More."}]}).encode()
    out = decode("batch.json", data)
    assert [u.source_uri for u in out] == ["/in/batch.json#0", "/in/batch.json#1"]


def test_html_main_text_and_metadata():
    html = (
        "<html><head><title>Allies agree | The Korea Herald</title>"
        '<meta name="author" content="Jane Roe"><meta property="og:site_name" content="The Korea Herald">'
        '<meta property="article:published_time" content="2021-03-08"></head><body><nav>Home | News</nav>'
        f"<article><h1>Allies agree</h1><p>{TEXT}</p><p>The deal covers U.S. troops in Korea, officials said on Monday.</p></article>"
        "<footer>Copyright 2021</footer></body></html>"
    )
    (a,) = decode("page.html", html.encode())
    assert isinstance(a, RawArticle)
    assert TEXT in a.text and "Home | News" not in a.text
    assert a.meta["author"] == "Jane Roe"
    assert a.meta["published_at"] == "2021-03-08"
    assert a.meta["outlet"] == "The Korea Herald"


def test_html_page_title_is_kept_for_the_outlet_when_the_page_names_no_site():
    body = f"<article><h1>Allies agree</h1><p>{TEXT}</p><p>The deal covers U.S. troops in Korea, officials said on Monday.</p></article>"
    page = f"<html><head><title>Allies agree &amp; sign | The Korea Herald</title></head><body>{body}</body></html>"
    (a,) = decode("page.html", page.encode())
    assert a.meta["page_title"] == "Allies agree & sign | The Korea Herald"
    named = page.replace("</title>", '</title><meta property="og:site_name" content="Herald">')
    (b,) = decode("named.html", named.encode())
    assert b.meta["outlet"] == "Herald" and "page_title" not in b.meta


def test_html_without_text_is_rejected():
    (r,) = decode("nav.html", b"<html><body><nav>Home</nav></body></html>")
    assert isinstance(r, Rejection) and r.reason == "no_main_text"


def test_rows_become_arrow_columns_with_missing_keys_as_nulls():
    from transforms.schema import TABLES, to_arrow

    names = TABLES["sentences"].schema.names
    full = [
        {"article_id": "a1", "sentence_index": i, "start": 10 * i, "end": 10 * i + 9}
        for i in (0, 1)
    ]
    table = to_arrow("sentences", full)
    assert table.schema == TABLES["sentences"].schema
    assert table.to_pylist() == [{n: r.get(n) for n in names} for r in full]
    partial = [full[0], {k: v for k, v in full[1].items() if k != "end"}]
    assert to_arrow("sentences", partial).column("end").to_pylist() == [9, None]
    assert to_arrow("sentences", []).num_rows == 0


def test_html_extraction_with_the_daily_settings_equals_trafilatura_called_with_its_options():
    import datetime as dt

    import trafilatura

    from transforms.ingest import _html_options, extract_html

    paragraphs = "".join(
        f"<p>Paragraph {i}: the allies reviewed the cost-sharing talks in Seoul on Monday, "
        f"officials said, and agreed to meet again next month.</p>"
        for i in range(6)
    )
    page = (
        "<html><head><title>Allies review cost-sharing talks</title>"
        '<meta name="author" content="Jane Roe">'
        '<meta property="article:published_time" content="2019-11-19"></head>'
        f"<body><nav>Home | World</nav><article>{paragraphs}</article>"
        "<footer>Copyright 2019</footer></body></html>"
    )
    text, meta = extract_html(page, "page.html")
    doc = trafilatura.bare_extraction(
        page, with_metadata=True, include_comments=False, include_tables=False, fast=True
    ).as_dict()
    assert text == doc["text"] and "Paragraph 5" in text and "Home | World" not in text
    assert meta["title"] == doc["title"] == "Allies review cost-sharing talks"
    assert meta["published_at"] == doc["date"] == "2019-11-19"
    assert meta["author"] == doc["author"]
    today = dt.date.today().isoformat()
    assert _html_options(today) is _html_options(today)  # built once a day
    assert _html_options(today).date_params["max_date"] == today
