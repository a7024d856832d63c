"""Reported statements: who said what, and which issue codes their words address.

A statement is a speaker's mention (``mention_role`` speaker, see
``transforms/actors/attribution.py``) with its cue, a pronoun or a title that speaks for the
person named before ("he said", "the minister added"), or a quotation that carries one on
into the next sentences; and the reported words: the quotation in or next to the sentence
when there is one (``direct``), else the rest of the sentence on the far side of the cue
("X said that ...", "..., X said."), or a transcript heading's paragraph. The issue codes
are those whose counted rule hits lie inside the reported words; a statement that
addresses none of them is kept with a null code.
"""

import bisect
import re
from collections.abc import Sequence
from typing import NamedTuple

from transforms.actors import ActorMention
from transforms.actors.attribution import SPEAKER, Attribution, Find
from transforms.issues import IssueMention

# A quotation: curly or straight double quotes, at most a few paragraphs long.
QUOTE = re.compile(r"“[^”]{1,3000}”|\"[^\"]{1,3000}\"")
# Words that only join a cue to what was said: "said that", "said on Monday that".
_JOIN = re.compile(
    r"[\s,:]*(?:(?:reporters|journalists|lawmakers|the\s+press|(?:on|in|at|last|this)\s+\w+)\s+)?"
    r"(?:that\s+)?",
    re.I,
)


class Statement(NamedTuple):
    """One reported statement and one issue code its words address (None: no code)."""

    sentence_index: int
    actor_id: str
    actor_name: str
    actor_type: str
    cue: str
    cue_start: int
    cue_end: int
    words_start: int
    words_end: int
    direct: bool
    issue_code: str | None


def find_statements(
    text: str,
    sentences: Sequence[tuple[int, int]],
    actors: Sequence[ActorMention],
    mentions: Sequence[IssueMention],
    attribution: Attribution,
    find: Find | None = None,
) -> list[Statement]:
    """Every statement of ``text`` (see the module), one row per issue code it addresses.
    ``mentions``: the rule hits of the codes in text order, as ``find_issue_mentions`` gives
    them; ``find``: the matches of a pattern in the text's scan (``extract_article`` passes its
    own, which compiled ``attribution.patterns``), else plain ``finditer``."""
    if find is None:
        find = lambda pattern: list(pattern.finditer(text))  # noqa: E731
    starts = [s for s, _ in sentences]
    quotes = [m.span() for m in QUOTE.finditer(text)]
    found: list[tuple[int, ActorMention, tuple[int, int], tuple[int, int], bool]] = []
    seen: set[tuple[str, int]] = set()
    speaking_sentences = set()
    cues = attribution.cues(find)
    for a in actors:
        if a.mention_role != SPEAKER:
            continue
        role, cue = attribution.cue(
            text, starts, a.sentence_index, a.start, a.end, a.resolution, cues
        )
        if role != SPEAKER or cue is None or (a.actor_id, cue[0]) in seen:
            continue
        seen.add((a.actor_id, cue[0]))
        speaking_sentences.add(a.sentence_index)
        words, direct = _words(text, sentences, a.sentence_index, (a.start, a.end), cue, quotes)
        found.append((a.sentence_index, a, cue, words, direct))
    people = [
        a for a in actors if a.actor_type == "person" and a.mention_role in ("speaker", "mentioned")
    ]
    people_starts = [a.start for a in people]
    # "he said": the person named last before it; "the minister added": the one named last
    # who holds the title; in a sentence where no named speaker speaks
    backward: list[tuple[re.Match[str], str | None]] = [
        (m, None) for m in find(attribution.pronoun)
    ]
    backward += [(m, m.group("title")) for m in find(attribution.title_back)]
    for m, title in sorted(backward, key=lambda b: b[0].start()):
        index = bisect.bisect_right(starts, m.start()) - 1
        if index < 0 or index in speaking_sentences or m.end() > sentences[index][1]:
            continue
        named = people[: bisect.bisect_left(people_starts, m.start())]
        if title is not None:
            holds = re.compile(rf"\b{re.escape(title)}", re.IGNORECASE)
            named = [a for a in named if a.role and holds.search(a.role)]
        if not named:
            continue
        person = named[-1]
        speaking_sentences.add(index)
        cue = m.span("verb")
        words, direct = _words(text, sentences, index, m.span(), cue, quotes)
        found.append((index, person, cue, words, direct))
    found += _continued(text, sentences, starts, found, speaking_sentences, quotes, cues.verbs)
    out = []
    mention_starts = [m.start for m in mentions]  # in text order
    for index, a, (cs, ce), (ws, we), direct in sorted(found, key=lambda f: f[2][0]):
        inside = mentions[
            bisect.bisect_left(mention_starts, ws) : bisect.bisect_left(mention_starts, we)
        ]
        codes: list[str | None] = [*sorted({m.issue_code for m in inside if m.end <= we})]
        for code in codes or [None]:
            out.append(
                Statement(
                    index,
                    a.actor_id,
                    a.actor_name,
                    a.actor_type,
                    text[cs:ce].lower(),
                    cs,
                    ce,
                    ws,
                    we,
                    direct,
                    code,
                )
            )
    return out


