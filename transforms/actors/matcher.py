"""``ActorMatcher``: states, people and organizations in a text, with offsets and how each
was resolved (gazetteer surfaces, person patterns, surnames, leaders in office)."""

import functools
import re
import string
from collections.abc import Callable, Sequence
from typing import NamedTuple

from transforms import engine
from transforms.actors.attribution import BYLINE, Attribution
from transforms.actors.attribution import PHOTO_CREDIT as PHOTO_CREDIT_ROLE
from transforms.actors.patterns import (
    AND_NAME,
    CAP_AFTER,
    CREDIT,
    EDITING,
    GIVEN_NAME_PAIR,
    KOREAN_GIVEN,
    NAME,
    NAME_AGE,
    PHOTO_CREDIT,
    SAID_NAME,
    TOLD_NAME,
    TWO_KOREAS,
    PersonPatterns,
    given_name,
)
from transforms.actors.selection import (
    R_KOREAS,
    Candidate,
    NamedBefore,
    boundary_regex,
    inside,
    is_word_char,
    leftmost_longest,
    next_to_name,
    occurrences,
    select,
    select_more,
    sentence_of,
)
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
R_BYLINE = BYLINE  # attribution.py reads these two resolutions
R_PHOTO = PHOTO_CREDIT_ROLE
R_EDITING = "editing_credit"
R_SAID_NAME = "said_name_pattern"
R_GIVEN_NAME = "given_name_pattern"
R_OF_STATE = "name_of_state_pattern"
R_KOREAN_NAME = "korean_name_pattern"
R_NORTH = "north_after_north_korea"


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
    # author, photo_credit, speaker or mentioned (transforms/actors/attribution.py)
    mention_role: str = "mentioned"


def person_id_for_unknown(name: str) -> str:
    """Stable actor id for a person the gazetteer does not know."""
    return "X_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


