"""RSS/Atom feeds as an inbox: fetch the feeds listed in a config file, then their pages.

Transient failures (timeouts, connection resets, 5xx) are retried with back-off and, if
they persist, left for the next run; permanent ones (4xx, not a feed, an address refused,
a content type that is not an article) are quarantined.

Every connection, redirects included, goes only to a globally routable address, checked on
the address the socket connects to after DNS resolution (so a name that resolves to
127.0.0.1, or a public page redirecting to 169.254.169.254, is refused), unless the address
is in the ``allow`` list of networks given for a feed run on purpose on a local network.
Each fetch has a total deadline (not only a timeout per socket read: a server sending a byte
a second never trips that), and the feed stage has one too.
"""

import contextlib
import functools
import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from transforms.ingest import InputFile, Rejection, sha256_hex

USER_AGENT = "alliance-issues/0.1 (+https://example.invalid/alliance-issues)"
MAX_PAGE_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
# Content types of pages we can read, as the suffix that decodes them.
CONTENT_SUFFIX = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TransientFetchError(Exception):
    """A fetch that may succeed later."""


class PermanentFetchError(Exception):
    """A fetch that will not succeed by retrying."""

    reason = "unavailable"


class DeadlineExceeded(TransientFetchError):
    """The fetch was not done by its deadline: tried again next run, not now."""


class AddressRefused(PermanentFetchError):
    """The URL's host is (or resolves to) an address feeds may not reach."""

    reason = "address_refused"


class UnsupportedContent(PermanentFetchError):
    """The page is not HTML, text or JSON."""

    reason = "unsupported_content_type"


@dataclass
class FeedHarvest:
    """Pages fetched from the feeds, rejections to quarantine, and what to retry next run."""

    pages: list[InputFile] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    skipped_known: int = 0


@dataclass(frozen=True)
class Page:
    """A fetched body, the URL it finally came from (after redirects), and its content type
    ('' when the server sent none)."""

    data: bytes
    url: str
    content_type: str


def page_suffix(page: Page) -> str:
    """The suffix that decodes ``page`` (HTML when the server named no type)."""
    if not page.content_type:
        return ".html"
    suffix = CONTENT_SUFFIX.get(page.content_type)
    if suffix is None:
        raise UnsupportedContent(f"content type {page.content_type!r} is not HTML, text or JSON")
    return suffix


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