def _continued(
    text: str,
    sentences: Sequence[tuple[int, int]],
    starts: Sequence[int],
    found: Sequence[tuple[int, ActorMention, tuple[int, int], tuple[int, int], bool]],
    speaking: set[int],
    quotes: Sequence[tuple[int, int]],
    verbs: Sequence[int],
) -> list[tuple[int, ActorMention, tuple[int, int], tuple[int, int], bool]]:
    """Quotations that carry a statement on: a sentence after it (in its paragraph or the
    next) that opens with a quotation, where no one else is said to speak and no speech verb
    stands outside the quotation, goes on quoting the same speaker ('"We will pay," X said.
    "The troops stay."'). The cue stays the statement's. ``starts``: where each sentence
    starts."""
    quote_at = {qs: qe for qs, qe in quotes}
    last_by_sentence = {f[0]: f for f in sorted(found, key=lambda f: f[2][0])}
    out = []
    for index, (_, actor, cue, _, _) in sorted(last_by_sentence.items()):
        j = index + 1
        while j < len(sentences) and j not in speaking:
            s, e = sentences[j]
            qs = s + len(text[s:e]) - len(text[s:e].lstrip())
            qe = quote_at.get(qs)
            if qe is None or text.count("\n\n", sentences[j - 1][1], s) > 1:
                break
            # a speech verb outside the quotation: someone else's words
            lo, hi = bisect.bisect_left(verbs, s), bisect.bisect_left(verbs, e)
            if any(not qs <= v < qe for v in verbs[lo:hi]):
                break
            out.append((j, actor, cue, (qs + 1, qe - 1), True))
            speaking.add(j)
            # the quotation may run over several sentences: go on after its end
            j = bisect.bisect_right(starts, qe - 1)
    return out


def _words(
    text: str,
    sentences: Sequence[tuple[int, int]],
    index: int,
    speaker: tuple[int, int],
    cue: tuple[int, int],
    quotes: Sequence[tuple[int, int]],
) -> tuple[tuple[int, int], bool]:
    """The reported words of a statement in sentence ``index`` and whether they are quoted:
    the quotation next to the cue, or the paraphrase (``_paraphrase``), which takes in a
    quoted phrase shorter than half of it ('X said the talks were "productive" and ...')."""
    s, e = sentences[index]
    # a quotation that overlaps the sentence, or ends where it starts ("'...,' he said")
    near = [
        (qs, qe)
        for qs, qe in quotes
        if qs < e and qe > s - 3 and not (qs <= speaker[0] < qe) and not (qs <= cue[0] < qe)
    ]
    if text[cue[0] : cue[1]] == ":" and not near:  # a transcript heading: its paragraph
        end = text.find("\n\n", cue[1])
        return (cue[1] + 1, len(text) if end < 0 else end), False
    ps, pe = _paraphrase(text, (s, e), speaker, cue)
    if not near:
        return (ps, pe), False
    qs, qe = min(near, key=lambda q: min(abs(q[0] - cue[0]), abs(q[1] - cue[0])))
    if ps <= qs and qe <= pe and 2 * (qe - qs) < pe - ps:
        return (ps, pe), True
    return (qs + 1, qe - 1), True


def _paraphrase(
    text: str, sentence: tuple[int, int], speaker: tuple[int, int], cue: tuple[int, int]
) -> tuple[int, int]:
    """The rest of the sentence past the cue ("X said that ..."), or, when the cue ends its
    sentence ("..., X said."), the sentence up to the speaker."""
    s, e = sentence
    first, last = min(speaker[0], cue[0]), max(speaker[1], cue[1])
    joined = _JOIN.match(text, last, e) if last < e else None
    after = joined.end() if joined else e
    if e - after > 3:
        return after, e
    return s, first
