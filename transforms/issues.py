"""Issue extraction: rule hits per sentence, vetoes, and the article-level decision."""

import bisect
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from transforms import engine
from transforms.calibration import features
from transforms.reference import IssueCode, IssueRule, Taxonomy


class IssueMention(NamedTuple):
    """One rule hit on an issue code, with its offsets in the normalized text."""

    sentence_index: int
    start: int
    end: int
    matched_text: str
    issue_code: str
    rule_id: str
    weight: float


class ArticleIssue(NamedTuple):
    """An issue code assigned to an article, with the evidence summed up."""

    issue_code: str
    issue_label: str
    mention_count: int
    sentence_count: int
    score: float
    salience: float
    first_sentence_index: int
    # How likely the code is right (seeds/calibration.yaml); None without a calibration.
    probability: float | None = None


class RuleHit(NamedTuple):
    """A rule's match and what became of it (``alliance explain`` prints these)."""

    issue_code: str
    rule_id: str
    weight: float
    sentence_index: int  # -1: outside any sentence
    start: int
    end: int
    matched_text: str
    verdict: str  # counted, vetoed, context, across_sentences
    why: str


def _veto(code: IssueCode, sentence: str, lo: int, hi: int) -> str | None:
    """The id of the negative whose match holds the hit ``sentence[lo:hi]``, if any."""
    for negative_id, neg in code.negatives:
        for m in neg.finditer(sentence):
            if m.start() <= lo and hi <= m.end():
                return negative_id
    return None


def find_issue_mentions(
    text: str,
    sentences: Sequence[tuple[int, int]],
    taxonomy: Taxonomy,
    sentence_countries: Mapping[int, set[str]] | None = None,
    scan: engine.Scan | None = None,
    trace: list[RuleHit] | None = None,
) -> list[IssueMention]:
    """Every non-vetoed rule hit, one per (code, span): the strongest rule wins a span.

    ``sentence_countries`` (sentence index -> countries of the actors in it) lets a rule
    require an actor of a country, e.g. a Japanese leader for a trilateral meeting.
    ``scan`` is the text's scan by a matcher that compiled ``taxonomy.patterns`` (the
    pipeline shares one with actor extraction); without it one is made. ``trace``, when
    given, receives every match of every rule with its verdict.
    """
    countries = sentence_countries or {}
    if scan is None:
        scan = taxonomy_matcher(taxonomy).scan(text)
    starts = [s for s, _ in sentences]
    found: dict[tuple[str, int, int], IssueMention] = {}
    for code in taxonomy.codes.values():
        for rule in code.rules:
            context: dict[int, str | None] = {}  # sentence -> why the context fails (None: holds)
            for m in scan.matches(rule.pattern):
                start, end = m.span()
                index = bisect.bisect_right(starts, start) - 1
                if index < 0 or end > sentences[index][1]:
                    if trace is not None:
                        why = "outside any sentence" if index < 0 else "spans two sentences"
                        trace.append(_hit(rule, index if index >= 0 else -1, m, "across", why))
                    continue
                s_start, s_end = sentences[index]
                sentence = text[s_start:s_end]
                if index not in context:
                    previous = ""
                    if rule.carry and index:  # only a carry rule looks one sentence back
                        p_start, p_end = sentences[index - 1]
                        previous = text[p_start:p_end]
                    context[index] = rule.context_failure(
                        sentence,
                        countries.get(index, set()),
                        previous,
                        countries.get(index - 1, set()),
                    )
                failure = context[index]
                veto = None if failure else _veto(code, sentence, start - s_start, end - s_start)
                if trace is not None:
                    if failure:
                        trace.append(_hit(rule, index, m, "context", failure))
                    elif veto:
                        trace.append(_hit(rule, index, m, "vetoed", f"negative {veto}"))
                    else:
                        trace.append(_hit(rule, index, m, "counted", ""))
                if failure or veto:
                    continue
                key = (code.code, start, end)
                old = found.get(key)
                if old is None or rule.weight > old.weight:
                    found[key] = IssueMention(
                        index, start, end, text[start:end], code.code, rule.rule_id, rule.weight
                    )
    return _drop_nested(sorted(found.values(), key=lambda m: (m.start, -m.end, m.issue_code)))


