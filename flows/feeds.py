"""RSS/Atom feeds as an inbox: fetch the feeds listed in a config file, then their pages.

Transient failures (timeouts, connection resets, 5xx) are retried with back-off and, if
they persist, left for the next run; permanent ones (4xx, not a feed) are quarantined.
"""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from transforms.ingest import InputFile, Rejection, sha256_hex

USER_AGENT = "alliance-issues/0.1 (+https://example.invalid/alliance-issues)"
MAX_PAGE_BYTES = 10 * 1024 * 1024


class TransientFetchError(Exception):
    """A fetch that may succeed later."""


class PermanentFetchError(Exception):
    """A fetch that will not succeed by retrying."""


@dataclass
class FeedHarvest:
    """Pages fetched from the feeds, rejections to quarantine, and what to retry next run."""

    pages: list[InputFile] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    skipped_known: int = 0


def load_feed_config(path: str | Path) -> list[str]:
    """Feed URLs from a YAML file with a `feeds:` list (loaded with safe_load)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(feeds, list) or not all(isinstance(f, str) for f in feeds):
        raise ValueError(f"{path}: expected a mapping with a `feeds:` list of URLs")
    bad = [f for f in feeds if not f.startswith(("http://", "https://"))]
    if bad:
        raise ValueError(f"{path}: not http(s) URLs: {bad}")
    return feeds


def fetch(url: str, timeout: float, limit: int = MAX_PAGE_BYTES) -> bytes:
    """GET ``url`` once; classify failures as transient or permanent."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise TransientFetchError(f"HTTP {exc.code}") from exc
        raise PermanentFetchError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise TransientFetchError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    if len(data) > limit:
        raise PermanentFetchError(f"larger than {limit} bytes")
    return data


def fetch_with_retries(url: str, timeout: float, retries: int, backoff: float) -> bytes:
    """``fetch`` with exponential back-off on transient failures."""
    delay = backoff
    for attempt in range(retries + 1):
        try:
            return fetch(url, timeout)
        except TransientFetchError:
            if attempt == retries:
                raise
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def harvest_feeds(
    feeds: list[str],
    known_urls: set[str],
    *,
    timeout: float = 10.0,
    retries: int = 2,
    backoff: float = 0.5,
) -> FeedHarvest:
    """Fetch each feed and each entry's page that is not stored yet."""
    import feedparser

    out = FeedHarvest()

    def get(url: str, reason: str) -> bytes | None:
        """The body, or None after recording a deferral (transient) or a rejection (permanent)."""
        try:
            return fetch_with_retries(url, timeout, retries, backoff)
        except TransientFetchError as exc:
            out.deferred.append(f"{url}: {exc}")
        except PermanentFetchError as exc:
            out.rejected.append(_reject(url, reason, f"{url}: {exc}"))
        return None

    for feed_url in feeds:
        body = get(feed_url, "feed_unavailable")
        if body is None:
            continue
        parsed = feedparser.parse(body)
        if not parsed.get("version") and not parsed.entries:
            why = parsed.get("bozo_exception", "no feed elements")
            out.rejected.append(
                _reject(feed_url, "not_a_feed", f"{feed_url}: not an RSS/Atom feed ({why})")
            )
            continue
        for entry in parsed.entries:
            link = entry.get("link")
            if not link or not link.startswith(("http://", "https://")):
                continue
            if link in known_urls:
                out.skipped_known += 1
                continue
            page = get(link, "page_unavailable")
            if page is None:
                continue
            known_urls.add(link)
            out.pages.append(InputFile(link, page, suffix=".html"))
    return out


def _reject(uri: str, reason: str, detail: str) -> Rejection:
    return Rejection(uri, sha256_hex(f"{reason}:{uri}".encode()), "ingest", reason, detail)
