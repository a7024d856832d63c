"""Reported statements: who said what, and which issue codes their words address.

A statement is a speaker's mention (``mention_role`` speaker, see
``transforms/actors/attribution.py``) with its cue, or a pronoun that speaks for the person
named before ("he said"), and the reported words: the quotation in or next to the sentence
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
    # "he said" for the person named last before it, in a sentence no named speaker has
    people = [
        a for a in actors if a.actor_type == "person" and a.mention_role in ("speaker", "mentioned")
    ]
    people_starts = [a.start for a in people]
    pronouns = find(attribution.pronoun)
    sentence_starts = [s for s, _ in sentences]
    for m in pronouns:
        index = bisect.bisect_right(sentence_starts, m.start()) - 1
        if index < 0 or index in speaking_sentences or m.end() > sentences[index][1]:
            continue
        before = bisect.bisect_left(people_starts, m.start()) - 1
        if before < 0:
            continue
        speaking_sentences.add(index)
        person = people[before]
        cue = m.span("verb")
        words, direct = _words(text, sentences, index, m.span(), cue, quotes)
        found.append((index, person, cue, words, direct))
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


def _words(
    text: str,
    sentences: Sequence[tuple[int, int]],
    index: int,
    speaker: tuple[int, int],
    cue: tuple[int, int],
    quotes: Sequence[tuple[int, int]],
) -> tuple[tuple[int, int], bool]:
    """The reported words of a statement in sentence ``index`` and whether they are quoted."""
    s, e = sentences[index]
    # a quotation that overlaps the sentence, or ends where it starts ("'...,' he said")
    near = [
        (qs, qe)
        for qs, qe in quotes
        if qs < e and qe > s - 3 and not (qs <= speaker[0] < qe) and not (qs <= cue[0] < qe)
    ]
    if near:
        qs, qe = min(near, key=lambda q: min(abs(q[0] - cue[0]), abs(q[1] - cue[0])))
        return (qs + 1, qe - 1), True
    if text[cue[0] : cue[1]] == ":":  # a transcript heading: the rest of its paragraph
        end = text.find("\n\n", cue[1])
        return (cue[1] + 1, len(text) if end < 0 else end), False
    # paraphrase: the rest of the sentence past the cue ("X said that ..."), or, when the
    # cue ends its sentence ("..., X said."), the sentence up to the speaker
    first, last = min(speaker[0], cue[0]), max(speaker[1], cue[1])
    joined = _JOIN.match(text, last, e) if last < e else None
    after = joined.end() if joined else e
    if e - after > 3:
        return (after, e), False
    return (s, first), False
