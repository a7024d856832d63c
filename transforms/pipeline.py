"""Compose the stages for a batch of inputs: decode, normalize, extract, into Arrow tables."""

import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Container, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from typing import NamedTuple

import pyarrow as pa

from transforms import engine
from transforms.actors import ActorMatcher, ActorMention
from transforms.errors import NormalizeError
from transforms.ingest import (
    InputFile,
    RawArticle,
    Rejection,
    decode_input,
    describe_error,
    sha256_hex,
)
from transforms.issues import (
    ArticleIssue,
    IssueMention,
    RuleHit,
    decide_article_issues,
    find_issue_mentions,
)
from transforms.language import detect_language
from transforms.normalize import NormalizedText, normalize_text
from transforms.reference import Reference
from transforms.schema import TABLES, to_arrow
from transforms.sentences import split_sentences
from transforms.statements import Statement, find_statements

# Characters of decoded text an article may have. Extraction time grows faster than the
# text (some steps compare each hit with the others), and no news article comes near this:
# longer texts are quarantined rather than holding a worker for minutes.
MAX_ARTICLE_CHARS = 500_000


@dataclass(frozen=True)
class Extractors:
    """Reference data plus its compiled matchers; build once per run."""

    reference: Reference
    actors: ActorMatcher
    matcher: engine.Matcher  # the issue rules' and the actor patterns, one scan per text

    @classmethod
    def build(cls, reference: Reference) -> "Extractors":
        """Compile the matchers for ``reference`` on the selected engine."""
        actors = ActorMatcher(reference.gazetteer)
        patterns = reference.taxonomy.patterns + actors.patterns
        return cls(reference, actors, engine.compile_matcher(patterns))

    @property
    def taxonomy_version(self) -> str:
        """Version stamped on issue rows."""
        return self.reference.taxonomy.version

    @property
    def gazetteer_version(self) -> str:
        """Version stamped on actor rows."""
        return self.reference.gazetteer.version


@dataclass
class BatchResult:
    """Rows produced from one batch, per output table, plus counts."""

    tables: dict[str, pa.Table]
    inputs_skipped: int = 0
    files: int = 0
    article_ids: list[str] = field(default_factory=list)
    raw_units: list[tuple[str, str, bytes]] = field(default_factory=list)  # (sha256, suffix, bytes)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds


def quarantine_id(source_uri: str, stage: str, reason: str, detail: str) -> str:
    """Stable id of a quarantine row."""
    digest = hashlib.sha256("\x1f".join((source_uri, stage, reason, detail)).encode()).hexdigest()
    return "q_" + digest[:24]


def quarantine_row(rej: Rejection, run_id: str, when: dt.datetime) -> dict:
    """A quarantine table row for a rejection."""
    return {
        "quarantine_id": quarantine_id(rej.source_uri, rej.stage, rej.reason, rej.detail),
        "source_uri": rej.source_uri,
        "source_sha256": rej.source_sha256,
        "article_id": rej.article_id,
        "stage": rej.stage,
        "reason": rej.reason,
        "detail": rej.detail,
        "quarantined_at": when,
        "run_id": run_id,
    }


# Per dependent table, the columns its row tuples carry (between article_id and the run's
# constants), in schema order.
TUPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "sentences": ("sentence_index", "start", "end"),
    "boilerplate_lines": ("line_number", "rule_id", "text"),
    "issue_mentions": IssueMention._fields,
    "article_issues": (*ArticleIssue._fields, "published_at"),
    "actor_mentions": ActorMention._fields,
    "actor_issue_links": (
        "sentence_index",
        "actor_id",
        "actor_name",
        "actor_type",
        "issue_code",
        "link_kind",
    ),
    "statements": Statement._fields,
}


@dataclass
class ArticleRows:
    """One article's rows: the articles row, and per dependent table the tuples of the columns
    between ``article_id`` and the run's constant columns (``TUPLE_FIELDS`` names them)."""

    article: dict
    tuples: dict[str, list[tuple]]


