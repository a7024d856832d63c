"""Actor extraction: states, people and organizations with offsets and how each was resolved."""

import bisect
import functools
import re
import string
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from transforms import engine
from transforms.reference import Gazetteer, Person

# Resolution labels recorded on every actor mention.
R_NAME = "gazetteer_name"
R_ALIAS = "gazetteer_alias"
R_DEMONYM = "demonym"
R_CAPITAL = "capital_metonym"
R_BODY = "government_body"
R_ORG = "organization_name"
R_COREF = "surname_coreference"
R_LEADER = "leader_surname_context"
R_TITLE_SURNAME = "title_surname"
R_SURNAME = "distinctive_surname"
R_SITTING = "sitting_leader_surname"
R_TITLE_NAME = "title_name_pattern"
R_APPOSITION = "apposition_pattern"
R_NAME_AGE = "name_age_pattern"
R_BYLINE = "byline"
R_PHOTO = "photo_credit"
R_OF_STATE = "name_of_state_pattern"
R_KOREAN_NAME = "korean_name_pattern"
R_NORTH = "north_after_north_korea"
R_KOREAS = "two_koreas"

TITLES = (
    r"(?:Deputy |Vice |Assistant |Under |Acting |Former |former |then-|Prime |Foreign |Defense |Defence |"
    r"Unification |Finance |Trade |Chief |Special |Senior |First |National Security )*"
    r"(?:President|Presidents|Premier|Chancellor|Minister|Secretary(?: of State| of Defense| General)?|"
    r"Secretary-General|Ambassador|Envoy|Representative|Adviser|Advisor|Spokesman|Spokeswoman|"
    r"Spokesperson|Gen\.|General|Lt\. Gen\.|Maj\. Gen\.|Brig\. Gen\.|Adm\.|Admiral|Col\.|Colonel|"
    r"Sen\.|Senator|Rep\.|Gov\.|Governor|Mayor|Chairman|Chairwoman|Commander|Director|Professor|"
    r"Prof\.|Dr\.|Mr\.|Mrs\.|Ms\.|Rep\.|King|Queen|Emperor|Crown Prince|Justice|Judge|"
    r"Pentagon [Cc]hief|[Dd]efense [Cc]hief|[Tt]op [Dd]iplomat|[Nn]uclear [Ee]nvoy|[Ss]py [Cc]hief|"
    # "false titles" of news style: "coach Hong Myung-bo", "chief negotiator Jeong Eun-bo"
    r"[Cc]oach|[Mm]anager|[Cc]aptain|Capt\.|[Ss]triker|[Cc]hief [Nn]egotiator|[Nn]egotiator|"
    r"[Aa]ctivist|[Dd]efector|[Ll]awmaker|[Aa]nalyst|[Rr]esearcher|[Ee]conomist|CEO|[Ff]ounder|"
    r"Sgt\.|Sergeant|Lt\.|Lieutenant|Pvt\.|Private First Class|"
    r"(?:Majority |Minority |Supreme |Opposition |Floor )?Leader|Speaker|[Cc]hief [Ee]xecutive|"
    r"uncle|aunt|sister|brother|wife|husband|daughter|son|father|mother|widow|"
    # lower-case titles after an office or body: "ministry spokesman Wang Wenbin", "national
    # security adviser Chang Ho-jin", "jury president X", "veteran diplomat Sung Kim"
    r"spokes(?:man|woman|person)|(?:security )?advis[eo]r|director|president|envoy|ambassador|"
    r"minister|secretary|chairman|chairwoman|diplomat|official|commissioner|"
    # party labels: "Democrats Raphael Warnock and Jon Ossoff", "Republican Sen."
    r"Democrats?|Republicans?|Senators|Representatives|Congressmen|Congresswoman|Congressman)"
)
NAME = r"[A-Z][a-z]+(?:[-'][A-Za-z]+)?(?: [A-Z]\.)?(?: (?:[A-Z][a-z]+(?:-[a-z]+)?|[A-Z][a-z]*[A-Z][a-z]+)){1,2}"  # one line
TITLE_NAME = re.compile(
    rf"(?<![\w-]){TITLES}\s+(?:of\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*\s+)?(?P<name>{NAME})\b"
)
# Role nouns next to a name set off by commas, after it ("X, the defense minister") or before
# it ("his counterpart, X, said"); each pattern adds its own.
ROLE_NOUNS = (
    r"minister|secretary|ambassador|adviser|advisor|director|professor|analyst|commander|chief|"
    r"official|president|spokes(?:man|woman|person)|envoy|researcher|fellow|head|chairman|leader|"
    r"deputy|lawmaker|senator|diplomat|expert|negotiator|coach|captain|manager|founder|executive|"
    r"counterpart"
)
APPOSITION = re.compile(
    rf"(?<![\w-])(?P<name>{NAME}),\s+(?:the|a|an|who|then|his|her|their|its|[A-Z][\w.-]*'s)\s+(?:[\w.'-]+\s+){{0,5}}?"
    rf"(?:{ROLE_NOUNS}|nominee|general|admiral|scholar|editor|columnist|correspondent|reporter|"
    r"author|premier|governor|activist|defector|economist|representative|mayor)\b"
)
# The role first, the name set off by commas: "His counterpart, James DeHart, said".
ROLE_APPOSITION = re.compile(
    rf"\b(?:{ROLE_NOUNS}|aide|colleague|predecessor|successor|champion|winner|runner-up|teammate|"
    rf"rival|opponent|partner|owner|CEO|friend|wife|husband),\s+(?P<name>{NAME}),\s"
)
# A person with their age set off by commas, then who they are or what they said:
# "said Maria Lopez, 24, who flew in", "Jane Roe, 61, a retired teacher" (not "Ohio, 9, and").
NAME_AGE = re.compile(
    rf"(?<![\w-])(?P<name>{NAME}),\s+\d{{1,3}},\s+(?:said|says|told|who|whose|a|an|the|from)\b"
)
# Words around an ambiguous state name that show the country is meant.
COUNTRY_BEFORE = re.compile(
    r"(?:\b(?:[Rr]epublic|[Kk]ingdom|country|nation|state|president|[Pp]rime [Mm]inister|king|"
    r"government|people|invasion|war|border|embassy|ambassador|troops|forces)\s+(?:of|in|with|to)"
    r"(?:\s+the)?|\bformer Soviet (?:republic|state) of)\s+$"
)
COUNTRY_AFTER = re.compile(
    r"(?:'s|’s)\s+(?:president|prime minister|government|foreign|defen[cs]e|army|military|"
    r"parliament|capital|king|economy|border|breakaway)\b"
)
# "the North" after North Korea, "the two Koreas". Both start with their literal, so re
# finds them with a fast scan; the word before ("the ", a word boundary) is checked after.
THE_NORTH = re.compile(
    r"North\b(?!\s+(?:Korea|America|Atlantic|Pole|Sea|Star|Face|Carolina|Dakota|Macedonia))"
)
TWO_KOREAS = re.compile(r"two Koreas\b")
# More names after a plural title: "Democrats Raphael Warnock and Jon Ossoff".
AND_NAME = re.compile(rf",?\s+and\s+(?P<name>{NAME})\b")
BYLINE = re.compile(rf"^By\s+(?P<name>{NAME})\b", re.M)
# Wire credit lines: "Reporting by David Brunnstrom; Editing by Susan Heavey".
CREDIT = re.compile(
    r"\b(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Aa]dditional\s+reporting|[Cc]ompiled)\s+by\s+"
    rf"(?P<name>{NAME})\b"
)
PHOTO_CREDIT = re.compile(
    rf"\b(?:[Pp]hoto|[Pp]icture|[Ii]mage)s?\s+(?:by|courtesy\s+of)\s+(?P<name>{NAME})\b"
)
# Words that make "X Y of Japan" an office or a body rather than a person.
NOT_A_PERSON = frozenset(
    "President Presidents Minister Ministers Prime Secretary Ambassador Foreign Defense Defence "
    "Finance Trade Republic Kingdom Bank University Embassy Government Consul General Chief "
    "Vice Deputy Envoy Crown Prince King Queen Emperor Speaker Leader Chairman Governor Mayor "
    "Affairs Security National Central Institute Center Centre Association Federation Union "
    "Church League Team Coach Chamber Commerce Council Court Supreme Academy College School "
    "Museum Foundation Society Corporation Company Group Bureau Service Office Agency".split()
)
NAME_STOPWORDS = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "Those",
        "His",
        "Her",
        "Its",
        "Their",
        "Our",
        "After",
        "Before",
        "During",
        "When",
        "While",
        "Since",
        "As",
        "In",
        "On",
        "At",
        "For",
        "From",
        "With",
        "Without",
        "Under",
        "Over",
        "Between",
        "Among",
        "Korea",
        "Korean",
        "Koreas",
        "North",
        "South",
        "East",
        "West",
        "United",
        "States",
        "Nations",
        "American",
        "Japanese",
        "Chinese",
        "Russian",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Forces",
        "Command",
        "Department",
        "Ministry",
        "House",
        "Office",
        "Council",
        "Agency",
        "Party",
        "Army",
        "Navy",
        "Air",
        "Force",
        "Marine",
        "Corps",
        "Peninsula",
        "Alliance",
        "Treaty",
        "Agreement",
        "Declaration",
        "Strait",
        "Sea",
        "Ocean",
        "Asia",
        "Pacific",
        "Europe",
        "Affairs",
        "Policy",
        "Defense",
        "Defence",
        "Security",
        "Foreign",
        "National",
        "State",
        "Minister",
        "Secretary",
        "President",
        "Prime",
        "Administration",
        "Government",
        "Summit",
        "Talks",
        "Group",
        "Institute",
        "University",
        "Center",
    ]
)
_CAP_AFTER = re.compile(r"\s+[A-Z][a-z]")
KOREAN_GIVEN = re.compile(r"[A-Z][a-z]+-[a-z]+")
# Hyphenated words that look like a Korean given name before a surname ("Ex-president Park").
NOT_A_GIVEN_NAME = re.compile(
    r"(?:Ex|Then|Anti|Pro|Non|Co|Vice|Post|Pre|Mid|Re|Semi|Self|Inter|Sub|Well|All|Half)-"
)
# Common Korean surnames in their usual romanizations (a hyphenated given name must follow
# or precede one of them for an unknown name to be taken as Korean).
KOREAN_SURNAMES = frozenset(
    "Kim Gim Lee Yi Rhee Ri Park Pak Bak Choi Choe Jung Jeong Chung Cheong Kang Gang Cho Jo "
    "Yoon Yun Jang Chang Lim Im Rim Han Oh Seo Suh Shin Sin Kwon Gwon Hwang Ahn An Song Jeon "
    "Chun Jun Hong Yoo Yu Ryu Ryoo Lyu Ko Go Moon Mun Yang Son Sohn Bae Pae Baek Paik Paek Heo "
    "Huh Hur Nam Noh Roh Ro Ha Kwak Sung Seong Cha Joo Ju Choo Chu Woo Koo Ku Gu Min Na Ra "
    "Jin Ji Um Eom Chae Won Bang Pang Kong Gong Hyun Hyeon Byun Byeon Yeom Yeo Seok Sun Sul "
    "Ma Gil Wi Pyo Myung Ki Ban Geum Ok Yuk Maeng Je Mo Tak Bong Kook Guk Yeon Ham Hahm "
    "Jegal Namgoong Sunwoo Hwangbo".split()
)
# A bare surname this common names too many people to stand for the sitting leader.
COMMON_KOREAN_SURNAMES = frozenset(
    "Kim Lee Yi Park Choi Choe Jung Jeong Chung Kang Cho Jo Jang Chang Lim Han Oh Seo Shin Kwon "
    "Hwang Ahn Song Yoo Yu Ko Moon Son Yang Bae Baek Heo Nam Ri".split()
)
_ROLE_WORDS = {
    "Pentagon chief": ("Secretary of Defense",),
    "Pentagon Chief": ("Secretary of Defense",),
    "efense chief": ("Secretary of Defense", "Defense Minister"),
    "op diplomat": ("Secretary of State", "Foreign Minister"),
    "uclear envoy": ("Special", "Envoy"),
    "President": ("President",),
    "Presidents": ("President",),
    "Prime Minister": ("Prime Minister",),
    "Premier": ("Premier", "Prime Minister"),
    "Secretary": ("Secretary",),
    "Minister": ("Minister",),
    "Ambassador": ("Ambassador",),
    "Gen.": ("Commander",),
    "General": ("Commander",),
    "Adm.": ("Commander",),
}


