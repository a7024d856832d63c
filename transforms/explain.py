"""Why an article got its rows: ``alliance explain`` for rule authors and sceptical readers.

``explain_input`` runs one input through the same steps as the pipeline (decode, normalize,
split, extract) and keeps what they decided on the way: the boilerplate lines removed, the
sentences, every actor mention with how it was resolved, every match of every issue rule
with its verdict (counted, vetoed by a negative, context not met, across sentences), each
code's score against the threshold, and the codes assigned. ``render`` prints it.
"""

import dataclasses
import json
from collections import defaultdict
from typing import Any

from transforms import engine
from transforms.actors import ActorMention
from transforms.errors import NormalizeError
from transforms.ingest import InputFile, RawArticle, Rejection, decode_input
from transforms.issues import ArticleIssue, IssueMention, RuleHit, sentence_scores
from transforms.normalize import NormalizedText
from transforms.pipeline import MAX_ARTICLE_CHARS, Extractors, extract_article, prepare_article
from transforms.statements import Statement


@dataclasses.dataclass
class Explanation:
    """What the pipeline decided about one article, and why."""

    source_uri: str
    engine: str
    versions: dict[str, str]
    rejected: str | None = None  # the quarantine reason, when the input stops before extraction
    normalized: NormalizedText | None = None
    language: str | None = None
    sentences: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    actors: list[ActorMention] = dataclasses.field(default_factory=list)
    relevant: bool = False
    hits: list[RuleHit] = dataclasses.field(default_factory=list)
    mentions: list[IssueMention] = dataclasses.field(default_factory=list)
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    threshold: float = 0.0
    issues: list[ArticleIssue] = dataclasses.field(default_factory=list)
    statements: list[Statement] = dataclasses.field(default_factory=list)

    @property
    def text(self) -> str:
        return self.normalized.text if self.normalized else ""

    def sentence_of(self, start: int) -> int:
        """Index of the sentence holding offset ``start`` (-1: none)."""
        return next((i for i, (s, e) in enumerate(self.sentences) if s <= start < e), -1)


def explain_input(item: InputFile, ex: Extractors) -> list[Explanation]:
    """One explanation per article of the input (a JSON Lines file may hold several)."""
    return [
        _explain_rejected(unit, ex) if isinstance(unit, Rejection) else explain_article(unit, ex)
        for unit in decode_input(item)
    ]


def _explain_rejected(rejection: Rejection, ex: Extractors) -> Explanation:
    return Explanation(
        rejection.source_uri,
        engine.describe(),
        dict(ex.reference.versions),
        rejected=f"{rejection.stage}/{rejection.reason}: {rejection.detail}",
    )


def explain_article(
    raw: RawArticle, ex: Extractors, max_chars: int = MAX_ARTICLE_CHARS
) -> Explanation:
    """The pipeline's steps for one raw article, keeping every decision."""
    ref = ex.reference
    out = Explanation(raw.source_uri, engine.describe(), dict(ref.versions))
    try:  # the pipeline's own step: the same checks, the same quarantine reasons
        norm, out.language, out.sentences = prepare_article(raw, ex, max_chars)
    except NormalizeError as exc:
        out.rejected = f"normalize/{exc.reason}: {exc.detail}"
        return out
    out.normalized = norm
    year = norm.published_at.year if norm.published_at else None
    found = extract_article(norm.text, out.sentences, year, ex, trace=out.hits)
    out.actors, out.relevant, out.issues = found.actors, found.relevant, found.issues
    out.mentions = found.mentions
    out.statements = found.statements
    by_code: dict[str, list[IssueMention]] = defaultdict(list)
    for m in found.mentions:
        by_code[m.issue_code].append(m)
    out.scores = {c: round(sum(sentence_scores(h).values()), 4) for c, h in by_code.items()}
    out.threshold = ref.taxonomy.threshold
    return out


