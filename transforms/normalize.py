"""Text normalization: Unicode repair, typography, boilerplate removal, metadata recovery."""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import ftfy

from transforms.reference import BoilerplateRule, Outlet

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u3000": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2004": " ",
        "\u2005": " ",
        "\u2006": " ",
        "\u2008": " ",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
        "\t": " ",
        "\r": None,
        "\f": "\n",
        "\v": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\u0085": "\n",
        "\u2026": "...",
    }
    # Other control characters are deleted (tab, CR, form feed and vertical tab are mapped
    # above), in the same pass.
    | {c: None for c in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F)}
)
_BULLETS = "\u2022\u25e6\u25aa\u25ab\u2023\u2043\u25cf\u25cb\u25a0\u25a1\u2219\u00b7*"
BULLET = re.compile(rf"^[ ]*(?:[{_BULLETS}]|-(?=\s))\s*")
# A line BULLET can match starts with one of these (most lines do not: skip the regex).
_BULLET_FIRST = frozenset(_BULLETS + " -")
SPACES = re.compile(r"[ ]{2,}")
# Three or more newlines. Written with a literal start, which re searches for by a fast scan
# (``\n{3,}`` is tried at every position).
BLANK_RUNS = re.compile(r"\n\n\n+")
# What the translation table deletes: every control character but \t \n \v \f \r.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def collapse_blank_runs(text: str) -> str:
    """Three or more newlines in a row become two (only looked for when there is such a run)."""
    return BLANK_RUNS.sub("\n\n", text) if "\n\n\n" in text else text


MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MON = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
DATE_MDY = re.compile(
    _MON + r"\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d{2})\b", re.I
)
DATE_DMY = re.compile(r"\b(?P<day>\d{1,2})\s+" + _MON + r"\.?,?\s+(?P<year>(?:19|20)\d{2})\b", re.I)
DATE_ISO = re.compile(r"\b(?P<year>(?:19|20)\d{2})[-./](?P<month>\d{1,2})[-./](?P<day>\d{1,2})\b")
BYLINE = re.compile(
    r"^By\s+(?P<name>[A-Z][\w.'-]+(?:\s+(?:[A-Z][\w.'-]+|de|van|von|bin)){0,3})(?=$|,|\s+and\s|\s*\||\s+-)"
)
_SENTENCE_END = re.compile(r"[.:;,]$")


@dataclass(frozen=True)
class RemovedLine:
    """A line (or line prefix) removed as boilerplate, with the rule that removed it."""

    line_number: int
    rule_id: str
    text: str


@dataclass(frozen=True)
class NormalizedText:
    """Clean article text plus what was removed and the metadata recovered from it."""

    text: str
    removed: tuple[RemovedLine, ...]
    title: str | None
    author: str | None
    published_at: dt.date | None
    published_at_source: str | None
    outlet: str | None
    metadata_sources: Mapping[str, str] = field(default_factory=dict)


def clean_text(raw: str) -> str:
    """Repair Unicode and normalize quotes, dashes, bullets and whitespace (idempotent)."""
    text = _clean_once(raw)
    if _skips_ftfy(raw):
        return text  # without ftfy one pass is a fixpoint (tests/test_normalize.py)
    # ftfy can need a second look once whitespace is settled; stop at the fixpoint.
    for _ in range(3):
        again = _clean_once(text)
        if again == text:
            break
        text = again
    return text


def _skips_ftfy(raw: str) -> bool:
    """Plain ASCII without entities has nothing for ftfy to repair."""
    return raw.isascii() and "&" not in raw


def _clean_once(raw: str) -> str:
    text = raw if _skips_ftfy(raw) else ftfy.fix_text(raw, normalization="NFC")
    text = text.translate(_TRANSLATE)  # also deletes CONTROL characters
    lines = []
    for line in text.split("\n"):
        if line[:1] in _BULLET_FIRST:
            line = BULLET.sub("- ", line)
        if "  " in line:
            line = SPACES.sub(" ", line)
        lines.append(line.strip())
    return collapse_blank_runs("\n".join(lines)).strip("\n")


_NON_WORD_RUNS = re.compile(r"\W+")


def _norm_key(line: str) -> str:
    return _NON_WORD_RUNS.sub(" ", line.lower()).strip()


def strip_boilerplate(
    text: str, rules: Sequence[BoilerplateRule]
) -> tuple[str, tuple[RemovedLine, ...]]:
    """Remove boilerplate lines; each removal is attributed to a rule id."""
    removed: list[RemovedLine] = []
    kept: list[str] = []
    seen_short: set[str] = set()
    last_removed_rule: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            kept.append(line)
            continue
        words = len(line.split())
        hit: BoilerplateRule | None = None
        key: str | None = None  # _norm_key(line), once needed
        for rule in rules:
            if words > rule.max_words and rule.kind != "prefix":
                continue  # a prefix rule is anchored: long paragraphs keep their dateline
            if rule.kind == "repeat":
                if key is None:
                    key = _norm_key(line)
                if key in seen_short:
                    hit = rule
                    break
                continue
            pattern = rule.pattern
            if pattern is None:
                continue
            if rule.kind == "line" or (rule.kind == "after" and last_removed_rule == rule.after):
                if pattern.fullmatch(line):
                    hit = rule
                    break
            elif rule.kind == "prefix":
                m = pattern.match(line)
                if m and m.end() < len(line):
                    removed.append(RemovedLine(number, rule.rule_id, line[: m.end()].rstrip()))
                    line = line[m.end() :]
                    key = None
        if hit:
            removed.append(RemovedLine(number, hit.rule_id, line))
            last_removed_rule = hit.rule_id
            continue
        last_removed_rule = None
        if words <= 30:
            seen_short.add(key if key is not None else _norm_key(line))
        kept.append(line)
    body = collapse_blank_runs("\n".join(kept)).strip("\n")
    return body, tuple(removed)