def _hit(rule: IssueRule, index: int, m: re.Match[str], verdict: str, why: str) -> RuleHit:
    return RuleHit(
        rule.code, rule.rule_id, rule.weight, index, m.start(), m.end(), m.group(), verdict, why
    )


_MATCHERS: dict[int, tuple[Taxonomy, engine.Matcher]] = {}


def taxonomy_matcher(taxonomy: Taxonomy) -> engine.Matcher:
    """A matcher of the taxonomy's rules, compiled once per taxonomy object and engine."""
    key = id(taxonomy)
    held = _MATCHERS.get(key)
    if held is None or held[0] is not taxonomy or held[1].name != engine.selected():
        if len(_MATCHERS) >= 8:
            _MATCHERS.clear()
        held = _MATCHERS[key] = (taxonomy, engine.compile_matcher(taxonomy.patterns))
    return held[1]


def _drop_nested(mentions: list[IssueMention]) -> list[IssueMention]:
    """Within one code, a hit inside another hit is the same evidence: keep one of them, the
    stronger (the longer when equally strong), so "annual joint military exercise" counts as
    the strong "joint military exercise", not as the weak "annual ... exercise"."""
    by_code: dict[str, list[IssueMention]] = defaultdict(list)
    for m in mentions:
        by_code[m.issue_code].append(m)
    out: list[IssueMention] = []
    for hits in by_code.values():
        if len({h.weight for h in hits}) == 1:
            # One weight: sorted by (start, -end), a hit is nested iff an earlier one reaches it.
            reach = -1
            for m in hits:
                if reach < m.end:
                    reach = m.end
                    out.append(m)
            continue
        chosen: list[IssueMention] = []
        for m in sorted(hits, key=lambda h: (-h.weight, h.start - h.end, h.start)):
            if not any(
                (c.start <= m.start and m.end <= c.end) or (m.start <= c.start and c.end <= m.end)
                for c in chosen
            ):
                chosen.append(m)
        out.extend(chosen)
    return sorted(out, key=lambda m: (m.start, -m.end, m.issue_code))


def sentence_scores(hits: Sequence[IssueMention]) -> dict[int, float]:
    """Evidence of one code per sentence: the hits' weights summed, at most 1.0 a sentence,
    so a repeated weak word is not strong. An article's score is their sum."""
    per_sentence: dict[int, float] = defaultdict(float)
    for h in hits:
        per_sentence[h.sentence_index] = min(1.0, per_sentence[h.sentence_index] + h.weight)
    return per_sentence


def decide_article_issues(
    mentions: Sequence[IssueMention],
    sentence_total: int,
    taxonomy: Taxonomy,
    relevant: bool,
    title_sentences: int = 1,
) -> list[ArticleIssue]:
    """Codes whose evidence reaches the threshold, with a sortable salience in [0, 1]."""
    if not relevant or not mentions:
        return []
    by_code: dict[str, list[IssueMention]] = defaultdict(list)
    for m in mentions:
        by_code[m.issue_code].append(m)
    out = []
    for code, hits in by_code.items():
        per_sentence = sentence_scores(hits)
        score = round(sum(per_sentence.values()), 4)
        if score + 1e-9 < taxonomy.threshold:
            continue
        first = min(per_sentence)
        share = len(per_sentence) / max(1, sentence_total)
        in_title = first < title_sentences
        salience = min(1.0, share + (taxonomy.title_bonus if in_title else 0.0))
        model = taxonomy.calibration
        probability = (
            round(
                model.probability(features(score, max(h.weight for h in hits))),
                4,
            )
            if model is not None
            else None
        )
        out.append(
            ArticleIssue(
                code,
                taxonomy.codes[code].label,
                len(hits),
                len(per_sentence),
                score,
                round(salience, 4),
                first,
                probability,
            )
        )
    return sorted(out, key=lambda a: (-a.salience, a.issue_code))