def parse_allow(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """Networks feeds may reach although not public ("127.0.0.1", "10.0.0.0/8"), from a
    comma-separated string or a list; ValueError names a bad entry."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    out = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"feed allow-list: {item!r} is not an address or network") from exc
    return tuple(out)


def refusal(address: str, allow: tuple[Network, ...] = ()) -> str | None:
    """Why feeds may not connect to ``address`` (None when they may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = mapped
    if any(ip.version == net.version and ip in net for net in allow):
        return None
    for kind in ("loopback", "link_local", "multicast", "private", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "non-public"
    return None


class _Fetch:
    """One GET and its redirects: each connection checked, all shut at the deadline."""

    def __init__(self, deadline: float, allow: tuple[Network, ...]) -> None:
        self.deadline = deadline
        self.allow = allow
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def connect(self, host: str, port: int, timeout: float | None) -> socket.socket:
        """A socket connected to an allowed address of ``host``."""
        refused = None
        last: OSError | None = None
        for family, kind, proto, _, sockaddr in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        ):
            why = refusal(str(sockaddr[0]), self.allow)
            if why:
                refused = f"{host} is {sockaddr[0]}, a {why} address"
                continue
            sock = socket.socket(family, kind, proto)
            sock.settimeout(min(timeout or 30.0, max(0.01, self.deadline - time.monotonic())))
            with self._lock:
                if self.expired:
                    sock.close()
                    raise TimeoutError("deadline passed")
                self._sockets.append(sock)
            try:
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                last = exc
                sock.close()
        if last is not None:
            raise last
        raise AddressRefused(refused or f"{host}: no address")

    def expire(self) -> None:
        """The deadline: shut every socket, so a blocked read returns at once."""
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, fetch: _Fetch, **kwargs) -> None:
        super().__init__(host, **kwargs)
        self._fetch = fetch

    def connect(self) -> None:
        self.sock = self._fetch.connect(self.host, self.port, self.timeout)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, fetch: _Fetch, **kwargs) -> None:
        super().__init__(host, **kwargs)
        self._fetch = fetch

    def connect(self) -> None:
        sock = self._fetch.connect(self.host, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _GuardedHandler(urllib.request.AbstractHTTPHandler):
    """HTTP and HTTPS, every connection made through the fetch's guard."""

    def __init__(self, fetch: _Fetch) -> None:
        super().__init__()
        self._fetch = fetch

    def http_open(self, req):
        return self.do_open(functools.partial(_GuardedHTTPConnection, fetch=self._fetch), req)

    def https_open(self, req):
        return self.do_open(functools.partial(_GuardedHTTPSConnection, fetch=self._fetch), req)

    http_request = https_request = urllib.request.AbstractHTTPHandler.do_request_


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.lower().startswith(("http://", "https://")):
            raise PermanentFetchError(f"redirected to {newurl}, not http(s)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(fetch: _Fetch) -> urllib.request.OpenerDirector:
    """HTTP(S) only, no proxies from the environment, every hop through ``fetch``."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _GuardedHandler(fetch),
        _RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def fetch(
    url: str,
    timeout: float,
    limit: int = MAX_PAGE_BYTES,
    *,
    deadline: float = 60.0,
    allow: tuple[Network, ...] = (),
) -> Page:
    """GET ``url`` once, within ``deadline`` seconds in all; classify failures as transient
    or permanent."""
    guard = _Fetch(time.monotonic() + deadline, allow)
    timer = threading.Timer(deadline, guard.expire)
    timer.daemon = True
    timer.start()
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with _opener(guard).open(request, timeout=timeout) as response:
            data = response.read(limit + 1)
            final_url = response.geturl()
            declared = response.headers.get("Content-Type")
            content_type = response.headers.get_content_type() if declared else ""
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise TransientFetchError(f"HTTP {exc.code}") from exc
        raise PermanentFetchError(f"HTTP {exc.code}") from exc
    except PermanentFetchError:
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        if guard.expired:
            raise DeadlineExceeded(f"not done after the {deadline:g} s deadline") from exc
        if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, PermanentFetchError):
            raise exc.reason from exc
        raise TransientFetchError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    finally:
        timer.cancel()
    if guard.expired:
        raise DeadlineExceeded(f"not done after the {deadline:g} s deadline")
    if len(data) > limit:
        raise PermanentFetchError(f"larger than {limit} bytes")
    return Page(data, final_url, content_type)


def fetch_with_retries(
    url: str,
    timeout: float,
    retries: int,
    backoff: float,
    *,
    deadline: float = 60.0,
    allow: tuple[Network, ...] = (),
) -> Page:
    """``fetch`` with exponential back-off on transient failures (a missed deadline is not
    retried in the same run)."""
    delay = backoff
    for attempt in range(retries + 1):
        try:
            return fetch(url, timeout, deadline=deadline, allow=allow)
        except TransientFetchError as exc:
            if attempt == retries or isinstance(exc, DeadlineExceeded):
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
    fetch_deadline: float = 60.0,
    stage_deadline: float = 300.0,
    allow: tuple[Network, ...] = (),
) -> FeedHarvest:
    """Fetch each feed and each entry's page that is not stored yet, all within
    ``stage_deadline`` seconds: what is left when it passes is deferred to the next run."""
    import feedparser

    out = FeedHarvest()
    stage_end = time.monotonic() + stage_deadline

    def get(url: str, reason: str, page: bool = True) -> Page | None:
        """The page, or None after recording a deferral (transient) or a rejection (permanent)."""
        left = stage_end - time.monotonic()
        if left <= 0:
            out.deferred.append(f"{url}: the feed stage's {stage_deadline:g} s deadline passed")
            return None
        try:
            got = fetch_with_retries(
                url, timeout, retries, backoff, deadline=min(fetch_deadline, left), allow=allow
            )
            if page:
                page_suffix(got)
            return got
        except TransientFetchError as exc:
            out.deferred.append(f"{url}: {exc}")
        except PermanentFetchError as exc:
            why = exc.reason if exc.reason != PermanentFetchError.reason else reason
            out.rejected.append(_reject(url, why, f"{url}: {exc}"))
        return None

    for feed_url in feeds:
        feed = get(feed_url, "feed_unavailable", page=False)
        if feed is None:
            continue
        parsed = feedparser.parse(feed.data)
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
            out.pages.append(InputFile(link, page.data, suffix=page_suffix(page), url=page.url))
    return out


def _reject(uri: str, reason: str, detail: str) -> Rejection:
    return Rejection(uri, sha256_hex(f"{reason}:{uri}".encode()), "ingest", reason, detail)