class TupleRows:
    """A batch's rows of the dependent tables (hundreds per article), kept as tuples and turned
    into Arrow by column: smaller and quicker than a dict per row."""

    def __init__(self) -> None:
        self.ids: dict[str, list[str]] = {name: [] for name in TUPLE_FIELDS}
        self.rows: dict[str, list[tuple]] = {name: [] for name in TUPLE_FIELDS}

    def add(self, article_id: str, tuples: dict[str, list[tuple]]) -> None:
        """Add one article's tuples."""
        for name, rows in tuples.items():
            self.ids[name] += [article_id] * len(rows)
            self.rows[name] += rows

    def table(self, name: str, constants: dict[str, str]) -> pa.Table:
        """Table ``name``: article ids, the tuples' columns, and ``constants`` repeated.

        The tuples are converted as one struct array and split into its fields: Arrow reads
        them row by row in C, quicker than transposing them into columns in Python first
        (``zip(*rows)``) and converting each.
        """
        schema = TABLES[name].schema
        rows = self.rows[name]
        if not rows:
            return schema.empty_table()
        fields = TUPLE_FIELDS[name]
        struct = pa.array(rows, type=pa.struct([schema.field(f) for f in fields]))
        columns: dict[str, pa.Array] = dict(zip(fields, struct.flatten(), strict=True))
        columns["article_id"] = pa.array(self.ids[name], type=schema.field("article_id").type)
        arrays = []
        for f in schema:
            if f.name in columns:
                arrays.append(columns[f.name])
            else:  # a run constant (run id, versions)
                arrays.append(pa.repeat(pa.scalar(constants[f.name], f.type), len(rows)))
        return pa.Table.from_arrays(arrays, schema=schema)


class Prepared(NamedTuple):
    """A raw article normalized and split, ready for extraction."""

    normalized: NormalizedText
    language: str
    sentences: list[tuple[int, int]]


def prepare_article(
    raw: RawArticle, ex: Extractors, max_chars: int = MAX_ARTICLE_CHARS
) -> Prepared:
    """Normalize one raw article, check that it may be extracted, and split its sentences;
    NormalizeError (the quarantine reason) when it may not: too long, nothing left after the
    boilerplate, not English."""
    if len(raw.text) > max_chars:
        raise NormalizeError(
            "text_too_long",
            f"{raw.source_uri}: {len(raw.text):,} characters, over the {max_chars:,}-character "
            "limit of an article (ALLIANCE_MAX_ARTICLE_CHARS)",
        )
    ref = ex.reference
    norm = normalize_text(raw.text, ref.boilerplate, ref.outlets, raw.meta)
    text = norm.text
    if not text.strip():
        raise NormalizeError(
            "empty_after_normalization",
            f"{raw.source_uri}: no text left after removing boilerplate",
        )
    language = detect_language(text)
    if language != "en":
        raise NormalizeError(
            "not_english",
            f"{raw.source_uri}: detected language {language!r}, only English is processed",
        )
    return Prepared(norm, language, split_sentences(text, ref.abbreviations))