def _short(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render(ex: Explanation, show_sentences: bool = True) -> str:
    """The explanation as text, one section per step."""
    lines = [f"== {ex.source_uri}", f"engine: {ex.engine}; seeds: " + _versions(ex.versions)]
    if ex.rejected:
        lines.append(f"quarantined: {ex.rejected}")
        return "\n".join(lines)
    norm = ex.normalized
    assert norm is not None
    lines.append(
        f"title: {norm.title!r}; published: {norm.published_at} ({norm.published_at_source}); "
        f"outlet: {norm.outlet!r}; author: {norm.author!r}; language: {ex.language}"
    )
    if norm.removed:
        lines.append(f"\n-- boilerplate removed ({len(norm.removed)} lines)")
        lines += [f"  line {r.line_number:>3} [{r.rule_id}] {_short(r.text)}" for r in norm.removed]
    if show_sentences:
        lines.append(f"\n-- sentences ({len(ex.sentences)})")
        lines += [
            f"  [{i}] {s}-{e} {_short(ex.text[s:e])}" for i, (s, e) in enumerate(ex.sentences)
        ]
    lines.append(f"\n-- actors ({len(ex.actors)})")
    for a in ex.actors:
        role = f", role {a.role!r}" if a.role else ""
        known = "gazetteer" if a.in_gazetteer else "not in gazetteer"
        lines.append(
            f"  [{a.sentence_index}] {a.start}-{a.end} {a.matched_text!r} -> {a.actor_id} "
            f"({a.actor_name}, {a.actor_type}, {a.country_code or '-'}): {a.resolution}, "
            f"{known}{role}, {a.mention_role}"
        )
    lines.append(f"\n-- statements ({len(ex.statements)})")
    for st in ex.statements:
        quoted = "quoted" if st.direct else "paraphrased"
        lines.append(
            f"  [{st.sentence_index}] {st.actor_name} ({st.actor_type}) {st.cue!r}, {quoted}: "
            f"{_short(ex.text[st.words_start : st.words_end], 70)!r} -> {st.issue_code or '-'}"
        )
    if not ex.relevant:
        lines.append("\n-- issues: the text is not about Korea (no Korean place, word or actor)")
        return "\n".join(lines)
    kept = {(m.issue_code, m.start, m.end, m.rule_id) for m in ex.mentions}
    lines.append(f"\n-- rule matches ({len(ex.hits)})")
    for h in sorted(ex.hits, key=lambda h: (h.start, h.issue_code, h.rule_id)):
        verdict = h.verdict
        if verdict == "counted" and (h.issue_code, h.start, h.end, h.rule_id) not in kept:
            verdict, why = "dropped", "a stronger hit of the code holds or shares this span"
        else:
            why = h.why
        lines.append(
            f"  [{h.sentence_index}] {h.start}-{h.end} {h.matched_text!r} {h.issue_code}/"
            f"{h.rule_id} (weight {h.weight:g}): {verdict}" + (f" - {why}" if why else "")
        )
    assigned = {i.issue_code: i for i in ex.issues}
    lines.append(f"\n-- codes (threshold {ex.threshold:g})")
    for code, score in sorted(ex.scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if code in assigned:
            i = assigned[code]
            probability = "" if i.probability is None else f"probability {i.probability:g}, "
            lines.append(
                f"  {code}: score {score:g} -> assigned, {probability}salience {i.salience:g}, "
                f"{i.mention_count} mentions in {i.sentence_count} sentences"
            )
        else:
            lines.append(f"  {code}: score {score:g} -> below the threshold")
    if not ex.scores:
        lines.append("  (no rule counted)")
    return "\n".join(lines)


def _versions(versions: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))


def as_json(ex: Explanation) -> dict[str, Any]:
    """The explanation as plain JSON values."""
    norm = ex.normalized
    return {
        "source_uri": ex.source_uri,
        "engine": ex.engine,
        "versions": ex.versions,
        "rejected": ex.rejected,
        "title": norm.title if norm else None,
        "published_at": norm.published_at.isoformat() if norm and norm.published_at else None,
        "outlet": norm.outlet if norm else None,
        "boilerplate_removed": [dataclasses.asdict(r) for r in norm.removed] if norm else [],
        "sentences": ex.sentences,
        "actors": [a._asdict() for a in ex.actors],
        "relevant": ex.relevant,
        "rule_matches": [h._asdict() for h in ex.hits],
        "scores": ex.scores,
        "threshold": ex.threshold,
        "issues": [i._asdict() for i in ex.issues],
        "statements": [st._asdict() for st in ex.statements],
    }


def dumps(explanations: list[Explanation]) -> str:
    return json.dumps([as_json(e) for e in explanations], indent=2, ensure_ascii=False)