class ActorMatcher:
    """Gazetteer compiled for fast matching; build once per run, share across batches."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.person = PersonPatterns(gazetteer.lexicon)
        self.attribution = Attribution(gazetteer.lexicon)
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
            [s for s in self.surfaces if is_word_char(s[0])]
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
            rf"(?<![\w-])(?P<title>{self.person.titles})\s+(?P<s>{'|'.join(re.escape(s) for s in all_surnames)})(?![\w-])"
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
            self.person.lexicon.korean_surnames
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
            rf"\b(?P<name>[{string.ascii_uppercase}][a-z]{{0,5}}-(?:[a-z]{{1,6}}|[A-Z][a-z]{{1,5}}) (?:{surnames}))(?![\w-])"
        )
        self.ambiguous = {s.iso3 for s in gazetteer.states.values() if s.ambiguous}
        lexicon = self.person.lexicon
        # A given name that is no other word we know: not an ambiguous one ("Love"), a
        # Korean surname ("Kim Jong-un" is the Korean pattern's) or a gazetteer surface.
        self.given_name = given_name(
            n
            for n in lexicon.given_names
            if n not in lexicon.given_names_ambiguous
            and n not in lexicon.korean_surnames
            and n not in self.surfaces
        )
        # Every pattern extraction runs over a whole text: what the engine compiles.
        self.patterns = [
            self.leader_context,
            self.title_surname,
            self.person.title_name,
            self.person.apposition,
            self.person.role_apposition,
            NAME_AGE,
            self.person.byline,
            CREDIT,
            EDITING,
            PHOTO_CREDIT,
            self.person.credit_before_agency,
            self.person.credit_after_agency,
            SAID_NAME,
            TOLD_NAME,
            self.given_name,
            self.name_of_state,
            self.korean_name,
            self.korean_name_given_first,
            *(t for _, t in gazetteer.traps),
            *self.attribution.patterns,
        ]
        self._sitting: dict[int | None, dict[str, str]] = {}

    @functools.cached_property
    def matcher(self) -> engine.Matcher:
        """A matcher of ``patterns`` alone, for ``extract`` without a scan; compiled on first
        use (the pipeline's matcher compiles them with the taxonomy's rules instead)."""
        return engine.compile_matcher(self.patterns)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """The surfaces as one alternation regex: the reference `_surface_matches` must agree
        with (tests compare them); built only on demand, never on the hot path."""
        return boundary_regex(tuple(self.surfaces))

    def _surface_matches(self, text: str) -> list[tuple[int, int, str]]:
        """Gazetteer surfaces in ``text``, leftmost-longest and non-overlapping (as the alternation
        regex ``pattern`` would find them)."""
        literals = self.surface_finder.literals
        hits = self.surface_finder.occurrences(text)
        return leftmost_longest(text, ((a, b, literals[i]) for a, b, i in hits))

    def _add(self, surface: str, kind: str, actor_id: str, resolution: str, priority: int) -> None:
        surface = surface.strip()
        if surface.lower().startswith("the "):
            surface = surface[4:]
        if len(surface) < 2:
            return
        entries = self.surfaces.setdefault(surface, [])
        if not any(e[1] == actor_id for e in entries):
            entries.append((kind, actor_id, resolution, priority))

    # -- unknown people -----------------------------------------------------

    def _unknown_name(
        self, text: str, start: int, end: int, resolution: str
    ) -> tuple[int, int] | None:
        """The span of the person a pattern found at ``text[start:end]``, trimmed, or None
        when the words show it is no person.

        Trimmed: titles before it ("General Mark Milley" is Mark Milley), stopwords after it
        ("Jane Doe For" before "For The Daily"), a word after a whole Korean name ("Lee
        Jong-sup Lee"). Not a person: a stopword or a gazetteer surface inside, a state's
        name first ("China Daily"), a word that ends places and works last ("People's
        Daily", a Korean surname excepted), a hyphenated prefix first ("Ex-president"), an
        office or body ("X Y of Japan"), or any name but a byline's or a credit's in a line
        set in headline case ("President Roh Backs Multilateral ..."); a Korean name's shape
        holds there too."""
        lexicon = self.person.lexicon
        while (cut := text.find(" ", start, end)) > 0 and (
            text[start:cut] in lexicon.not_a_person
            or self.person.title_word.fullmatch(text, start, cut)
        ):
            start = cut + 1
        while (cut := text.rfind(" ", start, end)) > 0 and text[cut + 1 : end] in (
            lexicon.name_stopwords
        ):
            end = cut
        tokens = text[start:end].split()
        if (
            len(tokens) == 3
            and tokens[0] in lexicon.korean_surnames
            and KOREAN_GIVEN.fullmatch(tokens[1])
        ):
            end = start + len(tokens[0]) + 1 + len(tokens[1])
            tokens = tokens[:2]
        name = text[start:end]
        if (
            len(tokens) < 2
            or any(tok in lexicon.name_stopwords for tok in tokens)
            or name in self.surfaces
            or tokens[0] in self.surfaces
            or (tokens[-1] in lexicon.not_a_surname and tokens[-1] not in lexicon.korean_surnames)
            or self.person.not_a_given_name.match(name)
            or (resolution == R_OF_STATE and any(t in lexicon.not_a_person for t in tokens))
            or (
                resolution not in (R_BYLINE, R_EDITING, R_PHOTO, R_KOREAN_NAME)
                and _headline_line(text, start, end)
            )
        ):
            return None
        return start, end

    def _given_names(
        self, text: str, find: Callable[[re.Pattern[str]], list[re.Match[str]]]
    ) -> list[Candidate]:
        """Unknown people from a given name of the lexicon and a surname: "Katie Tucker".

        Skipped when the pair is one end of a longer capitalized phrase ("Sterling Junior
        High", "USS George Washington"), in a headline-case line, or when its last word ends
        places and works (not_a_surname) or is a state's or a stopword (the first word's own
        checks are built into ``given_name``)."""
        lexicon = self.person.lexicon
        out = []
        for m in find(self.given_name):
            pair = GIVEN_NAME_PAIR.match(text, m.start())
            if pair is None:  # the lookahead saw it; kept for the type checker
                continue
            s, e = pair.span()
            name = pair.group()
            _, _, rest = name.partition(" ")
            last = rest.rpartition(" ")[2]
            if (
                last in lexicon.name_stopwords
                or last in lexicon.not_a_person
                or last in lexicon.not_a_surname
                or last in self.surfaces
                or name in self.surfaces
                or _in_capitalized_run(text, s, e, lexicon.name_stopwords)
                or _headline_line(text, s, e)
            ):
                continue
            out.append(
                Candidate(
                    s,
                    e,
                    0,
                    person_id_for_unknown(name),
                    "person",
                    R_GIVEN_NAME,
                    name=name,
                    in_gazetteer=False,
                )
            )
        return out

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

        cands: list[Candidate] = []
        traps = [(m.start(), m.end()) for _, t in gaz.traps for m in find(t)]

        for m_start, m_end, surface in self._surface_matches(text):
            for kind, actor_id, resolution, priority in self.surfaces[surface]:
                if kind == "state" and inside(traps, m_start, m_end):
                    continue
                if (
                    kind == "state"
                    and actor_id in self.ambiguous
                    and next_to_name(text, m_start, m_end)
                ):
                    continue
                cands.append(Candidate(m_start, m_end, priority, actor_id, kind, resolution))

        # Unknown people from title + name, apposition and byline patterns.
        for regex, resolution in (
            (self.person.title_name, R_TITLE_NAME),
            (self.person.apposition, R_APPOSITION),
            (self.person.role_apposition, R_APPOSITION),
            (NAME_AGE, R_NAME_AGE),
            (self.person.byline, R_BYLINE),
            (CREDIT, R_BYLINE),
            (EDITING, R_EDITING),
            (PHOTO_CREDIT, R_PHOTO),
            (self.person.credit_before_agency, R_PHOTO),
            (self.person.credit_after_agency, R_PHOTO),
            (SAID_NAME, R_SAID_NAME),
            (TOLD_NAME, R_SAID_NAME),
            (self.name_of_state, R_OF_STATE),
            (self.korean_name, R_KOREAN_NAME),
            (self.korean_name_given_first, R_KOREAN_NAME),
        ):
            for m in find(regex):
                s, e = m.span("name")
                title = m.group(0)[: s - m.start()].strip() if resolution == R_TITLE_NAME else None
                spans = [(s, e)]
                # "Senators X and Y", "By X and Y", "Reporting by X and Y"
                if resolution in (R_BYLINE, R_EDITING) or (title and title.endswith("s")):
                    more = AND_NAME.match(text, e)
                    if more:
                        spans.append(more.span("name"))
                for s, e in spans:
                    span = self._unknown_name(text, s, e, resolution)
                    if span is None:
                        continue
                    s, e = span
                    name = text[s:e]
                    cands.append(
                        Candidate(
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
        cands.extend(self._given_names(text, find))

        chosen = select(cands)
        # Persons named in full so far, by surname, in text order.
        named = NamedBefore(
            (c.start, _surname_of(self, c), c.actor_id) for c in chosen if c.actor_type == "person"
        )
        extra: list[Candidate] = []

        for m in find(self.leader_context):
            for group in ("a", "b"):
                if m.group(group):
                    surname = m.group(group)
                    person = self._leader_for(surname, year, named.person(surname, m.start(group)))
                    if person:
                        extra.append(
                            Candidate(
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
                    Candidate(
                        m.start("s"), m.end("s"), 3, person.person_id, "person", R_TITLE_SURNAME
                    )
                )
        chosen = select_more(chosen, extra)

        # Bare surnames: coreference to a person named earlier, or a distinctive surname.
        surname_index: dict[str, str] = {}
        unknown: dict[str, Candidate] = {}  # first mention of each person not in the gazetteer
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
            hits += occurrences(text, bare - self.by_surname.keys())
            for start, end, surname in leftmost_longest(text, hits):
                named_id = named.person(surname, start)
                if named_id is not None:
                    extra.append(_coref(unknown.get(named_id), start, end, named_id))
                    continue
                if surname in surname_index and named.names(surname_index[surname], start):
                    continue
                if CAP_AFTER.match(text, end):
                    continue  # part of a longer name we do not know
                solo = [p for p in self.by_surname.get(surname, []) if p.surname_alone]
                if len(solo) == 1:
                    extra.append(Candidate(start, end, 1, solo[0].person_id, "person", R_SURNAME))
                elif surname in sitting:
                    extra.append(Candidate(start, end, 1, sitting[surname], "person", R_SITTING))

        # "the North" after North Korea; "the two Koreas".
        prk_first = min((c.start for c in chosen if c.actor_id == "PRK"), default=None)
        if prk_first is not None and "PRK" in gaz.states:
            for m in self.person.the_north.finditer(text, prk_first + 1):
                if text.endswith("the ", 0, m.start()):
                    extra.append(Candidate(m.start(), m.end(), 1, "PRK", "state", R_NORTH))
        for m in TWO_KOREAS.finditer(text):
            if m.start() and is_word_char(text[m.start() - 1]):
                continue
            s = m.start() + 4
            for iso in ("KOR", "PRK"):
                if iso in gaz.states:
                    extra.append(Candidate(s, m.end(), 1, iso, "state", R_KOREAS))
        chosen = select_more(chosen, extra, allow_same_span=True)
        starts = [s for s, _ in sentences]
        chosen = self._drop_uncued_ambiguous(text, starts, chosen)
        indexes = [sentence_of(starts, c.start) for c in chosen]
        roles = self.attribution.roles(
            text,
            starts,
            [(i, c.start, c.end, c.resolution) for i, c in zip(indexes, chosen, strict=True)],
            self.attribution.cues(find),
        )
        return [
            self._mention(text, i, c, year, r)
            for i, c, r in zip(indexes, chosen, roles, strict=True)
        ]

    def _drop_uncued_ambiguous(
        self, text: str, starts: Sequence[int], chosen: list[Candidate]
    ) -> list[Candidate]:
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
                or self.person.country_before.search(text, max(0, c.start - 40), c.start)
                or self.person.country_after.match(text, c.end)
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
            if surname in self.person.lexicon.common_korean_surnames:
                continue
            active = [p for p in people if any(r.active(year) for r in p.roles)]
            if len(active) == 1 and active[0].leader:
                out[surname] = active[0].person_id
        self._sitting[year] = out
        return out

    def _titled(self, surname: str, title: str, year: int | None) -> Person | None:
        people = self.by_surname.get(surname, [])
        words = self.person.role_words(title)
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
        self, text: str, sentence_index: int, c: Candidate, year: int | None, mention_role: str
    ) -> ActorMention:
        gaz = self.gazetteer
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
                mention_role,
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
                mention_role,
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
                mention_role,
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
            mention_role,
        )


_WORD_AFTER = re.compile(r"[ \t]+([A-Z][\w'’.-]*)")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _in_capitalized_run(text: str, start: int, end: int, stopwords: frozenset[str]) -> bool:
    """Whether ``text[start:end]`` has a capitalized word (not a stopword) right before or
    after it on its line, or "the"/"USS" before it: part of a longer name or a ship's."""
    gap = start
    while gap > 0 and text[gap - 1] in " \t":
        gap -= 1
    if gap < start and gap > 0:
        word_start = max(text.rfind(c, 0, gap) for c in " \t\n") + 1
        word = text[word_start:gap]
        if word in ("the", "The", "USS", "HMS", "ROKS") or (
            word[0].isupper()
            and word[-1].isalnum()
            and not word.endswith(("'s", "’s"))
            and word not in stopwords
        ):
            return True
    after = _WORD_AFTER.match(text, end)
    return bool(after and after.group(1) not in stopwords)


def _headline_line(text: str, start: int, end: int) -> bool:
    """Whether the line around ``text[start:end]`` is set in headline case: four words or
    more, nearly all capitalized, no full stop at its end (a headline's capitals are no
    evidence of a name)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end].rstrip()
    words = _WORD.findall(line)
    if len(words) < 4 or line.endswith("."):
        return False
    return sum(1 for w in words if w[0].isupper()) >= 0.8 * len(words)


def _surname_of(matcher: ActorMatcher, c: Candidate) -> str:
    if c.in_gazetteer:
        return matcher.gazetteer.people[c.actor_id].surname
    tokens = (c.name or "").split()
    # "Hong Gil-dong": a hyphenated given name last means the family name comes first.
    if len(tokens) > 1 and KOREAN_GIVEN.fullmatch(tokens[-1]):
        return tokens[0]
    return tokens[-1] if tokens else ""


def _coref(unknown: Candidate | None, start: int, end: int, actor_id: str) -> Candidate:
    """A surname mention that points at the person named earlier: ``unknown``, the first
    mention of that person when the gazetteer does not know them, else a gazetteer person."""
    if unknown is not None:
        return Candidate(
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
    return Candidate(start, end, 1, actor_id, "person", R_COREF)
