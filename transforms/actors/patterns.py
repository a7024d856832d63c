"""The shapes of person names in news text, and the patterns built from the lexicon.

The shapes (a name, a byline, a credit line) are fixed here; the words that fill them
(titles, role nouns, cues, surnames) are the lexicon's (``seeds/gazetteer/lexicon.yaml``),
so a rule author changes those in seeds/ and seals them with the gazetteer.
"""

import re
from collections.abc import Iterable

from transforms.reference import Lexicon

# A capitalized name of two or three words: "Kurt Campbell", "Lee Jae-myung", "Ban Ki-moon",
# "Mary J. Smith", "Jean-Pierre", "McCarthy", "Rapp-Hooper", "Lee Yoon-Woo". A capital inside
# a word comes after at most two letters ("McCarthy", "ElBaradei", "DeHart"): a longer run
# is two words glued together ("KirkCorrespondent").
SURNAME = r"(?:[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?|[A-Z][a-z]{0,2}[A-Z][a-z]+)"
# Lower-case particles before a surname: "Ursula von der Leyen", "Vincent van Gogh".
PARTICLES = r"(?:(?:von|van|der|den|de|du|da|dos|di|la|le|bin|ibn) ){1,2}"
NAME = (
    rf"[A-Z][a-z]+(?:-[A-Za-z][a-z]*|['’][A-Z][a-z]+)?(?: [A-Z]\.)?"
    rf"(?: {SURNAME})?(?: (?:{PARTICLES})?{SURNAME})"
)
# A person with their age set off by commas, then who they are or what they said:
# "said Maria Lopez, 24, who flew in", "Jane Roe, 61, a retired teacher" (not "Ohio, 9, and").
NAME_AGE = re.compile(
    rf"(?<![\w-])(?P<name>{NAME}),\s+\d{{1,3}},\s+(?:said|says|told|who|whose|a|an|the|from)\b"
)
# "the two Koreas": both Koreas at once.
TWO_KOREAS = re.compile(r"two Koreas\b")
# More names after a plural title: "Democrats Raphael Warnock and Jon Ossoff".
AND_NAME = re.compile(rf",?\s+and\s+(?P<name>{NAME})\b")


# A given name, then a surname: "Katie Tucker", "Scott M. Johnson" (``given_name``
# builds it from the lexicon's given names; the matcher checks the words around). The
# pattern takes the first word alone, the rest is looked ahead, so that "After Tony Romo"
# yields "Tony" too; GIVEN_NAME_PAIR then reads the pair at the word.
def given_name(names: Iterable[str]) -> re.Pattern[str]:
    """The pattern of a given name of ``names`` before a surname. The names are written
    out (not ``[A-Z][a-z]+`` checked after the match) so that the engine runs it only at
    those words: three capitalized pairs in four are no given name and a surname."""
    return re.compile(
        rf"(?<![\w'’.-]){trie_alternation(names)}(?= (?:[A-Z]\. )?{SURNAME}(?![\w'’-]))"
    )


