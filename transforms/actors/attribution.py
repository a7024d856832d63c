"""What part an actor mention plays: the article's author, a photo's credit, the one whose
words are reported (a speaker), or a name mentioned.

A byline or a credit is its pattern (``R_BYLINE``, ``R_PHOTO``). A speaker is a mention
next to an attribution cue in the shapes news writing uses: "X said", "X, a senior fellow,
told reporters", "said X", "according to Pentagon spokesman X", a transcript heading
("X: ..."). The cue words are the lexicon's (``speech_verbs``, ``speech_verbs_before``).
"""

import bisect
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from transforms.reference import Lexicon

AUTHOR = "author"
PHOTO_CREDIT = "photo_credit"
SPEAKER = "speaker"
MENTIONED = "mentioned"
ROLES = (AUTHOR, PHOTO_CREDIT, SPEAKER, MENTIONED)

# Words between a speaker and the cue: "X has also said", "X reportedly told", "X strongly
# condemned", and another speaker with them: "X and Y emphasized", "X and I condemned".
_ADVERBS = r"(?:(?:has|had|have|also|then|later|again|repeatedly|reportedly|once|previously|recently|further|separately|earlier|publicly|\w+ly)\s+){0,3}"
_AND_ANOTHER = r"(?:\s+(?:and|&)\s+(?:I|we|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2}))?"
# "By X", "By X, Y and Z" earlier on the mention's line: the mention is a byline's.
_BYLINE_BEFORE = re.compile(
    r"(?:^[ \t•·|*-]*(?:By|BY|by):?|(?<![Pp]hoto )(?<![Pp]hotos )\b(?:By|BY))\s+"
    r"(?:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*(?:,\s*|\s+and\s+))*$"
)


Find = Callable[[re.Pattern[str]], list[re.Match[str]]]
# How far after a mention its cue may be: an aside of 140 characters and a few adverbs.
_REACH = 220
# ... and with no aside nor a second speaker: three adverbs of 25 letters.
_ADVERB_REACH = 80
# What opens an aside or a second speaker after a mention ("X, a senior fellow, said").
_ASIDE = re.compile(r"\s*(?:,|--|—|–)|\s+(?:and|&)\s")
# How far after a mention a transcript heading's colon may be (``heading_after``: a
# parenthesis of 60 characters, and spaces).
_HEADING_REACH = 100
# The resolutions (transforms/actors/matcher.py) that are a byline's or a credit's.
BYLINE = "byline"


class Cues(NamedTuple):
    """Where a text's cue words are, found once by the engine's scan."""

    before: list[int]  # starts of inverting cues ("said", "according to")
    verbs: list[int]  # starts of speech verbs
    by: list[int]  # starts of the "By" a byline may open with (see ``_BYLINE_BEFORE``)