def process_article(
    raw: RawArticle,
    ex: Extractors,
    *,
    run_id: str,
    ingested_at: dt.datetime,
    timings: dict[str, float] | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> ArticleRows:
    """Normalize and extract one raw article into its rows; raises NormalizeError.

    ``timings`` (stage -> seconds) is increased by the time spent normalizing and extracting.
    """
    clock = timings if timings is not None else {}
    t0 = time.perf_counter()
    norm, language, sentences = prepare_article(raw, ex, max_chars)
    text = norm.text
    content_sha = sha256_hex(text.encode("utf-8"))
    article_id = content_sha[:16]
    t1 = time.perf_counter()
    clock["normalize"] = clock.get("normalize", 0.0) + t1 - t0
    year = norm.published_at.year if norm.published_at else None
    actors, relevant, issues, mentions, statements = extract_article(text, sentences, year, ex)
    assigned = {i.issue_code for i in issues}
    mentions = [m for m in mentions if m.issue_code in assigned]
    clock["extract"] = clock.get("extract", 0.0) + time.perf_counter() - t1
    article = {
        "article_id": article_id,
        "run_id": run_id,
        "source_uri": raw.source_uri,
        "source_kind": raw.source_kind,
        "source_sha256": raw.source_sha256,
        "url": raw.meta.get("url") if isinstance(raw.meta.get("url"), str) else None,
        "outlet": norm.outlet,
        "title": norm.title,
        "author": norm.author,
        "published_at": norm.published_at,
        "published_at_source": norm.published_at_source,
        "language": language,
        "text": text,
        "word_count": len(text.split()),
        "sentence_count": len(sentences),
        "boilerplate_lines_removed": len(norm.removed),
        "content_sha256": content_sha,
        "is_relevant": relevant,
        "issue_codes": ";".join(sorted(assigned)),
        "ingested_at": ingested_at,
        "taxonomy_version": ex.taxonomy_version,
        "gazetteer_version": ex.gazetteer_version,
    }
    published = norm.published_at
    tuples: dict[str, list[tuple]] = {
        "sentences": [(i, s, e) for i, (s, e) in enumerate(sentences)],
        "boilerplate_lines": [(r.line_number, r.rule_id, r.text) for r in norm.removed],
        "issue_mentions": mentions,  # type: ignore[dict-item]  # NamedTuples are tuples
        "article_issues": [(*i, published) for i in issues],
        "actor_mentions": actors,  # type: ignore[dict-item]
        "actor_issue_links": link_actors_to_issues(actors, mentions),
        "statements": statements,  # type: ignore[dict-item]
    }
    return ArticleRows(article, tuples)


class Extraction(NamedTuple):
    """What extraction found in one normalized text."""

    actors: list[ActorMention]
    relevant: bool  # about Korea: only such an article gets issue codes
    issues: list[ArticleIssue]
    mentions: list[IssueMention]  # every counted rule hit, of assigned codes or not
    statements: list[Statement]  # reported statements and the codes their words address


def extract_article(
    text: str,
    sentences: Sequence[tuple[int, int]],
    year: int | None,
    ex: Extractors,
    trace: list[RuleHit] | None = None,
) -> Extraction:
    """Actors, then issue rule hits and the codes they add up to (``trace``: see
    ``find_issue_mentions``)."""
    tax = ex.reference.taxonomy
    scan = ex.matcher.scan(text)  # shared by actor and issue matching
    actors = ex.actors.extract(text, sentences, year, scan)
    countries: dict[int, set[str]] = {}
    for a in actors:
        if a.country_code:
            countries.setdefault(a.sentence_index, set()).add(a.country_code)
    # About Korea: a Korean place or word, or an actor of a Korea ("Park Geun-hye", "the ROK").
    relevant = bool(tax.relevance.search(text)) or any(
        a.country_code in tax.relevant_countries for a in actors
    )
    # An article not about Korea gets no issue codes, so its rules are not run.
    mentions = find_issue_mentions(text, sentences, tax, countries, scan, trace) if relevant else []
    issues = decide_article_issues(mentions, len(sentences), tax, relevant)
    # The words of a statement address the codes the article is given.
    assigned = {i.issue_code for i in issues}
    statements = find_statements(
        text,
        sentences,
        actors,
        [m for m in mentions if m.issue_code in assigned],
        ex.actors.attribution,
        scan.matches,
    )
    return Extraction(actors, relevant, issues, mentions, statements)


def link_actors_to_issues(
    actors: Iterable[ActorMention], mentions: Iterable[IssueMention]
) -> list[tuple[int, str, str, str, str, str]]:
    """One (sentence, actor id, actor name, actor type, issue code, link kind) per actor and
    issue code that occur in the same sentence. The kind is ``speaker`` when the actor's
    mention there introduces reported words (``mention_role``), else ``co_mention``. A
    byline or a photo credit is provenance, never an issue's actor: it links to nothing."""
    codes_by_sentence: dict[int, set[str]] = {}
    for m in mentions:
        codes_by_sentence.setdefault(m.sentence_index, set()).add(m.issue_code)
    sorted_codes = {i: sorted(codes) for i, codes in codes_by_sentence.items()}
    # An actor named twice in a sentence links to the same codes once, as a speaker when
    # any of its mentions there speaks.
    kinds: dict[tuple[int, str], tuple[ActorMention, str]] = {}
    for a in actors:
        if a.mention_role in ("author", "photo_credit") or a.sentence_index not in sorted_codes:
            continue
        key = (a.sentence_index, a.actor_id)
        kind = "speaker" if a.mention_role == "speaker" else "co_mention"
        if key not in kinds:
            kinds[key] = (a, kind)
        elif kind == "speaker":
            kinds[key] = (kinds[key][0], kind)
    rows = []
    for (sentence, _), (a, kind) in kinds.items():
        for code in sorted_codes[sentence]:
            rows.append((sentence, a.actor_id, a.actor_name, a.actor_type, code, kind))
    return rows


def process_batch(
    inputs: Iterable[InputFile],
    ex: Extractors,
    *,
    run_id: str,
    ingested_at: dt.datetime,
    seen_sources: Set[str] = frozenset(),
    seen_content: Set[str] = frozenset(),
    known_uris: Container[str] | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> BatchResult:
    """Decode, normalize and extract a batch; every input ends in a table row, quarantine, or
    skipped, whatever one of them holds: if the batch raises past the guards around each
    input (building its tables, say), each input is run alone and the one that raises is
    quarantined with the error. ``known_uris``, ``max_chars``: as for ``process_units``."""
    items = list(inputs)
    limits = _Limits(seen_sources, seen_content, known_uris, max_chars)
    try:
        return _process_inputs(items, ex, run_id, ingested_at, limits)
    except Exception:
        return _process_one_by_one(items, ex, run_id, ingested_at, limits)


@dataclass(frozen=True)
class _Limits:
    """What a batch skips and how much text an article may have (``process_units``' terms)."""

    seen_sources: Set[str]
    seen_content: Set[str]
    known_uris: Container[str] | None
    max_chars: int


def _process_inputs(
    inputs: list[InputFile],
    ex: Extractors,
    run_id: str,
    ingested_at: dt.datetime,
    limits: _Limits,
) -> BatchResult:
    files = 0
    decode_seconds = 0.0

    def units() -> Iterator[RawArticle | Rejection]:
        nonlocal files, decode_seconds
        for item in inputs:
            files += 1
            t = time.perf_counter()
            decoded = list(decode_input(item))
            decode_seconds += time.perf_counter() - t
            yield from decoded

    result = process_units(
        units(),
        ex,
        run_id=run_id,
        ingested_at=ingested_at,
        seen_sources=limits.seen_sources,
        seen_content=limits.seen_content,
        known_uris=limits.known_uris,
        max_chars=limits.max_chars,
    )
    result.files = files
    result.timings["ingest"] = result.timings.get("ingest", 0.0) + decode_seconds
    return result


def _process_one_by_one(
    inputs: list[InputFile],
    ex: Extractors,
    run_id: str,
    ingested_at: dt.datetime,
    limits: _Limits,
) -> BatchResult:
    parts: list[BatchResult] = []
    failed: list[dict] = []
    content = set(limits.seen_content)
    for item in inputs:
        try:
            one = dataclasses.replace(limits, seen_content=frozenset(content))
            part = _process_inputs([item], ex, run_id, ingested_at, one)
        except Exception as exc:
            rej = Rejection(
                item.source_uri,
                sha256_hex(item.data),
                "extract",
                "processing_error",
                describe_error(item.source_uri, exc),
            )
            failed.append(quarantine_row(rej, run_id, ingested_at))
            continue
        content.update(part.article_ids)
        parts.append(part)
    tables = {
        name: pa.concat_tables(
            [p.tables[name] for p in parts]
            + ([to_arrow(name, failed)] if name == "quarantine" and failed else [])
        )
        if parts or (name == "quarantine" and failed)
        else TABLES[name].schema.empty_table()
        for name in TABLES
        if name != "runs"
    }
    timings: dict[str, float] = {}
    for p in parts:
        for stage, seconds in p.timings.items():
            timings[stage] = timings.get(stage, 0.0) + seconds
    return BatchResult(
        tables,
        sum(p.inputs_skipped for p in parts),
        len(inputs),
        sorted(content - set(limits.seen_content)),
        [u for p in parts for u in p.raw_units],
        timings,
    )


def process_units(
    units: Iterable[RawArticle | Rejection],
    ex: Extractors,
    *,
    run_id: str,
    ingested_at: dt.datetime,
    seen_sources: Set[str] = frozenset(),
    seen_content: Set[str] = frozenset(),
    known_uris: Container[str] | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> BatchResult:
    """Normalize and extract decoded units (fresh inputs, or raw units replayed by a backfill).

    A unit whose bytes are in ``seen_sources`` is skipped, unless ``known_uris`` is given and
    does not hold its ``source_uri``: a byte copy of a stored input under a new name (or one
    whose row an interrupted run did not commit) is processed, and so quarantined as a
    duplicate exactly as in a run that read both, so that every input is found in a table.
    Texts of more than ``max_chars`` characters are quarantined unprocessed."""
    articles: list[dict] = []
    quarantine: list[dict] = []
    dependent = TupleRows()
    skipped = 0
    batch_content: set[str] = set()
    raw_units: list[tuple[str, str, bytes]] = []
    timings: dict[str, float] = {}
    for unit in units:
        if unit.source_sha256 in seen_sources and (
            known_uris is None or unit.source_uri in known_uris
        ):
            skipped += 1
            continue
        if isinstance(unit, Rejection):
            quarantine.append(quarantine_row(unit, run_id, ingested_at))
            continue
        raw_units.append((unit.source_sha256, unit.suffix, unit.raw))
        try:
            article_rows = process_article(
                unit,
                ex,
                run_id=run_id,
                ingested_at=ingested_at,
                timings=timings,
                max_chars=max_chars,
            )
        except NormalizeError as exc:
            rej = Rejection(unit.source_uri, unit.source_sha256, exc.stage, exc.reason, exc.detail)
            quarantine.append(quarantine_row(rej, run_id, ingested_at))
            continue
        except Exception as exc:  # one article's failure is its own, never the batch's
            rej = Rejection(
                unit.source_uri,
                unit.source_sha256,
                "extract",
                "processing_error",
                describe_error(unit.source_uri, exc),
            )
            quarantine.append(quarantine_row(rej, run_id, ingested_at))
            continue
        article_id = article_rows.article["article_id"]
        if article_id in seen_content or article_id in batch_content:
            rej = Rejection(
                unit.source_uri,
                unit.source_sha256,
                "dedupe",
                "duplicate_content",
                f"{unit.source_uri}: same normalized text as article {article_id}",
                article_id,
            )
            quarantine.append(quarantine_row(rej, run_id, ingested_at))
            continue
        batch_content.add(article_id)
        articles.append(article_rows.article)
        dependent.add(article_id, article_rows.tuples)
    t = time.perf_counter()
    constants = {
        "run_id": run_id,
        "taxonomy_version": ex.taxonomy_version,
        "gazetteer_version": ex.gazetteer_version,
    }
    dict_rows = {"articles": articles, "quarantine": quarantine}  # the rest: inputs (none)
    tables = {
        name: dependent.table(name, constants)
        if name in TUPLE_FIELDS
        else to_arrow(name, dict_rows.get(name, []))
        for name in TABLES
        if name != "runs"
    }
    timings["extract"] = (
        timings.get("extract", 0.0) + time.perf_counter() - t
    )  # building the tables
    return BatchResult(tables, skipped, 0, sorted(batch_content), raw_units, timings)