def trie_alternation(words: Iterable[str]) -> str:
    """One regex group matching exactly ``words``, their common prefixes factored out
    ("Ann", "Anna", "Anne": ``(?:Ann(?:a|e)?)``). ``re`` tries the branches of a flat
    alternation one after another: over the 5,000 given names that was 45 times slower than
    this trie (0.4 against 18 ms on a 20 kB text). Written here rather than taken from a
    package: the one on the registry (trieregex) has had one release (1.0.0, June 2020),
    and this is twenty lines."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def group(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + group(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return f"(?:{group(trie)})" if trie else "(?!)"


GIVEN_NAME_PAIR = re.compile(rf"[A-Z][a-z]+ (?:[A-Z]\. )?{SURNAME}")
# A name before words told to the press: "Jane Doe told reporters".
TOLD_NAME = re.compile(
    rf"(?<![\w-])(?P<name>{NAME})\s+told\s+(?:reporters|journalists|the press|a news conference)\b"
)
# Reported words before a name with its role: "said Jane Doe, who heads", "said Jane Doe, a".
SAID_NAME = re.compile(
    rf"\b(?:said|says|according to)\s+(?P<name>{NAME}),\s+(?:who|whose|a|an|the)\b"
)
# Wire credit lines: "Reporting by David Brunnstrom; Editing by Susan Heavey".
CREDIT = re.compile(
    r"\b(?:[Rr]eporting|[Ww]riting|[Aa]dditional\s+reporting|[Cc]ompiled)\s+by\s+"
    rf"(?P<name>{NAME})\b"
)
# The editors of wire copy: persons named, not its authors ("Editing by Jane Doe").
EDITING = re.compile(rf"\b[Ee]diting\s+by\s+(?P<name>{NAME})\b")
PHOTO_CREDIT = re.compile(
    rf"\b(?:[Pp]hoto|PHOTO|[Pp]icture|[Ii]mage)s?(?:\s+(?:by|courtesy\s+of)|:)\s+(?P<name>{NAME})\b"
)
# A capitalized word after a surname: the surname is part of a longer name.
CAP_AFTER = re.compile(r"\s+[A-Z][a-z]")
# A Korean given name as news style writes it: "In-bee", "Jae-myung", "Yoon-Woo".
KOREAN_GIVEN = re.compile(r"[A-Z][a-z]+-(?:[a-z]+|[A-Z][a-z]{1,5})")


def _any(pieces: tuple[str, ...]) -> str:
    return "|".join(pieces)


class PersonPatterns:
    """The lexicon's words in their shapes: the patterns ``ActorMatcher`` runs."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # Titles before a name, with any words before them: "Deputy Prime Minister".
        self.titles = f"(?:{_any(lexicon.title_modifiers)})*(?:{_any(lexicon.titles)})"
        # One word that is a title by itself ("Analyst", "General"): not part of a name.
        self.title_word = re.compile(f"(?:{_any(lexicon.titles)})")
        self.title_name = re.compile(
            rf"(?<![\w-]){self.titles}\s+(?:of\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*\s+)?"
            rf"(?P<name>{NAME})\b"
        )
        role_nouns = _any(lexicon.role_nouns)
        # A name, then its role set off by a comma: "X, the defense minister".
        self.apposition = re.compile(
            rf"(?<![\w-])(?P<name>{NAME}),\s+(?:the|a|an|who|then|his|her|their|its|[A-Z][\w.-]*'s)\s+(?:[\w.'-]+\s+){{0,5}}?"
            rf"(?:{role_nouns}|{_any(lexicon.roles_after_name)})\b"
        )
        # The role first, the name set off by commas: "His counterpart, James DeHart, said".
        self.role_apposition = re.compile(
            rf"\b(?:{role_nouns}|{_any(lexicon.roles_before_name)}),\s+(?P<name>{NAME}),\s"
        )
        # Words around an ambiguous state's name that show the country is meant.
        self.country_before = re.compile(
            rf"(?:\b(?:{_any(lexicon.country_cues_before)})\s+(?:of|in|with|to)"
            r"(?:\s+the)?|\bformer Soviet (?:republic|state) of)\s+$"
        )
        self.country_after = re.compile(rf"(?:'s|’s)\s+(?:{_any(lexicon.country_cues_after)})\b")
        # "the North" after North Korea; the word before ("the ") is checked after the match.
        self.the_north = re.compile(rf"North\b(?!\s+(?:{_any(lexicon.north_not_before)}))")
        # Hyphenated words that look like a Korean given name before a surname ("Ex-president").
        self.not_a_given_name = re.compile(rf"(?:{_any(lexicon.not_a_given_name)})-")
        # A byline at the start of a line; its name may be glued to the next word when the
        # page's markup was stripped ("By Jane DoeCorrespondent").
        self.byline = re.compile(
            rf"^[ \t•·*-]*(?:{_any(lexicon.byline_leads)})\s+(?P<name>{NAME})(?:\b|(?=[A-Z][a-z]{{3}}))",
            re.M,
        )
        agencies = _any(lexicon.photo_agencies)
        # Photo credits: the photographer before or after the agency, with a slash or a bar.
        self.credit_before_agency = re.compile(
            rf"(?<![\w-])(?P<name>{NAME})\s?[/|]\s?(?:{agencies})(?![\w-])"
        )
        self.credit_after_agency = re.compile(rf"(?<![\w-])(?:{agencies})\s?/\s?(?P<name>{NAME})\b")

    def role_words(self, title: str) -> tuple[str, ...]:
        """Words of the gazetteer role that ``title`` names: those of the first key it ends with."""
        return next((v for k, v in self.lexicon.role_words.items() if title.endswith(k)), ())
