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


class Cues(NamedTuple):
    """Where a text's cue words are, found once by the engine's scan."""

    before: list[int]  # starts of inverting cues ("said", "according to")
    verbs: list[int]  # starts of speech verbs


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

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        """What the engine compiles for attribution (see ``cues``)."""
        return [self.before_word, self.verb_word, self.pronoun]

    def cues(self, find: Find) -> Cues:
        """The cue words of the text ``find`` scans."""
        return Cues(
            [m.start() for m in find(self.before_word)], [m.start() for m in find(self.verb_word)]
        )

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
        line_start = text.rfind("\n", 0, start) + 1
        if how == "byline" or (
            any(text.find(by, line_start, start) >= 0 for by in ("By", "by", "BY"))
            and _BYLINE_BEFORE.search(text, line_start, start)
        ):
            return AUTHOR, None
        if how == "photo_credit":
            return PHOTO_CREDIT, None
        if cues is None:
            cues = self.cues(lambda pattern: list(pattern.finditer(text)))
        verbs = cues.verbs
        near = bisect.bisect_left(verbs, end)
        if (near < len(verbs) and verbs[near] - end <= _REACH) or text.startswith(("'", "’"), end):
            m = self.cue_after.match(text, end)
            if m:
                return SPEAKER, m.span("verb") if m.group("verb") else m.span("noun")
        if not text[line_start:start].strip():
            m = self.heading_after.match(text, end)
            if m:
                return SPEAKER, m.span("cue")
        before = cues.before
        lo = max(starts[sentence] if 0 <= sentence < len(starts) else 0, start - 120)
        for i in range(bisect.bisect_left(before, lo), bisect.bisect_left(before, start)):
            m = self.cue_before.match(text, before[i], start)
            if m and not self.modifier.match(text, end):
                return SPEAKER, m.span("cue")
        return MENTIONED, None
