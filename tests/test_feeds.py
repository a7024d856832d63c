"""Feeds as an inbox: a feed and pages served from 127.0.0.1, with failures of both kinds."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from flows.feeds import harvest_feeds, load_feed_config, parse_allow, refusal

LOCAL = parse_allow("127.0.0.1")  # the test site is on loopback: allowed on purpose

ARTICLE = (
    "<html><head><title>Allies resume cost-sharing talks</title></head><body><article>"
    "<h1>Allies resume cost-sharing talks</h1><p>Seoul and Washington resumed talks on the Special "
    "Measures Agreement on Monday, officials in Seoul said, as the cost of U.S. troops in Korea rose.</p>"
    "<p>Negotiators will meet again next month in Washington.</p></article></body></html>"
)


class Site(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        Site.hits[self.path] = Site.hits.get(self.path, 0) + 1
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            self._rss(base, ("/a.html", "/missing.html", "/flaky.html", "/slow.html"))
        elif self.path == "/a.html":
            self._send(200, ARTICLE, "text/html")
        elif self.path == "/flaky.html" and Site.hits[self.path] < 2:
            self._send(503, "busy", "text/plain")  # transient: succeeds on the retry
        elif self.path == "/flaky.html":
            self._send(200, ARTICLE.replace("Monday", "Tuesday"), "text/html")
        elif self.path == "/slow.html":
            time.sleep(1.0)  # longer than the harvest test's timeout, shorter than the flow's
            self._send(200, ARTICLE.replace("next month", "in the spring"), "text/html")
        elif self.path == "/notfeed.xml":
            self._send(200, "<html><body>nothing here</body></html>", "text/html")
        elif self.path == "/typed.xml":
            self._rss(base, ("/plain.txt", "/paper.pdf", "/moved", "/inside"))
        elif self.path == "/plain.txt":
            self._send(200, ARTICLE_TEXT, "text/plain; charset=utf-8")
        elif self.path == "/paper.pdf":
            self._send(200, "%PDF-1.4 not really", "application/pdf")
        elif self.path == "/moved":
            self._redirect(f"{base}/a.html")
        elif self.path == "/inside":  # a page that sends the fetcher to another loopback address
            port = self.server.server_address[1]
            self._redirect(f"http://127.0.0.2:{port}/secret")
        elif self.path == "/secret":
            self._send(200, ARTICLE.replace("Monday", "Friday"), "text/html")
        elif self.path == "/trickle.xml":  # one byte every 0.5 s: no single read ever times out
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(100000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
        else:
            self._send(404, "not found", "text/plain")

    def _rss(self, base, paths):
        items = "".join(f"<item><title>{p}</title><link>{base}{p}</link></item>" for p in paths)
        self._send(
            200,
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
            "application/rss+xml",
        )

    def _redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, code, body, ctype):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout test)
            self.wfile.write(data)


ARTICLE_TEXT = (
    "Seoul and Washington resumed talks on sharing the cost of U.S. troops in Korea on "
    "Monday, officials in Seoul said. Negotiators meet again next month."
)


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a trickling answer never holds the test session open


@pytest.fixture(scope="module")
def site():
    server = Server(("", 0), Site)  # every loopback address: 127.0.0.2 reaches it too
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_harvest_retries_transient_and_quarantines_permanent_failures(site):
    Site.hits.clear()
    out = harvest_feeds(
        [f"{site}/feed.xml", f"{site}/notfeed.xml", f"{site}/nofeed.xml"],
        set(),
        timeout=0.3,
        retries=2,
        backoff=0.05,
        allow=LOCAL,
    )
    assert sorted(p.source_uri.rsplit("/", 1)[-1] for p in out.pages) == ["a.html", "flaky.html"]
    assert Site.hits["/flaky.html"] == 2
    reasons = sorted((r.source_uri.rsplit("/", 1)[-1], r.reason) for r in out.rejected)
    assert reasons == [
        ("missing.html", "page_unavailable"),
        ("nofeed.xml", "feed_unavailable"),
        ("notfeed.xml", "not_a_feed"),
    ]
    assert len(out.deferred) == 1 and "/slow.html" in out.deferred[0]  # timed out 3 times: next run
    again = harvest_feeds(
        [f"{site}/feed.xml"], {p.source_uri for p in out.pages}, timeout=0.3, retries=0, allow=LOCAL
    )
    assert again.skipped_known == 2


def test_feed_config_is_validated(tmp_path):
    good = tmp_path / "feeds.yaml"
    good.write_text("feeds:\n  - https://example.org/rss\n")
    assert load_feed_config(good) == ["https://example.org/rss"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - file:///etc/passwd\n")
    with pytest.raises(ValueError, match="not http"):
        load_feed_config(bad)
    evil = tmp_path / "evil.yaml"
    evil.write_text("feeds: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(Exception, match="could not determine a constructor"):
        load_feed_config(evil)


def test_loopback_and_internal_feeds_are_refused_unless_allowed(site):
    Site.hits.clear()
    port = site.rsplit(":", 1)[1]
    refused = harvest_feeds(
        [f"{site}/feed.xml", f"http://localhost:{port}/feed.xml"], set(), timeout=2, retries=0
    )
    assert refused.pages == [] and Site.hits == {}  # no connection was made
    assert [r.reason for r in refused.rejected] == ["address_refused", "address_refused"]
    assert "127.0.0.1, a loopback address" in refused.rejected[1].detail  # after DNS


def test_every_redirect_is_checked_and_the_final_url_kept(site):
    Site.hits.clear()
    out = harvest_feeds([f"{site}/typed.xml"], set(), timeout=2, retries=0, allow=LOCAL)
    pages = {p.source_uri.rsplit("/", 1)[-1]: p for p in out.pages}
    assert sorted(pages) == ["moved", "plain.txt"]
    assert pages["moved"].url == f"{site}/a.html" and pages["moved"].suffix == ".html"
    assert pages["plain.txt"].suffix == ".txt"
    reasons = {r.source_uri.rsplit("/", 1)[-1]: r.reason for r in out.rejected}
    assert reasons == {"inside": "address_refused", "paper.pdf": "unsupported_content_type"}
    assert "/secret" not in Site.hits  # the internal address was never reached


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "private"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fe80::1%eth0", "link-local"),
        ("100.64.0.1", "non-public"),
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_refusal_names_the_kind_of_address(address, why):
    assert refusal(address) == why
    assert refusal(address, parse_allow("0.0.0.0/0,::/0")) is None


def test_allow_list_entries_are_checked():
    assert parse_allow("127.0.0.1, 10.0.0.0/8") == parse_allow(["127.0.0.1", "10.0.0.0/8"])
    with pytest.raises(ValueError, match="'intranet' is not an address"):
        parse_allow("127.0.0.1,intranet")


def test_a_trickling_server_is_cut_at_the_fetch_deadline(site):
    started = time.monotonic()
    out = harvest_feeds(
        [f"{site}/trickle.xml"], set(), timeout=5, retries=2, fetch_deadline=1.5, allow=LOCAL
    )
    took = time.monotonic() - started
    assert out.rejected == [] and len(out.deferred) == 1
    assert "deadline" in out.deferred[0]
    assert took < 15, took  # one 1.5 s try, not retried; each read alone never timed out


def test_the_feed_stage_stops_at_its_deadline_and_defers_the_rest(site):
    out = harvest_feeds(
        [f"{site}/trickle.xml", f"{site}/feed.xml"],
        set(),
        timeout=5,
        fetch_deadline=30,
        stage_deadline=1.5,
        allow=LOCAL,
    )
    assert out.pages == [] and len(out.deferred) == 2
    assert "feed stage" in out.deferred[1]


@pytest.mark.slow
def test_flow_ingests_feed_pages_once(site, tmp_path, prefect_harness, monkeypatch):
    from deltalake import DeltaTable

    from flows.ingest_flow import ingest_flow

    monkeypatch.setenv("ALLIANCE_FEED_ALLOW", "127.0.0.1")
    Site.hits.clear()
    config = tmp_path / "feeds.yaml"
    config.write_text(f"feeds:\n  - {site}/feed.xml\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "wh"), feeds=str(config))
    assert first["articles_new"] == 3 and first["quarantined"] == 1
    articles = DeltaTable(str(tmp_path / "wh" / "articles")).to_pandas()
    assert set(articles["url"]) == {f"{site}/a.html", f"{site}/flaky.html", f"{site}/slow.html"}
    assert set(articles["outlet"].isna()) == {True}
    second = ingest_flow(inbox=str(inbox), warehouse=str(tmp_path / "wh"), feeds=str(config))
    assert second["articles_new"] == 0 and second["quarantined"] == 0
    assert Site.hits["/a.html"] == 1  # stored pages are not fetched again


@pytest.mark.slow
def test_a_trickling_feed_never_holds_back_the_inbox(site, tmp_path, prefect_harness, monkeypatch):
    from deltalake import DeltaTable

    from flows.ingest_flow import ingest_flow
    from tests.conftest import SAMPLES

    monkeypatch.setenv("ALLIANCE_FEED_ALLOW", "127.0.0.1")
    monkeypatch.setenv("ALLIANCE_FEED_FETCH_SECONDS", "2")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"feeds:\n  - {site}/trickle.xml\n")
    started = time.monotonic()
    summary = ingest_flow(inbox=str(SAMPLES), warehouse=str(tmp_path / "wh"), feeds=str(config))
    assert summary["articles_new"] == 5
    assert len(DeltaTable(str(tmp_path / "wh" / "articles")).to_pandas()) == 5
    assert time.monotonic() - started < 120
