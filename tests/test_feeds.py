"""Feeds as an inbox: a feed and pages served from 127.0.0.1, with failures of both kinds."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from flows.feeds import harvest_feeds, load_feed_config

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
            items = "".join(
                f"<item><title>{p}</title><link>{base}{p}</link></item>"
                for p in ("/a.html", "/missing.html", "/flaky.html", "/slow.html")
            )
            self._send(
                200,
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
                "application/rss+xml",
            )
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
        else:
            self._send(404, "not found", "text/plain")

    def _send(self, code, body, ctype):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout test)
            self.wfile.write(data)


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
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
        [f"{site}/feed.xml"], {p.source_uri for p in out.pages}, timeout=0.3, retries=0
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


@pytest.mark.slow
def test_flow_ingests_feed_pages_once(site, tmp_path, prefect_harness):
    from deltalake import DeltaTable

    from flows.ingest_flow import ingest_flow

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