class Attribution:
    """The lexicon's cues, compiled: call ``cue`` on each mention of a text."""

    def __init__(self, lexicon: Lexicon) -> None:
        verbs = "|".join(lexicon.speech_verbs)
        before = "|".join(lexicon.speech_verbs_before)
        nouns = "|".join(lexicon.speech_nouns)
        # After the mention: its cue, maybe past an aside set off by commas or dashes, or
        # its possessive and a noun of reported words ("X's warning").
        self.cue_after = re.compile(
            rf"{_AND_ANOTHER}(?:\s*,[^,\n]{{1,140}},|\s+(?:--|—|–)[^\n]{{1,100}}?(?:--|—|–)|\s*,)?"
            rf"\s+{_ADVERBS}(?P<verb>{verbs})\b|(?:'s|’s)\s+(?:\w+\s+)?(?P<noun>{nouns})\b"
        )
        # Before the mention: a cue that inverts ("said X", "according to X"), then at most
        # six words of title ("said Defense Minister X", "according to a senior official"),
        # never a clause ("said the talks would resume in Seoul").
        # The inverting cue words and the speech verbs alone: found once per text (``cues``),
        # so that the cue patterns run only where one of them is.
        self.before_word = re.compile(rf"\b(?:{before})\b")
        self.verb_word = re.compile(rf"\b(?:{verbs})\b")
        # Where _BYLINE_BEFORE can match: a capitalized "By" (its "^" is the text's start).
        self.by_word = re.compile(r"\b(?:By|BY)(?=\s)")
        title_words = "|".join(
            (*lexicon.role_nouns, *lexicon.roles_before_name, *lexicon.roles_after_name)
        )
        self.cue_before = re.compile(
            rf"\b(?P<cue>{before})\s+(?:(?:[A-Z][\w.'’-]*|the|a|an|of|for|its|his|her|their|"
            rf"chief|senior|deputy|top|former|then|(?:{title_words})s?),?\s+){{0,6}}$"
        )
        # A name that only modifies the next one: "according to Pentagon spokesman X".
        self.modifier = re.compile(r"(?:'s|’s)?\s+(?:[a-z-]+\s+){0,3}[A-Z][a-z]")
        # A transcript heading: the name opens a line and a colon follows ("X: ...").
        self.heading_after = re.compile(r"[ \t]*(?:\([^)\n]{0,60}\))?[ \t]*(?P<cue>:)")
        # A pronoun that speaks for the person named before: "he said", "she told".
        self.pronoun = re.compile(rf"\b(?:[Hh]e|[Ss]he)\s+{_ADVERBS}(?P<verb>{verbs})\b")
        # A title that speaks for the person named before who holds it: "the minister added"
        # after "Defense Minister X", "the president said" after "President X".
        role_nouns = "|".join(lexicon.role_nouns)
        self.title_back = re.compile(
            rf"\b[Tt]he\s+(?:[\w-]+\s+)??(?P<title>{role_nouns})\s+{_ADVERBS}(?P<verb>{verbs})\b"
        )

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        """What the engine compiles for attribution (see ``cues``)."""
        return [self.before_word, self.verb_word, self.by_word, self.pronoun, self.title_back]

    def cues(self, find: Find) -> Cues:
        """The cue words of the text ``find`` scans."""
        return Cues(
            [m.start() for m in find(self.before_word)],
            [m.start() for m in find(self.verb_word)],
            [0, *(m.start() for m in find(self.by_word))],
        )

    def roles(
        self,
        text: str,
        starts: Sequence[int],
        mentions: Sequence[tuple[int, int, int, str]],
        cues: Cues,
    ) -> list[str]:
        """``cue``'s role for each mention (sentence, start, end, how) of ``text``, in order.
        A mention no cue word reaches is answered without trying the patterns (46% of the
        mentions of the bench corpus; the roles cost ~0.23 ms an article of ~5)."""
        by, verbs, before = cues.by, cues.verbs, cues.before
        # where the line each byline "By" stands on ends
        by_line_ends = [e if (e := text.find("\n", b)) >= 0 else len(text) for b in by]
        out = []
        for sentence, start, end, how in mentions:
            b = bisect.bisect_left(by, start) - 1
            near = bisect.bisect_left(verbs, end)
            lo = max(starts[sentence] if 0 <= sentence < len(starts) else 0, start - 120)
            if (
                how in (BYLINE, PHOTO_CREDIT)
                or (b >= 0 and start <= by_line_ends[b])
                or (
                    near < len(verbs)
                    and (
                        verbs[near] - end <= _ADVERB_REACH
                        or (verbs[near] - end <= _REACH and _ASIDE.match(text, end))
                    )
                )
                or text.startswith(("'", "’"), end)
                or text.find(":", end, end + _HEADING_REACH) >= 0
                or bisect.bisect_left(before, lo) < bisect.bisect_left(before, start)
            ):
                out.append(self.cue(text, starts, sentence, start, end, how, cues)[0])
            else:
                out.append(MENTIONED)
        return out

    def cue(
        self,
        text: str,
        starts: Sequence[int],
        sentence: int,
        start: int,
        end: int,
        how: str,
        cues: Cues | None = None,
    ) -> tuple[str, tuple[int, int] | None]:
        """The role of the mention ``text[start:end]`` in sentence ``sentence`` (``starts``:
        where each sentence starts), resolved as ``how``, and for a speaker the span of its
        cue: the verb, the noun, the words before it ("according to") or a heading's colon.
        ``cues``: the text's (``cues``), found here when not given."""
        if how == BYLINE:
            return AUTHOR, None
        if how == PHOTO_CREDIT:
            return PHOTO_CREDIT, None
        if cues is None:
            cues = self.cues(lambda pattern: list(pattern.finditer(text)))
        line_start = text.rfind("\n", 0, start) + 1
        by = cues.by
        if bisect.bisect_left(by, start) > bisect.bisect_left(by, line_start) and (
            _BYLINE_BEFORE.search(text, line_start, start)
        ):
            return AUTHOR, None
        verbs = cues.verbs
        near = bisect.bisect_left(verbs, end)
        if (near < len(verbs) and verbs[near] - end <= _REACH) or text.startswith(("'", "’"), end):
            m = self.cue_after.match(text, end)
            if m:
                return SPEAKER, m.span("verb") if m.group("verb") else m.span("noun")
        m = self.heading_after.match(text, end)
        if m and not text[line_start:start].strip():
            return SPEAKER, m.span("cue")
        before = cues.before
        lo = max(starts[sentence] if 0 <= sentence < len(starts) else 0, start - 120)
        for i in range(bisect.bisect_left(before, lo), bisect.bisect_left(before, start)):
            m = self.cue_before.match(text, before[i], start)
            if m and not self.modifier.match(text, end):
                return SPEAKER, m.span("cue")
        return MENTIONED, None
