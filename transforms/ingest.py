"""Decode input bytes (.txt, .html, .json, .jsonl) into raw articles or rejections."""

import codecs
import datetime as dt
import functools
import hashlib
import html as html_module
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from transforms.errors import IngestError

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl")
TEXT_FIELDS = ("text", "body")
META_FIELDS = ("title", "url", "published_at", "outlet", "author")
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"PK\x03\x04",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"\x7fELF",
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])
MIN_HTML_WORDS = 5  # fewer words than this is navigation, not an article


@dataclass(frozen=True)
class InputFile:
    """Bytes read from the inbox, with where they came from."""

    source_uri: str
    data: bytes
    suffix: str | None = None  # format when the URI does not say (a fetched page)
    url: str | None = None  # where a fetched page finally came from, after redirects


@dataclass(frozen=True)
class RawArticle:
    """One article's undecorated text and the metadata its container gave."""

    source_uri: str
    source_kind: str
    source_sha256: str
    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    raw: bytes = b""  # the unit's own bytes, kept content-addressed for backfills
    suffix: str = ".txt"  # how to decode ``raw`` again


@dataclass(frozen=True)
class Rejection:
    """An input (or part of one) that cannot become an article, and why."""

    source_uri: str
    source_sha256: str
    stage: str
    reason: str
    detail: str
    article_id: str | None = None


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
MAX_DETAIL_CHARS = 300


def printable_path(path: str) -> str:
    """A file name as stored in the tables: itself when it is printable UTF-8; else its bytes
    with backslashes doubled, undecodable bytes and control characters as ``\\xNN``, so that
    ``codecs.escape_decode`` gives the name's bytes back (Arrow refuses the surrogates Python
    uses for undecodable bytes, and a control character in a name breaks every log line)."""
    try:
        path.encode("utf-8")
        if not _UNPRINTABLE.search(path):
            return path
    except UnicodeEncodeError:
        pass
    raw = path.encode("utf-8", "surrogateescape").replace(b"\\", b"\\\\")
    text = raw.decode("utf-8", "backslashreplace")
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def describe_error(uri: str, exc: BaseException) -> str:
    """``uri: ExceptionType: message``, the message cut to a readable length."""
    message = str(exc)
    if len(message) > MAX_DETAIL_CHARS:
        message = message[:MAX_DETAIL_CHARS] + "…"
    return f"{uri}: {type(exc).__name__}: {message}"