def parse_date(text: str) -> dt.date | None:
    """First plausible calendar date in ``text`` (1945 to next year), else None."""
    candidates: list[tuple[int, dt.date]] = []
    for pattern in (DATE_MDY, DATE_DMY, DATE_ISO):
        for m in pattern.finditer(text):
            gd = m.groupdict()
            month = MONTHS.get(gd["mon"].lower().rstrip(".")) if gd.get("mon") else int(gd["month"])
            try:
                day = dt.date(int(gd["year"]), month or 0, int(gd["day"]))
            except ValueError:
                continue
            if 1945 <= day.year <= dt.date.today().year + 1:
                candidates.append((m.start(), day))
    return min(candidates)[1] if candidates else None


def coerce_date(value: object) -> dt.date | None:
    """A date from metadata: date, datetime, or a string in a common format."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        day = parsed.date()
        return day if 1945 <= day.year <= dt.date.today().year + 1 else None
    except ValueError:
        return parse_date(text)


def _is_headline(line: str) -> bool:
    words = line.split()
    return (
        1 <= len(words) <= 25
        and not _SENTENCE_END.search(line)
        and not line.startswith(("By ", "- "))
        and (line[:1].isupper() or line[:1].isdigit() or line[:1] == '"')
    )


def outlet_from_url(url: str | None, outlets: Sequence[Outlet]) -> str | None:
    """Outlet whose domain is the URL host or a parent of it."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    for outlet in outlets:
        for domain in outlet.domains:
            if host == domain or host.endswith("." + domain):
                return outlet.name
    return None


# What sets an outlet's name off a headline in a page title: "Headline | The Korea Herald".
TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·)\s+")
# A copyright mark and year before an outlet's name: "(c) The Korea Herald. Unauthorized ...".
COPYRIGHT_MARK = re.compile(r"(?:©|ⓒ|\([cC]\)|[Cc]opyright\b)\s*(?:\d{4}(?:-\d{4})?[\s,.]*)?")


def outlet_from_lines(lines: Sequence[str], outlets: Sequence[Outlet]) -> str | None:
    """Outlet whose signature matches a whole line, a wire dateline, or the name after a
    copyright mark in ``lines``."""
    marks = [(line, m.end()) for line in lines if (m := COPYRIGHT_MARK.search(line))]
    for outlet in outlets:
        for sig in outlet.signatures:
            for line in lines:
                if sig.fullmatch(line) or (sig.pattern.startswith(r"\(") and sig.search(line[:80])):
                    return outlet.name
            for line, end in marks:
                if sig.match(line, end):
                    return outlet.name
    return None


def normalize_text(
    raw: str,
    rules: Sequence[BoilerplateRule],
    outlets: Sequence[Outlet],
    meta: Mapping[str, object] | None = None,
) -> NormalizedText:
    """Clean the text, strip boilerplate and recover title, date, author and outlet."""
    meta = meta or {}
    cleaned = clean_text(raw)
    body, removed = strip_boilerplate(cleaned, rules)
    lines = [ln for ln in body.split("\n") if ln]
    sources: dict[str, str] = {}

    title = _clean_meta(meta.get("title"))
    if title:
        sources["title"] = "metadata"
    elif lines and len(lines) > 1 and _is_headline(lines[0]):
        title = lines[0]
        sources["title"] = "text"

    published = coerce_date(meta.get("published_at"))
    if published:
        sources["published_at"] = "metadata"
    else:
        date_lines = [r.text for r in removed if r.rule_id in {"posted_updated", "dateline_date"}]
        date_lines += lines[:3]
        for candidate in date_lines:
            published = parse_date(candidate)
            if published:
                sources["published_at"] = "text"
                break

    author = _clean_meta(meta.get("author"))
    if author:
        sources["author"] = "metadata"
    else:
        for line in lines[:6]:
            m = BYLINE.match(line)
            if m:
                author = m.group("name")
                sources["author"] = "byline"
                break

    outlet = _clean_meta(meta.get("outlet"))
    if outlet:
        sources["outlet"] = "metadata"
    else:
        outlet = outlet_from_url(_clean_meta(meta.get("url")), outlets)
        if outlet:
            sources["outlet"] = "url"
        else:
            page_title = _clean_meta(meta.get("page_title"))  # an HTML page's <title>
            title_parts = TITLE_SEPARATOR.split(page_title)[1:] if page_title else []
            outlet = outlet_from_lines(
                [r.text for r in removed] + lines[:3] + title_parts[-1:], outlets
            )
            if outlet:
                sources["outlet"] = "signature"

    return NormalizedText(
        text=body,
        removed=removed,
        title=title,
        author=author,
        published_at=published,
        published_at_source=sources.get("published_at"),
        outlet=outlet,
        metadata_sources=sources,
    )


def _clean_meta(value: object) -> str | None:
    if value is None:
        return None
    text = clean_text(str(value)).replace("\n", " ").strip()
    return text or None