class ActorMention(NamedTuple):
    """One reference to an actor in the normalized text."""

    sentence_index: int
    start: int
    end: int
    matched_text: str
    actor_id: str
    actor_name: str
    actor_type: str
    country_code: str | None
    role: str | None
    resolution: str
    in_gazetteer: bool


class _Candidate(NamedTuple):
    start: int
    end: int
    priority: int
    actor_id: str
    actor_type: str
    resolution: str
    role: str | None = None
    name: str | None = None
    country: str | None = None
    in_gazetteer: bool = True


def _occurrences(text: str, literals: Iterable[str]) -> Iterator[tuple[int, int, str]]:
    """Every occurrence of each literal (overlaps included), by ``str.find``: for a few literals."""
    for literal in literals:
        i = text.find(literal)
        while i >= 0:
            yield i, i + len(literal), literal
            i = text.find(literal, i + 1)


def _leftmost_longest(
    text: str, hits: Iterable[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """From all occurrences of some literals, what ``_boundary_regex`` of them finds: whole
    words only, leftmost first, the longest at each start, non-overlapping."""
    found: list[tuple[int, int, str]] = []
    last_end = 0
    for start, stop, literal in sorted(hits, key=lambda h: (h[0], -h[1])):
        if (
            start < last_end
            or (start and (_is_word_char(text[start - 1]) or text[start - 1] == "."))
            or (stop < len(text) and _is_word_char(text[stop]))
        ):
            continue
        found.append((start, stop, literal))
        last_end = stop
    return found


@functools.lru_cache(maxsize=4096)
def _boundary_regex(surfaces: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(set(surfaces), key=lambda s: (-len(s), s))
    alternation = "|".join(re.escape(s) for s in ordered)
    return re.compile(rf"(?<![\w.])(?:{alternation})(?!\w)")


def person_id_for_unknown(name: str) -> str:
    """Stable actor id for a person the gazetteer does not know."""
    return "X_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


class ActorMatcher:
    """Gazetteer compiled for fast matching; build once per run, share across batches."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.surfaces: dict[str, list[tuple[str, str, str, int]]] = {}
        for p in gazetteer.people.values():
            self._add(p.name, "person", p.person_id, R_NAME, 3)
            for alias in p.aliases:
                self._add(alias, "person", p.person_id, R_ALIAS, 3)
        for o in gazetteer.organizations.values():
            for surface in (o.name, *o.aliases):
                self._add(surface, "organization", o.org_id, R_ORG, 2)
        for s in gazetteer.states.values():
            for surface in (s.name, *s.aliases):
                self._add(surface, "state", s.iso3, R_NAME if surface == s.name else R_ALIAS, 1)
            for surface in s.demonyms:
                self._add(surface, "state", s.iso3, R_DEMONYM, 1)
            for surface in s.capitals:
                self._add(surface, "state", s.iso3, R_CAPITAL, 1)
            for surface in s.bodies:
                self._add(surface, "state", s.iso3, R_BODY, 1)
        # Surfaces that start with a word character (a match must start a word).
        self.surface_finder = engine.compile_literals(
            [s for s in self.surfaces if _is_word_char(s[0])]
        )
        self.by_surname: dict[str, list[Person]] = {}
        for p in gazetteer.people.values():
            self.by_surname.setdefault(p.surname, []).append(p)
        self.alone_surnames = {p.surname for p in gazetteer.people.values() if p.surname_alone}
        self.surname_finder = engine.compile_literals(sorted(self.by_surname))
        leaders = sorted(
            {p.surname for p in gazetteer.people.values() if p.leader}, key=len, reverse=True
        )
        lead = "|".join(re.escape(s) for s in leaders)
        self.leader_context = re.compile(
            rf"(?<![\w-])(?P<a>{lead})(?:\s*(?:-|and|&)\s*(?P<b>{lead}))?(?:'s)?\s+"
            r"(?:administrations?|governments?|team|era|period|presidency|years|White House|cabinet|"
            r"doctrine|summit|talks|meeting)\b"
        )
        all_surnames = sorted(self.by_surname, key=len, reverse=True)
        self.title_surname = re.compile(
            rf"(?<![\w-])(?P<title>{TITLES})\s+(?P<s>{'|'.join(re.escape(s) for s in all_surnames)})(?![\w-])"
        )
        # "Kim Yuna of South Korea", "Lydia Ko of New Zealand": a name, then its country.
        state_names = sorted(
            {n for s in gazetteer.states.values() for n in (s.name, *s.aliases) if n[:1].isupper()},
            key=len,
            reverse=True,
        )
        of_state = rf"of\s+(?:the\s+)?(?:{'|'.join(re.escape(n) for n in state_names)})(?![\w-])"
        self.name_of_state = re.compile(rf"(?<![\w-])(?P<name>{NAME})\s+{of_state}")
        # Korean names in news style: surname + hyphenated given name ("Park In-bee"), or the
        # given name first ("Min-jun Park"), with the common Korean surnames and those of the
        # Koreans the gazetteer knows.
        korean_surnames = sorted(
            KOREAN_SURNAMES
            | {p.surname for p in gazetteer.people.values() if p.country in ("KOR", "PRK")},
            key=len,
            reverse=True,
        )
        surnames = "|".join(re.escape(k) for k in korean_surnames)
        # Surname first ("Park In-bee") or given name first ("Min-jun Park"; hyphenated words
        # that are no names are dropped after the match, see NOT_A_GIVEN_NAME).
        self.korean_name = re.compile(
            rf"(?<![\w-])(?P<name>(?:{surnames}) {KOREAN_GIVEN.pattern})(?![\w-])"
        )
        self.korean_name_given_first = re.compile(
            rf"\b(?P<name>[{string.ascii_uppercase}][a-z]{{0,5}}-[a-z]{{1,6}} (?:{surnames}))(?![\w-])"
        )
        self.ambiguous = {s.iso3 for s in gazetteer.states.values() if s.ambiguous}
        # Every pattern extraction runs over a whole text: what the engine compiles.
        self.patterns = [
            self.leader_context,
            self.title_surname,
            TITLE_NAME,
            APPOSITION,
            ROLE_APPOSITION,
            NAME_AGE,
            BYLINE,
            CREDIT,
            PHOTO_CREDIT,
            self.name_of_state,
            self.korean_name,
            self.korean_name_given_first,
            *(t for _, t in gazetteer.traps),
        ]
        self.matcher = engine.compile_matcher(self.patterns)
        self._sitting: dict[int | None, dict[str, str]] = {}

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """The surfaces as one alternation regex: the reference `_surface_matches` must agree
        with (tests compare them); built only on demand, never on the hot path."""
        return _boundary_regex(tuple(self.surfaces))

    def _surface_matches(self, text: str) -> list[tuple[int, int, str]]:
        """Gazetteer surfaces in ``text``, leftmost-longest and non-overlapping (as the alternation
        regex ``pattern`` would find them)."""
        literals = self.surface_finder.literals
        hits = self.surface_finder.occurrences(text)
        return _leftmost_longest(text, ((a, b, literals[i]) for a, b, i in hits))

    def _add(self, surface: str, kind: str, actor_id: str, resolution: str, priority: int) -> None:
        surface = surface.strip()
        if surface.lower().startswith("the "):
            surface = surface[4:]
        if len(surface) < 2:
            return
        entries = self.surfaces.setdefault(surface, [])
        if not any(e[1] == actor_id for e in entries):
            entries.append((kind, actor_id, resolution, priority))

    # -- resolution helpers -------------------------------------------------

    def _leader_for(self, surname: str, year: int | None, named_id: str | None) -> Person | None:
        """The person a leader's surname means: the one of that surname named before
        (``named_id``), else the leader in office in ``year``, else the latest leader."""
        if named_id is not None:
            return self.gazetteer.people.get(named_id)
        leaders = [p for p in self.by_surname.get(surname, []) if p.leader]
        if not leaders:
            return None
        if year is not None:
            eligible = [p for p in leaders if p.first_year <= year] or leaders
            active = [p for p in eligible if any(r.active(year) for r in p.roles)]
            pool = active or eligible
        else:
            pool = leaders
        return max(pool, key=lambda p: p.first_year)

    def extract(
        self,
        text: str,
        sentences: Sequence[tuple[int, int]],
        year: int | None,
        scan: engine.Scan | None = None,
    ) -> list[ActorMention]:
        """All actor mentions in ``text``; ``year`` (publication year) helps resolve surnames.

        ``scan`` is the text's scan by a matcher that compiled ``patterns`` (the pipeline
        shares one with issue extraction); without it one is made.
        """
        gaz = self.gazetteer
        find = (scan or self.matcher.scan(text)).matches

        cands: list[_Candidate] = []
        traps = [(m.start(), m.end()) for _, t in gaz.traps for m in find(t)]

        for m_start, m_end, surface in self._surface_matches(text):
            for kind, actor_id, resolution, priority in self.surfaces[surface]:
                if kind == "state" and _inside(traps, m_start, m_end):
                    continue
                if (
                    kind == "state"
                    and actor_id in self.ambiguous
                    and _next_to_name(text, m_start, m_end)
                ):
                    continue
                cands.append(_Candidate(m_start, m_end, priority, actor_id, kind, resolution))

        # Unknown people from title + name, apposition and byline patterns.
        for regex, resolution in (
            (TITLE_NAME, R_TITLE_NAME),
            (APPOSITION, R_APPOSITION),
            (ROLE_APPOSITION, R_APPOSITION),
            (NAME_AGE, R_NAME_AGE),
            (BYLINE, R_BYLINE),
            (CREDIT, R_BYLINE),
            (PHOTO_CREDIT, R_PHOTO),
            (self.name_of_state, R_OF_STATE),
            (self.korean_name, R_KOREAN_NAME),
            (self.korean_name_given_first, R_KOREAN_NAME),
        ):
            for m in find(regex):
                s, e = m.span("name")
                title = m.group(0)[: s - m.start()].strip() if resolution == R_TITLE_NAME else None
                spans = [(s, e)]
                # "Senators X and Y", "By X and Y", "Reporting by X and Y"
                if resolution == R_BYLINE or (title and title.endswith("s")):
                    more = AND_NAME.match(text, e)
                    if more:
                        spans.append(more.span("name"))
                for s, e in spans:
                    name = text[s:e]
                    tokens = name.split()
                    if (
                        any(tok in NAME_STOPWORDS for tok in tokens)
                        or NOT_A_GIVEN_NAME.match(name)
                        or name in self.surfaces
                        or (resolution == R_OF_STATE and any(t in NOT_A_PERSON for t in tokens))
                    ):
                        continue
                    cands.append(
                        _Candidate(
                            s,
                            e,
                            0,
                            person_id_for_unknown(name),
                            "person",
                            resolution,
                            role=title,
                            name=name,
                            in_gazetteer=False,
                        )
                    )

        chosen = _select(cands)
        # Persons named in full so far, by surname, in text order.
        named = _NamedBefore(
            (c.start, _surname_of(self, c), c.actor_id) for c in chosen if c.actor_type == "person"
        )
        extra: list[_Candidate] = []

        for m in find(self.leader_context):
            for group in ("a", "b"):
                if m.group(group):
                    surname = m.group(group)
                    person = self._leader_for(surname, year, named.person(surname, m.start(group)))
                    if person:
                        extra.append(
                            _Candidate(
                                m.start(group),
                                m.end(group),
                                3,
                                person.person_id,
                                "person",
                                R_LEADER,
                            )
                        )
        for m in find(self.title_surname):
            surname = m.group("s")
            named_id = named.person(surname, m.start("s"))
            person = self.gazetteer.people.get(named_id) if named_id is not None else None
            if person is None:
                person = self._titled(surname, m.group("title"), year)
            if person:
                extra.append(
                    _Candidate(
                        m.start("s"), m.end("s"), 3, person.person_id, "person", R_TITLE_SURNAME
                    )
                )
        chosen = _select_more(chosen, extra)

        # Bare surnames: coreference to a person named earlier, or a distinctive surname.
        surname_index: dict[str, str] = {}
        unknown: dict[str, _Candidate] = {}  # first mention of each person not in the gazetteer
        for c in chosen:
            if c.actor_type == "person":
                surname_index.setdefault(_surname_of(self, c), c.actor_id)
                if not c.in_gazetteer:
                    unknown.setdefault(c.actor_id, c)
        sitting = self._sitting_leaders(year)
        bare = set(surname_index) | self.alone_surnames | set(sitting)
        if bare:
            # Gazetteer surnames by the engine; surnames of unknown people by str.find.
            surnames = self.surname_finder.literals
            hits = [
                (a, b, lit)
                for a, b, i in self.surname_finder.occurrences(text)
                if (lit := surnames[i]) in bare
            ]
            hits += _occurrences(text, bare - self.by_surname.keys())
            for start, end, surname in _leftmost_longest(text, hits):
                named_id = named.person(surname, start)
                if named_id is not None:
                    extra.append(_coref(unknown.get(named_id), start, end, named_id))
                    continue
                if surname in surname_index and named.names(surname_index[surname], start):
                    continue
                if _CAP_AFTER.match(text, end):
                    continue  # part of a longer name we do not know
                solo = [p for p in self.by_surname.get(surname, []) if p.surname_alone]
                if len(solo) == 1:
                    extra.append(_Candidate(start, end, 1, solo[0].person_id, "person", R_SURNAME))
                elif surname in sitting:
                    extra.append(_Candidate(start, end, 1, sitting[surname], "person", R_SITTING))

        # "the North" after North Korea; "the two Koreas".
        prk_first = min((c.start for c in chosen if c.actor_id == "PRK"), default=None)
        if prk_first is not None and "PRK" in gaz.states:
            for m in THE_NORTH.finditer(text, prk_first + 1):
                if text.endswith("the ", 0, m.start()):
                    extra.append(_Candidate(m.start(), m.end(), 1, "PRK", "state", R_NORTH))
        for m in TWO_KOREAS.finditer(text):
            if m.start() and _is_word_char(text[m.start() - 1]):
                continue
            s = m.start() + 4
            for iso in ("KOR", "PRK"):
                if iso in gaz.states:
                    extra.append(_Candidate(s, m.end(), 1, iso, "state", R_KOREAS))
        chosen = _select_more(chosen, extra, allow_same_span=True)
        starts = [s for s, _ in sentences]
        chosen = self._drop_uncued_ambiguous(text, starts, chosen)
        return [self._mention(text, starts, c, year) for c in chosen]

    def _drop_uncued_ambiguous(
        self, text: str, starts: Sequence[int], chosen: list[_Candidate]
    ) -> list[_Candidate]:
        """Keep the name of an ambiguous state ("Georgia", "Jordan", "Chad") only when the
        article shows the country is meant: its demonym, capital or a government body somewhere,
        another country named in the same sentence, or a country phrase around it ("Republic
        of Georgia", "Georgia's president"). "a road trip to Georgia" is not the country."""
        ambiguous = [
            c
            for c in chosen
            if c.actor_type == "state"
            and c.actor_id in self.ambiguous
            and c.resolution in (R_NAME, R_ALIAS)
        ]
        if not ambiguous:
            return chosen
        cued_anywhere = {
            c.actor_id
            for c in chosen
            if c.actor_type == "state" and c.resolution in (R_DEMONYM, R_CAPITAL, R_BODY)
        }
        countries_by_sentence: dict[int, set[str]] = {}
        for c in chosen:
            if c.actor_type == "state" and c.actor_id not in self.ambiguous:
                countries_by_sentence.setdefault(sentence_of(starts, c.start), set()).add(
                    c.actor_id
                )
        dropped = set()
        for c in ambiguous:
            if (
                c.actor_id in cued_anywhere
                or countries_by_sentence.get(sentence_of(starts, c.start))
                or COUNTRY_BEFORE.search(text, max(0, c.start - 40), c.start)
                or COUNTRY_AFTER.match(text, c.end)
            ):
                continue
            dropped.add(c)
        return [c for c in chosen if c not in dropped]

    def _sitting_leaders(self, year: int | None) -> dict[str, str]:
        """Surname -> leader in office in ``year``, when no other known person of that
        surname held office then and the surname is not a very common Korean one."""
        if year is None:
            return {}
        if year in self._sitting:
            return self._sitting[year]
        out = {}
        for surname, people in self.by_surname.items():
            if surname in COMMON_KOREAN_SURNAMES:
                continue
            active = [p for p in people if any(r.active(year) for r in p.roles)]
            if len(active) == 1 and active[0].leader:
                out[surname] = active[0].person_id
        self._sitting[year] = out
        return out

    def _titled(self, surname: str, title: str, year: int | None) -> Person | None:
        people = self.by_surname.get(surname, [])
        words = next((v for k, v in _ROLE_WORDS.items() if title.endswith(k)), ())
        fitting = [
            p
            for p in people
            if any(any(w in r.title for w in words) and r.active(year) for r in p.roles)
        ]
        if len(fitting) == 1:
            return fitting[0]
        if (
            len(people) == 1
            and (year is None or any(r.active(year) for r in people[0].roles))
            and words
        ):
            return people[0]
        return None

    def _mention(
        self, text: str, starts: Sequence[int], c: _Candidate, year: int | None
    ) -> ActorMention:
        gaz = self.gazetteer
        sentence_index = sentence_of(starts, c.start)
        if c.actor_type == "person" and c.in_gazetteer:
            p = gaz.people[c.actor_id]
            return ActorMention(
                sentence_index,
                c.start,
                c.end,
                text[c.start : c.end],
                p.person_id,
                p.name,
                "person",
                p.country,
                p.role_in(year),
                c.resolution,
                True,
            )
        if c.actor_type == "person":
            return ActorMention(
                sentence_index,
                c.start,
                c.end,
                text[c.start : c.end],
                c.actor_id,
                c.name or text[c.start : c.end],
                "person",
                c.country,
                c.role,
                c.resolution,
                False,
            )
        if c.actor_type == "organization":
            o = gaz.organizations[c.actor_id]
            return ActorMention(
                sentence_index,
                c.start,
                c.end,
                text[c.start : c.end],
                o.org_id,
                o.name,
                "organization",
                o.country,
                None,
                c.resolution,
                True,
            )
        s = gaz.states[c.actor_id]
        return ActorMention(
            sentence_index,
            c.start,
            c.end,
            text[c.start : c.end],
            s.iso3,
            s.name,
            "state",
            s.iso3,
            None,
            c.resolution,
            True,
        )


def _surname_of(matcher: ActorMatcher, c: _Candidate) -> str:
    if c.in_gazetteer:
        return matcher.gazetteer.people[c.actor_id].surname
    tokens = (c.name or "").split()
    # "Hong Gil-dong": a hyphenated given name last means the family name comes first.
    if len(tokens) > 1 and KOREAN_GIVEN.fullmatch(tokens[-1]):
        return tokens[0]
    return tokens[-1] if tokens else ""


def _coref(unknown: _Candidate | None, start: int, end: int, actor_id: str) -> _Candidate:
    """A surname mention that points at the person named earlier: ``unknown``, the first
    mention of that person when the gazetteer does not know them, else a gazetteer person."""
    if unknown is not None:
        return _Candidate(
            start,
            end,
            1,
            actor_id,
            "person",
            R_COREF,
            role=unknown.role,
            name=unknown.name,
            in_gazetteer=False,
        )
    return _Candidate(start, end, 1, actor_id, "person", R_COREF)


class _NamedBefore:
    """Persons named in full in an article, by surname: whom a bare surname at a position can
    mean. A surname means a person when exactly one person of that surname was named before."""

    def __init__(self, named: Iterable[tuple[int, str, str]]) -> None:  # (start, surname, id)
        self._starts: dict[str, list[int]] = {}
        self._unique: dict[str, list[str | None]] = {}  # the one id so far, or None
        self._surnames: dict[str, set[str]] = {}
        ids: dict[str, set[str]] = {}
        for start, surname, actor_id in sorted(named):
            seen = ids.setdefault(surname, set())
            seen.add(actor_id)
            self._starts.setdefault(surname, []).append(start)
            self._unique.setdefault(surname, []).append(actor_id if len(seen) == 1 else None)
            self._surnames.setdefault(actor_id, set()).add(surname)

    def person(self, surname: str, pos: int) -> str | None:
        """The one person of ``surname`` named before ``pos``; None for nobody or several."""
        starts = self._starts.get(surname)
        if not starts:
            return None
        k = bisect.bisect_left(starts, pos)
        return self._unique[surname][k - 1] if k else None

    def names(self, actor_id: str, pos: int) -> bool:
        """Whether, before ``pos``, ``actor_id`` is the one person named of one of its surnames."""
        return any(self.person(s, pos) == actor_id for s in self._surnames.get(actor_id, ()))


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _next_to_name(text: str, start: int, end: int) -> bool:
    """A capitalized word right before or after: 'Michael Jordan', 'Chad Smith', 'Georgia Tech'."""
    after = re.match(r"\s+[A-Z][a-z]", text[end : end + 4])
    before = re.search(r"[A-Z][a-z]+\s+$", text[max(0, start - 30) : start])
    sentence_start = re.search(r"(?:^|[.!?]\s+|\n)$", text[max(0, start - 3) : start]) is not None
    return bool(after) or (bool(before) and not sentence_start)


def _select(cands: Sequence[_Candidate], allow_same_span: bool = False) -> list[_Candidate]:
    """Non-overlapping candidates: longer spans first, then higher priority (spans are never
    empty: every candidate is a match or a literal)."""
    ordered = sorted(cands, key=_selection_order)
    marks = bytearray(max((c.end for c in cands), default=0) + 1)  # 1 where a span is taken
    out: list[_Candidate] = []
    spans: set[tuple[int, int]] = set()  # the taken spans, when allow_same_span needs them
    seen: set[tuple[int, int, str]] = set()  # (start, end, id) taken where spans may repeat
    for c in ordered:
        start, end = c.start, c.end
        if marks.find(1, start, end) == -1:
            if allow_same_span:
                seen.add((start, end, c.actor_id))
                spans.add((start, end))
            marks[start:end] = b"\x01" * (end - start)
            out.append(c)
        # Taken spans never overlap, so the only overlap allowed is the identical span: the
        # other Korea of "two Koreas".
        elif allow_same_span and c.resolution == R_KOREAS and (start, end) in spans:
            key = (start, end, c.actor_id)
            if key not in seen:
                seen.add(key)
                out.append(c)
    out.sort(key=_text_order)
    return out


def _select_more(
    chosen: list[_Candidate], extra: Sequence[_Candidate], allow_same_span: bool = False
) -> list[_Candidate]:
    """``_select(chosen + extra)`` when ``chosen`` is a selection (non-overlapping, in text
    order). A chosen candidate that overlaps no extra one is kept whatever the order, and
    takes nothing another could have, so only the extra ones and the chosen they overlap are
    selected again (in their order, for the same ties)."""
    if not extra:
        return chosen
    marks = bytearray(max(c.end for c in extra) + 1)
    for e in extra:
        marks[e.start : e.end] = b"\x01" * (e.end - e.start)
    kept: list[_Candidate] = []
    contested: list[_Candidate] = []
    for c in chosen:
        if marks.find(1, c.start, c.end) == -1:
            kept.append(c)
        else:
            contested.append(c)
    contested.extend(extra)
    out = kept + _select(contested, allow_same_span)
    out.sort(key=_text_order)
    return out


def _selection_order(c: _Candidate) -> int:
    """(longer, higher priority, earlier) as one int, which sorts faster than a tuple: the
    priorities are 0-3 and the starts below 2**32, so the three parts never mix."""
    return ((c.start - c.end) << 40) - (c.priority << 32) + c.start


def _text_order(c: _Candidate) -> tuple[int, str]:
    return (c.start, c.actor_id)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def sentence_of(starts: Sequence[int], pos: int) -> int:
    """Index of the sentence (by its start offsets) containing ``pos``, else the nearest before."""
    return max(0, bisect.bisect_right(starts, pos) - 1)