def suffix_of(uri: str) -> str:
    """Lower-case file suffix of a path or URI ('' when none)."""
    name = uri.rsplit("/", 1)[-1].split("?", 1)[0]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def decode_bytes(data: bytes, uri: str, declared: str | None = None) -> str:
    """Decode text bytes: BOM, then UTF-8, then a declared charset; else IngestError."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError("undecodable", f"{uri}: invalid UTF-16 at byte {exc.start}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if declared:
            try:
                return data.decode(declared)
            except (LookupError, UnicodeDecodeError):
                pass
        raise IngestError(
            "undecodable",
            f"{uri}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
        ) from exc


def check_not_binary(data: bytes, uri: str) -> None:
    """Raise IngestError for empty or binary content."""
    if not data.strip():
        raise IngestError("empty_file", f"{uri}: file is empty or whitespace only")
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return  # UTF-16 text is full of NUL bytes by design
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        raise IngestError("binary_file", f"{uri}: binary content, not text")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > max(8, len(head) // 50):
        raise IngestError(
            "binary_file", f"{uri}: {controls} control bytes in the first {len(head)}"
        )


@functools.lru_cache(maxsize=2)
def _html_options(today: str) -> Any:
    """trafilatura's settings for our extraction, built once a day: built per page from its
    config file they were a visible share of a page's extraction, and they hold today's date
    as the latest date a page can have."""
    from trafilatura.settings import Extractor

    return Extractor(
        output_format="python", fast=True, comments=False, tables=False, with_metadata=True
    )


_TITLE_TAG = re.compile(r"<title[^>]*>([^<]{1,400})</title>", re.I)


def extract_html(html: str, uri: str) -> tuple[str, dict[str, Any]]:
    """Main text and metadata of an HTML page via trafilatura."""
    import trafilatura  # imported lazily: only HTML inputs pay for it

    try:
        doc = trafilatura.bare_extraction(html, options=_html_options(dt.date.today().isoformat()))
    except Exception as exc:  # trafilatura/lxml raise many types on hostile markup
        raise IngestError("html_unparseable", f"{uri}: {type(exc).__name__}: {exc}") from exc
    if doc is None:
        raise IngestError("no_main_text", f"{uri}: no article text found in the HTML")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = data.get("text") or ""
    if len(text.split()) < MIN_HTML_WORDS:
        raise IngestError("no_main_text", f"{uri}: no article text found in the HTML")
    meta = {
        "title": data.get("title"),
        "author": data.get("author"),
        "published_at": data.get("date"),
        "outlet": data.get("sitename"),
        "url": data.get("url"),
    }
    if not meta["outlet"]:  # "Headline | The Korea Herald": normalization may know the outlet
        tag = _TITLE_TAG.search(html, 0, 65_536)
        meta["page_title"] = html_module.unescape(tag.group(1)).strip() if tag else None
    return text, {k: v for k, v in meta.items() if v}


def _record_to_article(record: Any, uri: str, kind: str, digest: str, raw: bytes) -> RawArticle:
    if not isinstance(record, dict):
        raise IngestError(
            "malformed_record", f"{uri}: expected a JSON object, got {type(record).__name__}"
        )
    text = next(
        (record[f] for f in TEXT_FIELDS if isinstance(record.get(f), str) and record[f].strip()),
        None,
    )
    if text is None:
        raise IngestError("missing_text", f"{uri}: record has no non-empty 'text' or 'body' field")
    meta = {k: record[k] for k in META_FIELDS if record.get(k) not in (None, "")}
    for key in ("title", "url", "outlet", "author"):
        if key in meta and not isinstance(meta[key], str):
            raise IngestError("malformed_record", f"{uri}: field {key!r} must be a string")
    for key, value in (("text", text), *meta.items()):
        if isinstance(value, str) and not _encodable(value):  # a "\ud800" escape in the JSON
            raise IngestError("undecodable", f"{uri}: field {key!r} holds a lone surrogate")
    source = meta.get("url") if isinstance(meta.get("url"), str) else None
    if source and "<" in text[:200] and re.search(r"<(?:p|div|html|body)\b", text[:2000], re.I):
        text, html_meta = extract_html(text, uri)
        meta = {**html_meta, **meta}
    return RawArticle(uri, kind, digest, text, meta, raw, "." + kind)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_input(item: InputFile) -> Iterator[RawArticle | Rejection]:
    """Turn one input file into raw articles; every failure becomes a Rejection, whatever
    raised it (JSON nested past the recursion limit, a number past the digit limit, …)."""
    uri = item.source_uri
    digest = sha256_hex(item.data)
    suffix = item.suffix or suffix_of(uri)
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            raise IngestError(
                "unsupported_extension",
                f"{uri}: extension {suffix or '(none)'!r} is not one of {', '.join(SUPPORTED_SUFFIXES)}",
            )
        check_not_binary(item.data, uri)
        if suffix == ".jsonl":
            yield from _decode_jsonl(item, digest)
            return
        if suffix in (".html", ".htm"):
            m = _CHARSET.search(item.data[:4096])
            html = decode_bytes(item.data, uri, m.group(1).decode("ascii") if m else None)
            text, meta = extract_html(html, uri)
            if item.url:
                meta["url"] = item.url
            elif uri.startswith(("http://", "https://")):
                meta.setdefault("url", uri)
            yield RawArticle(uri, "html", digest, text, meta, item.data, suffix)
            return
        text = decode_bytes(item.data, uri)
        if suffix == ".json":
            yield from _decode_json(text, uri, digest, item.data)
            return
        yield RawArticle(
            uri, "txt", digest, text, {"url": item.url} if item.url else {}, item.data, ".txt"
        )
    except IngestError as exc:
        yield Rejection(uri, digest, exc.stage, exc.reason, exc.detail)
    except Exception as exc:  # one hostile input never stops the batch
        yield Rejection(uri, digest, "ingest", "decode_error", describe_error(uri, exc))


def _decode_json(text: str, uri: str, digest: str, data: bytes) -> Iterator[RawArticle | Rejection]:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(
            "malformed_json", f"{uri}: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except (ValueError, RecursionError) as exc:  # too deep, or a number past the digit limit
        raise IngestError("malformed_json", describe_error(uri, exc)) from exc
    if isinstance(payload, dict) and isinstance(payload.get("articles"), list):
        payload = payload["articles"]
    if isinstance(payload, dict):
        yield _record_to_article(payload, uri, "json", digest, data)
        return
    if not isinstance(payload, list) or not payload:
        raise IngestError(
            "malformed_json", f"{uri}: expected an object or a non-empty array of objects"
        )
    for index, record in enumerate(payload):
        sub_uri = f"{uri}#{index}"
        canonical = json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
        sub_digest = sha256_hex(canonical)
        try:
            yield _record_to_article(record, sub_uri, "json", sub_digest, canonical)
        except IngestError as exc:
            yield Rejection(sub_uri, sub_digest, exc.stage, exc.reason, exc.detail)
        except Exception as exc:
            yield Rejection(
                sub_uri, sub_digest, "ingest", "decode_error", describe_error(sub_uri, exc)
            )


def _decode_jsonl(item: InputFile, digest: str) -> Iterator[RawArticle | Rejection]:
    lines = item.data.split(b"\n")
    if not any(line.strip() for line in lines):
        raise IngestError("empty_file", f"{item.source_uri}: no records")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        sub_uri = f"{item.source_uri}#L{number}"
        sub_digest = sha256_hex(raw.strip())
        try:
            text = decode_bytes(raw, sub_uri)
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise IngestError(
                    "malformed_json", f"{sub_uri}: column {exc.colno}: {exc.msg}"
                ) from exc
            except (ValueError, RecursionError) as exc:
                raise IngestError("malformed_json", describe_error(sub_uri, exc)) from exc
            yield _record_to_article(record, sub_uri, "jsonl", sub_digest, raw.strip())
        except IngestError as exc:
            yield Rejection(sub_uri, sub_digest, exc.stage, exc.reason, exc.detail)
        except Exception as exc:
            yield Rejection(
                sub_uri, sub_digest, "ingest", "decode_error", describe_error(sub_uri, exc)
            )
