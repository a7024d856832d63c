"""The contract: one Arrow schema per output table, with a meaning and an example per column.

Writers, the Great Expectations suites and the data dictionary are all checked
against this module by the tests.
"""

import operator
from dataclasses import dataclass

import pyarrow as pa

SCHEMA_VERSION = "1.2.0"
ACTOR_TYPES = ("person", "state", "organization")
QUARANTINE_STAGES = ("ingest", "normalize", "extract", "validate", "dedupe")


@dataclass(frozen=True)
class Column:
    """One column of an output table."""

    name: str
    type: pa.DataType
    nullable: bool
    meaning: str
    example: str


@dataclass(frozen=True)
class Table:
    """One output table: its columns, key and purpose."""

    name: str
    purpose: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the table."""
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]


def _c(name: str, type_: pa.DataType, nullable: bool, meaning: str, example: str) -> Column:
    return Column(name, type_, nullable, meaning, example)


S, I32, I64, F64, B = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.bool_()
TS = pa.timestamp("us", tz="UTC")
D = pa.date32()

_ARTICLE_ID = _c(
    "article_id",
    S,
    False,
    "First 16 hex digits of content_sha256: stable id of the normalized text",
    "3f9a1c0d2b7e4a11",
)
_SENTENCE = _c(
    "sentence_index", I32, False, "0-based index of the sentence in the normalized text", "4"
)
_START = _c(
    "start",
    I32,
    False,
    "Offset of the first character in articles.text (text[start:end] == matched_text)",
    "120",
)
_END = _c("end", I32, False, "Offset one past the last character in articles.text", "131")
_RUN = _c("run_id", S, False, "Run that wrote the row (see runs)", "20261122T101500Z-4f2a")
_TAX = _c(
    "taxonomy_version",
    S,
    False,
    "Version of seeds/taxonomy.yaml the row was extracted with",
    "1.0.0",
)
_GAZ = _c(
    "gazetteer_version", S, False, "Version of seeds/gazetteer the row was extracted with", "1.0.0"
)
_CODE = _c("issue_code", S, False, "Issue code of the taxonomy", "COST_SHARING")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "articles",
            "One row per article: provenance, recovered metadata and the normalized text.",
            ("article_id",),
            (
                _ARTICLE_ID,
                _c(
                    "source_uri",
                    S,
                    False,
                    "File path (with #L<line> or #<index> for JSON records) the article came from",
                    "/data/inbox/a.jsonl#L3",
                ),
                _c("source_kind", S, False, "Input format: txt, html, json or jsonl", "html"),
                _c(
                    "source_sha256",
                    S,
                    False,
                    "SHA-256 of the input bytes (the file, or the record's line)",
                    "9c1e…",
                ),
                _c(
                    "url",
                    S,
                    True,
                    "Original URL when the input gave one",
                    "https://www.koreaherald.com/view.php?ud=1",
                ),
                _c(
                    "outlet",
                    S,
                    True,
                    "Publishing outlet, from metadata, URL, a signature or copyright line, or the page title",
                    "The Korea Herald",
                ),
                _c(
                    "title",
                    S,
                    True,
                    "Headline, from metadata or the first headline-like line",
                    "Allies agree on cost-sharing",
                ),
                _c("author", S, True, "Author, from metadata or a byline", "Jane Roe"),
                _c(
                    "published_at",
                    D,
                    True,
                    "Publication date, from metadata or the text",
                    "2019-08-09",
                ),
                _c(
                    "published_at_source",
                    S,
                    True,
                    "Where published_at came from: metadata or text",
                    "text",
                ),
                _c("language", S, False, "Detected language (only 'en' is admitted)", "en"),
                _c(
                    "text",
                    S,
                    False,
                    "Normalized article text; all offsets point into it",
                    "Seoul and Washington agreed…",
                ),
                _c("word_count", I32, False, "Whitespace-separated words in text", "612"),
                _c("sentence_count", I32, False, "Sentences in text", "27"),
                _c(
                    "boilerplate_lines_removed",
                    I32,
                    False,
                    "Lines removed as web boilerplate (see boilerplate_lines)",
                    "5",
                ),
                _c("content_sha256", S, False, "SHA-256 of the normalized text", "3f9a1c0d…"),
                _c(
                    "is_relevant",
                    B,
                    False,
                    "Whether the article mentions Korea at all (otherwise it gets no issue codes)",
                    "true",
                ),
                _c(
                    "issue_codes",
                    S,
                    False,
                    "Assigned issue codes, sorted, separated by ';' (empty when none)",
                    "COST_SHARING;USFK_POSTURE",
                ),
                _c(
                    "ingested_at",
                    TS,
                    False,
                    "When the run read the input (UTC)",
                    "2026-11-22T10:15:00Z",
                ),
                _RUN,
                _TAX,
                _GAZ,
            ),
        ),
        Table(
            "sentences",
            "Sentence boundaries of each article's normalized text.",
            ("article_id", "sentence_index"),
            (
                _ARTICLE_ID,
                _SENTENCE,
                _START,
                _END,
            ),
        ),
        Table(
            "boilerplate_lines",
            "Lines (or line prefixes) removed from the raw text, with the rule that removed each.",
            ("article_id", "line_number", "rule_id"),
            (
                _ARTICLE_ID,
                _c(
                    "line_number",
                    I32,
                    False,
                    "1-based line number in the Unicode-cleaned raw text",
                    "3",
                ),
                _c(
                    "rule_id",
                    S,
                    False,
                    "Rule of seeds/boilerplate.yaml that removed the line",
                    "newsletter_signup",
                ),
                _c("text", S, False, "The removed text", "Sign up for our weekly newsletter"),
                _RUN,
            ),
        ),
        Table(
            "issue_mentions",
            "Evidence: each rule hit for an issue code assigned to the article.",
            ("article_id", "issue_code", "start", "end"),
            (
                _ARTICLE_ID,
                _SENTENCE,
                _START,
                _END,
                _c("matched_text", S, False, "The text the rule matched", "cost-sharing"),
                _CODE,
                _c("rule_id", S, False, "Rule of seeds/taxonomy.yaml that fired", "cs_terms"),
                _c(
                    "weight",
                    F64,
                    False,
                    "Evidence weight of the rule (1.0 strong, below 1 weak)",
                    "1.0",
                ),
                _RUN,
                _TAX,
            ),
        ),
        Table(
            "article_issues",
            "Issue codes per article with summed evidence and a salience to sort by.",
            ("article_id", "issue_code"),
            (
                _ARTICLE_ID,
                _CODE,
                _c("issue_label", S, False, "Human label of the code", "Defense cost-sharing"),
                _c("mention_count", I32, False, "Rule hits for the code", "4"),
                _c("sentence_count", I32, False, "Sentences with at least one hit", "3"),
                _c(
                    "score", F64, False, "Summed evidence (each sentence counts at most 1.0)", "2.5"
                ),
                _c(
                    "salience",
                    F64,
                    False,
                    "Share of the article's sentences about the code, +0.2 when the title or first sentence is; capped at 1",
                    "0.31",
                ),
                _c("first_sentence_index", I32, False, "First sentence with a hit", "0"),
                _c(
                    "probability",
                    F64,
                    True,
                    "How likely the code is right, from its evidence (log score, share of "
                    "sentences, title, position), calibrated on real articles labelled outside "
                    "the team (docs/calibration.md); null: a row before schema 1.2.0",
                    "0.87",
                ),
                _c(
                    "published_at",
                    D,
                    True,
                    "Publication date of the article (copied for time series)",
                    "2019-08-09",
                ),
                _RUN,
                _TAX,
            ),
        ),
        Table(
            "actor_mentions",
            "Each reference to a state, person or organization, resolved to a canonical actor.",
            ("article_id", "start", "end", "actor_id"),
            (
                _ARTICLE_ID,
                _SENTENCE,
                _START,
                _END,
                _c("matched_text", S, False, "The text that refers to the actor", "Seoul"),
                _c(
                    "actor_id",
                    S,
                    False,
                    "ISO3 code for states, P_* / ORG_* ids from the gazetteer, X_* for people not in it",
                    "KOR",
                ),
                _c("actor_name", S, False, "Canonical name", "South Korea"),
                _c("actor_type", S, False, "person, state or organization", "state"),
                _c("country_code", S, True, "ISO3 code of the actor's country", "KOR"),
                _c(
                    "role",
                    S,
                    True,
                    "Role at the article's date (gazetteer) or the title seen in the text",
                    "Defense Minister of South Korea",
                ),
                _c(
                    "resolution",
                    S,
                    False,
                    "How the mention was resolved (gazetteer_name, capital_metonym, surname_coreference, …)",
                    "capital_metonym",
                ),
                _c(
                    "in_gazetteer",
                    B,
                    False,
                    "False for people found only by a title/name pattern",
                    "true",
                ),
                _c(
                    "mention_role",
                    S,
                    True,
                    "What the mention does: author (a byline), photo_credit, speaker (its words "
                    "are reported: 'X said', 'according to X', a transcript heading) or mentioned; "
                    "null: a row before schema 1.2.0",
                    "speaker",
                ),
                _RUN,
                _GAZ,
            ),
        ),
        Table(
            "actor_issue_links",
            "An actor and an issue code in the same sentence, as the speaker or named there.",
            ("article_id", "sentence_index", "actor_id", "issue_code"),
            (
                _ARTICLE_ID,
                _SENTENCE,
                _c("actor_id", S, False, "Actor id (see actor_mentions)", "USA"),
                _c("actor_name", S, False, "Canonical actor name", "United States"),
                _c("actor_type", S, False, "person, state or organization", "state"),
                _CODE,
                _c(
                    "link_kind",
                    S,
                    True,
                    "speaker: the actor's mention in the sentence introduces reported words; "
                    "co_mention: named there. Bylines and photo credits never link (null: a "
                    "row before schema 1.2.0)",
                    "speaker",
                ),
                _RUN,
            ),
        ),
        Table(
            "statements",
            "Reported statements: who said what (the cue, the words, quoted or not) and the "
            "issue codes the words address.",
            ("article_id", "cue_start", "actor_id", "issue_code"),
            (
                _ARTICLE_ID,
                _SENTENCE,
                _c("actor_id", S, False, "Speaker's actor id (see actor_mentions)", "P_YOON_SY"),
                _c("actor_name", S, False, "Speaker's canonical name", "Yoon Suk-yeol"),
                _c(
                    "actor_type",
                    S,
                    False,
                    "person, state ('Seoul said') or organization ('KCNA said')",
                    "person",
                ),
                _c(
                    "cue",
                    S,
                    False,
                    "The attribution cue, lower case: said, told, warned, according to, a "
                    "speech noun ('warning'), ':' for a transcript heading",
                    "said",
                ),
                _c("cue_start", I32, False, "Offset of the cue in articles.text", "212"),
                _c("cue_end", I32, False, "Offset one past the cue", "216"),
                _c(
                    "words_start",
                    I32,
                    False,
                    "Offset of the reported words (inside the quotation marks when quoted)",
                    "160",
                ),
                _c("words_end", I32, False, "Offset one past the reported words", "209"),
                _c("direct", B, False, "True: the words are a quotation", "true"),
                _c(
                    "issue_code",
                    S,
                    True,
                    "An issue code with a counted rule hit inside the words (one row per code); "
                    "null: the words address none",
                    "COST_SHARING",
                ),
                _RUN,
            ),
        ),
        Table(
            "quarantine",
            "Every input (or part of one) that did not become an article row, and why.",
            ("quarantine_id",),
            (
                _c(
                    "quarantine_id",
                    S,
                    False,
                    "Stable id: hash of source, stage, reason and detail",
                    "q_5e0c…",
                ),
                _c(
                    "source_uri",
                    S,
                    False,
                    "File path (with #L<line> for a JSON Lines record)",
                    "/data/inbox/bad.json",
                ),
                _c(
                    "source_sha256",
                    S,
                    False,
                    "SHA-256 of the rejected bytes (used to skip them on re-runs)",
                    "e3b0c442…",
                ),
                _c(
                    "article_id",
                    S,
                    True,
                    "Article id when the text got that far",
                    "3f9a1c0d2b7e4a11",
                ),
                _c(
                    "stage",
                    S,
                    False,
                    "Stage that rejected it: ingest, normalize, extract, validate, dedupe",
                    "ingest",
                ),
                _c("reason", S, False, "Machine-readable reason", "malformed_json"),
                _c(
                    "detail",
                    S,
                    False,
                    "Human-readable explanation naming the file",
                    "/data/inbox/bad.json: line 1 column 2: Expecting value",
                ),
                _c("quarantined_at", TS, False, "When (UTC)", "2026-11-22T10:15:00Z"),
                _RUN,
            ),
        ),
        Table(
            "inputs",
            "Inbox files already read, so unchanged files are skipped without reading them again.",
            ("path", "size", "mtime_ns"),
            (
                _c(
                    "path",
                    S,
                    False,
                    "Absolute path of the file in the inbox",
                    "/data/inbox/a.jsonl",
                ),
                _c("size", I64, False, "Size in bytes when it was read", "5120"),
                _c(
                    "mtime_ns",
                    I64,
                    False,
                    "Modification time (ns since the epoch) when it was read",
                    "1763800000000000000",
                ),
                _c("sha256", S, False, "SHA-256 of the file's bytes", "9c1e…"),
                _RUN,
            ),
        ),
        Table(
            "runs",
            "One row per run: counts, table versions, reference versions and the validation outcome.",
            ("run_id",),
            (
                _RUN,
                _c(
                    "flow",
                    S,
                    False,
                    "Flow that ran: ingest, backfill, reextract (unknown for an interrupted run)",
                    "ingest",
                ),
                _c("started_at", TS, False, "Start (UTC)", "2026-11-22T10:15:00Z"),
                _c("finished_at", TS, False, "End (UTC)", "2026-11-22T10:15:09Z"),
                _c("inbox", S, False, "Inbox the run read", "/data/inbox"),
                _c("files_seen", I64, False, "Input files found", "120"),
                _c("articles_new", I64, False, "Articles written", "97"),
                _c(
                    "inputs_skipped",
                    I64,
                    False,
                    "Inputs already in articles or quarantine (same bytes)",
                    "20",
                ),
                _c("quarantined", I64, False, "Rows added to quarantine", "3"),
                _c(
                    "validation_success", B, False, "True when no row failed an expectation", "true"
                ),
                _c(
                    "validation_failures", I64, False, "Rows quarantined by Great Expectations", "0"
                ),
                _c(
                    "table_versions",
                    S,
                    False,
                    "JSON object: table -> Delta version after the run",
                    '{"articles": 3}',
                ),
                _c(
                    "rows_written",
                    S,
                    False,
                    "JSON object: table -> rows the run added",
                    '{"articles": 97}',
                ),
                _TAX,
                _GAZ,
                _c("schema_version", S, False, "Version of this schema module", SCHEMA_VERSION),
                _c(
                    "normalizer_version",
                    S,
                    True,
                    "Version of the normalizer seeds (boilerplate, outlets): a change alters "
                    "articles.text and so article_id (null: a run before schema 1.1.0)",
                    "1.4.0",
                ),
                _c(
                    "code_version",
                    S,
                    True,
                    "Version of the pipeline's code: package version, then the git commit "
                    "when known, '.dirty' when the checkout had changes (null: before 1.1.0)",
                    "0.1.0+g4695be9",
                ),
                _c(
                    "calibration_version",
                    S,
                    True,
                    "Version of the probability model of article_issues.probability "
                    "(seeds/calibration.yaml; null: a run before schema 1.2.0)",
                    "1.0.0",
                ),
                _c(
                    "status",
                    S,
                    False,
                    "succeeded, failed, or interrupted (killed before its last commit; "
                    "recorded by the next run, with the rows it left)",
                    "succeeded",
                ),
            ),
        ),
    )
}

# Tables whose rows belong to an article (replaced together on re-extraction).
ARTICLE_TABLES = (
    "articles",
    "sentences",
    "boilerplate_lines",
    "issue_mentions",
    "article_issues",
    "actor_mentions",
    "actor_issue_links",
    "statements",
)


def empty_table(name: str) -> pa.Table:
    """An empty Arrow table with the schema of ``name``."""
    return TABLES[name].schema.empty_table()


def to_arrow(name: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts) as an Arrow table with exactly the schema of ``name``."""
    schema = TABLES[name].schema
    if not rows:
        return schema.empty_table()
    # Column lists are several times faster for Arrow than a list of row dicts, and
    # ``itemgetter`` over rows several times faster than a comprehension calling ``.get``.
    names = schema.names
    get = operator.itemgetter(*names)
    try:
        values = [get(r) for r in rows] if len(names) > 1 else [(get(r),) for r in rows]
    except KeyError:  # some row leaves a column out: it is null there
        values = [tuple(r.get(name) for name in names) for r in rows]
    arrays = zip(*values, strict=True)
    return pa.Table.from_arrays(
        [pa.array(a, type=f.type) for a, f in zip(arrays, schema, strict=True)], schema=schema
    )
