"""Reference data (taxonomy, gazetteer, boilerplate and outlet rules) parsed into compiled form.

Everything here is built from plain mappings and rows; reading the files is the
job of ``flows.seeds``. Objects are immutable so one instance can be shared by
every batch of a run.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from transforms.calibration import Calibration
from transforms.errors import ReferenceDataError

_ACRONYM = re.compile(r"[A-Z]{2}")
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class IssueRule:
    """One way of recognising an issue: a compiled pattern plus its context conditions."""

    rule_id: str
    code: str
    pattern: re.Pattern[str]
    weight: float
    requires: tuple[re.Pattern[str], ...] = ()
    unless: tuple[re.Pattern[str], ...] = ()
    requires_actors: frozenset[str] = frozenset()
    # ``requires`` may also hold in the previous sentence ("the test", "the regime" go on
    # from a sentence that named North Korea).
    carry: bool = False

    def context_holds(
        self,
        sentence: str,
        countries: frozenset[str] | set[str],
        previous: str = "",
        previous_countries: frozenset[str] | set[str] = frozenset(),
    ) -> bool:
        """Whether ``requires`` (regex or actor) holds in the sentence (or, for a ``carry`` rule,
        in the one before it), and no ``unless`` holds in the sentence."""
        return self.context_failure(sentence, countries, previous, previous_countries) is None

    def context_failure(
        self,
        sentence: str,
        countries: frozenset[str] | set[str],
        previous: str = "",
        previous_countries: frozenset[str] | set[str] = frozenset(),
    ) -> str | None:
        """Why the context does not hold (None when it does): for ``alliance explain``."""
        if (self.requires or self.requires_actors) and not (
            self._required(sentence, countries)
            or (self.carry and self._required(previous, previous_countries))
        ):
            needed = [r.pattern for r in self.requires] + sorted(self.requires_actors)
            where = "the sentence or the one before" if self.carry else "the sentence"
            return f"requires one of {needed} in {where}"
        for u in self.unless:
            if u.search(sentence):
                return f"unless {u.pattern!r} holds in the sentence"
        return None

    def _required(self, sentence: str, countries: frozenset[str] | set[str]) -> bool:
        return any(r.search(sentence) for r in self.requires) or bool(
            self.requires_actors & countries
        )


@dataclass(frozen=True)
class IssueCode:
    """An issue code of the taxonomy with its rules and vetoes."""

    code: str
    label: str
    rules: tuple[IssueRule, ...]
    negatives: tuple[tuple[str, re.Pattern[str]], ...]


@dataclass(frozen=True)
class Taxonomy:
    """The compiled issue taxonomy."""

    version: str
    threshold: float
    relevance: re.Pattern[str]
    codes: Mapping[str, IssueCode]
    # An actor of one of these countries makes a text about Korea, as ``relevance`` does.
    relevant_countries: frozenset[str] = frozenset({"KOR", "PRK"})
    # Added to a code's salience when it is evidenced in the title.
    title_bonus: float = 0.2
    # The probability model of an assigned code (seeds/calibration.yaml); None: no probability.
    calibration: Calibration | None = None

    @property
    def labels(self) -> dict[str, str]:
        """Code -> human label."""
        return {c.code: c.label for c in self.codes.values()}

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        """Every rule's pattern: what the engine compiles for this taxonomy."""
        return [r.pattern for c in self.codes.values() for r in c.rules]


@dataclass(frozen=True)
class Role:
    """A role a person held, with the years it spans (end None = still in office)."""

    title: str
    start: int | None
    end: int | None

    def active(self, year: int | None) -> bool:
        """Whether the role was held in ``year`` (unknown year: any role counts)."""
        if year is None:
            return True
        lo = self.start if self.start is not None else -10_000
        hi = self.end if self.end is not None else 10_000
        return lo <= year <= hi


@dataclass(frozen=True)
class Person:
    """A person of the gazetteer."""

    person_id: str
    name: str
    aliases: tuple[str, ...]
    country: str
    roles: tuple[Role, ...]
    name_order: str
    surname: str
    surname_alone: bool
    leader: bool

    def role_in(self, year: int | None) -> str | None:
        """The role held in ``year``, else the latest role."""
        for role in reversed(self.roles):
            if year is not None and role.active(year):
                return role.title
        return self.roles[-1].title if self.roles else None

    @property
    def first_year(self) -> int:
        """First year of the person's earliest leader role (or any role)."""
        starts = [r.start for r in self.roles if r.start is not None]
        return min(starts) if starts else 0


@dataclass(frozen=True)
class State:
    """A state with the names that refer to it."""

    iso3: str
    name: str
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]
    bodies: tuple[str, ...]
    ambiguous: bool


@dataclass(frozen=True)
class Organization:
    """An organization with its aliases and, where it has one, its country."""

    org_id: str
    name: str
    aliases: tuple[str, ...]
    country: str | None
    kind: str


@dataclass(frozen=True)
class Gazetteer:
    """States, people, organizations and the traps that block false state matches."""

    version: str
    states: Mapping[str, State]
    people: Mapping[str, Person]
    organizations: Mapping[str, Organization]
    traps: tuple[tuple[str, re.Pattern[str]], ...]
    lexicon: "Lexicon"


@dataclass(frozen=True)
class Lexicon:
    """Words and regex pieces of actor extraction (seeds/gazetteer/lexicon.yaml); the regex
    pieces are joined into alternations in the order given."""

    title_modifiers: tuple[str, ...]
    titles: tuple[str, ...]
    role_nouns: tuple[str, ...]
    roles_after_name: tuple[str, ...]
    roles_before_name: tuple[str, ...]
    role_words: Mapping[str, tuple[str, ...]]
    name_stopwords: frozenset[str]
    not_a_person: frozenset[str]
    not_a_given_name: tuple[str, ...]
    korean_surnames: frozenset[str]
    common_korean_surnames: frozenset[str]
    country_cues_before: tuple[str, ...]
    country_cues_after: tuple[str, ...]
    north_not_before: tuple[str, ...]
    photo_agencies: tuple[str, ...] = ()
    byline_leads: tuple[str, ...] = ()
    not_a_surname: frozenset[str] = frozenset()
    given_names_ambiguous: frozenset[str] = frozenset()
    given_names: frozenset[str] = frozenset()
    speech_verbs: tuple[str, ...] = ("said",)
    speech_verbs_before: tuple[str, ...] = ("said",)
    speech_nouns: tuple[str, ...] = ("remarks",)


@dataclass(frozen=True)
class BoilerplateRule:
    """A rule that removes a web-clutter line (or a line prefix)."""

    rule_id: str
    kind: str
    pattern: re.Pattern[str] | None
    max_words: int
    after: str | None = None


@dataclass(frozen=True)
class Outlet:
    """A news outlet recognised by its domains or a signature line."""

    name: str
    domains: tuple[str, ...]
    signatures: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Reference:
    """All reference data a run needs, with the versions stamped on its rows."""

    taxonomy: Taxonomy
    gazetteer: Gazetteer
    boilerplate: tuple[BoilerplateRule, ...]
    outlets: tuple[Outlet, ...]
    versions: Mapping[str, str] = field(default_factory=dict)
    # Tokens that end with a period but do not end a sentence (seeds/sentences.yaml).
    abbreviations: frozenset[str] = frozenset()


def _split(value: str | None, sep: str = "|") -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(sep) if p.strip())


def _compile(pattern: str, where: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ReferenceDataError(f"{where}: invalid regex {pattern!r}: {exc}") from exc


def _inflect(word: str) -> str:
    """Regex for a word and its regular inflections (s, es, ed, ing, ies)."""
    lower = word.lower()
    if len(word) < 3 or not word.isalpha() or _ACRONYM.search(word):
        return re.escape(word)
    if lower.endswith("y") and lower[-2] not in "aeiou":
        return re.escape(word[:-1]) + r"(?:y|ies|ied|ying)"
    if lower.endswith("e"):
        return re.escape(word[:-1]) + r"(?:e|es|ed|ing)"
    return re.escape(word) + r"(?:s|es|ed|ing|'s)?"


def term_body(term: str) -> str:
    """Regex for a taxonomy term without boundaries: inflected words, spaces = hyphens."""
    words = re.split(r"[\s-]+", term.strip())
    return r"[\s-]+".join(_inflect(w) for w in words)


def _contexts(
    names: Iterable[str], contexts: Mapping[str, re.Pattern[str]], where: str
) -> tuple[re.Pattern[str], ...]:
    out = []
    for name in names:
        if name.startswith("actor:"):
            continue  # actor conditions are kept apart, see _actor_contexts
        if name in contexts:
            out.append(contexts[name])
        else:
            out.append(_compile(name, where, re.IGNORECASE))
    return tuple(out)


def _actor_contexts(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n.split(":", 1)[1] for n in names if n.startswith("actor:"))


def parse_taxonomy(data: Mapping[str, Any]) -> Taxonomy:
    """Build a Taxonomy from the parsed taxonomy YAML."""
    try:
        version = str(data["version"])
        issues = data["issues"]
    except (KeyError, TypeError) as exc:
        raise ReferenceDataError(f"taxonomy: missing key {exc}") from exc
    contexts = {
        name: _compile(src, f"taxonomy context {name}", re.IGNORECASE)
        for name, src in (data.get("contexts") or {}).items()
    }
    codes: dict[str, IssueCode] = {}
    seen_rules: set[str] = set()
    for code, spec in issues.items():
        rules: list[IssueRule] = []
        for raw in spec.get("rules") or []:
            rid = raw["id"]
            where = f"taxonomy {code}/{rid}"
            if rid in seen_rules:
                raise ReferenceDataError(f"{where}: duplicate rule id")
            seen_rules.add(rid)
            patterns: list[re.Pattern[str]] = []
            terms = [str(t) for t in raw.get("terms") or []]
            # One alternation per case mode: scanning the text once per rule, not per term.
            for sensitive in (False, True):
                group = [t for t in terms if bool(_ACRONYM.search(t)) == sensitive]
                if group:
                    group.sort(key=len, reverse=True)
                    # Boundaries outside the alternation: a match starts and ends a word.
                    body = "|".join(f"(?:{term_body(t)})" for t in group)
                    source = rf"(?<![\w-])(?:{body})(?![\w-])"
                    patterns.append(_compile(source, where, 0 if sensitive else re.IGNORECASE))
            if raw.get("regex"):
                flags = 0 if raw.get("case") == "sensitive" else re.IGNORECASE
                patterns.append(_compile(raw["regex"], where, flags))
            if not patterns:
                raise ReferenceDataError(f"{where}: rule has neither terms nor regex")
            requires = _contexts(raw.get("requires") or [], contexts, where)
            unless = _contexts(raw.get("unless") or [], contexts, where)
            weight = float(raw.get("weight", 1.0))
            actors = _actor_contexts(raw.get("requires") or [])
            carry = raw.get("carry", False)
            if not isinstance(carry, bool):
                raise ReferenceDataError(f"{where}: carry must be true or false")
            rules.extend(
                IssueRule(rid, code, p, weight, requires, unless, actors, carry) for p in patterns
            )
        negatives = tuple(
            (n["id"], _compile(n["regex"], f"taxonomy {code}/{n['id']}", re.IGNORECASE))
            for n in spec.get("negatives") or []
        )
        codes[code] = IssueCode(code, str(spec.get("label", code)), tuple(rules), negatives)
    relevance = _compile(data.get("relevance", r"."), "taxonomy relevance")
    countries = data.get("relevant_countries", ["KOR", "PRK"])
    if not isinstance(countries, list) or not all(
        isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c) for c in countries
    ):
        raise ReferenceDataError("taxonomy: relevant_countries must be a list of ISO3 codes")
    try:
        title_bonus = float(data.get("title_bonus", 0.2))
    except (TypeError, ValueError) as exc:
        raise ReferenceDataError(f"taxonomy: title_bonus must be a number: {exc}") from exc
    return Taxonomy(
        version,
        float(data.get("threshold", 1.0)),
        relevance,
        codes,
        frozenset(countries),
        title_bonus,
    )


def _parse_roles(value: str, where: str) -> tuple[Role, ...]:
    roles = []
    for chunk in _split(value, ";"):
        title, _, years = chunk.partition("@")
        start_s, _, end_s = years.partition("-")
        try:
            start = int(start_s) if start_s else None
            end = int(end_s) if end_s else None
        except ValueError as exc:
            raise ReferenceDataError(f"{where}: bad role years {chunk!r}") from exc
        roles.append(Role(title.strip(), start, end))
    return tuple(roles)


def _surname(name: str, order: str) -> str:
    tokens = [
        t for t in name.replace(",", " ").split() if t not in {"Jr.", "Jr", "Sr.", "III", "II"}
    ]
    return tokens[0] if order == "eastern" else tokens[-1]


def korean_name_variants(name: str) -> tuple[str, ...]:
    """Spellings of an eastern-order romanized name: hyphens, spaces, either order."""
    family, _, given = name.partition(" ")
    if not given:
        return (name,)
    parts = re.split(r"[\s-]+", given)
    forms = {
        "-".join([parts[0], *[p.lower() for p in parts[1:]]]),
        " ".join(p.capitalize() for p in parts),
        "".join([parts[0].capitalize(), *[p.lower() for p in parts[1:]]]),
        "-".join(p.capitalize() for p in parts),
    }
    out = {f"{family} {g}" for g in forms} | {f"{g} {family}" for g in forms}
    return tuple(sorted(out))


def parse_gazetteer(
    version: str,
    states: Sequence[Mapping[str, str]],
    people: Sequence[Mapping[str, str]],
    organizations: Sequence[Mapping[str, str]],
    traps: Sequence[Mapping[str, str]],
    lexicon: "Lexicon",
) -> Gazetteer:
    """Build a Gazetteer from CSV rows and the traps list."""
    st: dict[str, State] = {}
    for row in states:
        iso = row["iso3"].strip()
        if not re.fullmatch(r"[A-Z]{3}", iso):
            raise ReferenceDataError(f"states.csv: bad ISO3 code {iso!r}")
        if iso in st:
            raise ReferenceDataError(f"states.csv: duplicate ISO3 code {iso}")
        st[iso] = State(
            iso,
            row["name"].strip(),
            _split(row.get("aliases")),
            _split(row.get("demonyms")),
            _split(row.get("capital")),
            _split(row.get("bodies")),
            row.get("ambiguous", "no").strip().lower() in {"yes", "y", "true"},
        )
    pp: dict[str, Person] = {}
    for row in people:
        pid = row["person_id"].strip()
        where = f"people.csv {pid}"
        if pid in pp:
            raise ReferenceDataError(f"{where}: duplicate person_id")
        country = row["country"].strip()
        if country not in st:
            raise ReferenceDataError(f"{where}: unknown country {country!r}")
        name = row["canonical_name"].strip()
        order = row.get("name_order", "western").strip() or "western"
        aliases = set(_split(row.get("aliases")))
        if order == "eastern" and country in {"KOR", "PRK"}:
            for form in (name, *aliases):
                aliases.update(korean_name_variants(form))
        aliases.discard(name)
        pp[pid] = Person(
            pid,
            name,
            tuple(sorted(aliases)),
            country,
            _parse_roles(row.get("roles", ""), where),
            order,
            _surname(name, order),
            row.get("surname_alone", "n").strip().lower() in {"y", "yes", "true"},
            row.get("leader", "n").strip().lower() in {"y", "yes", "true"},
        )
    orgs: dict[str, Organization] = {}
    for row in organizations:
        oid = row["org_id"].strip()
        if oid in orgs:
            raise ReferenceDataError(f"organizations.csv: duplicate org_id {oid}")
        org_country = (row.get("country") or "").strip() or None
        if org_country and org_country not in st:
            raise ReferenceDataError(f"organizations.csv {oid}: unknown country {org_country!r}")
        orgs[oid] = Organization(
            oid,
            row["name"].strip(),
            _split(row.get("aliases")),
            org_country,
            row.get("kind", "").strip(),
        )
    compiled_traps = tuple((t["id"], _compile(t["pattern"], f"traps {t['id']}")) for t in traps)
    return Gazetteer(version, st, pp, orgs, compiled_traps, lexicon)


_LEXICON_REGEX_LISTS = (
    "title_modifiers",
    "role_nouns",
    "roles_after_name",
    "roles_before_name",
    "not_a_given_name",
    "country_cues_before",
    "country_cues_after",
    "north_not_before",
    "photo_agencies",
    "byline_leads",
    "speech_verbs",
    "speech_verbs_before",
    "speech_nouns",
)
_LEXICON_WORD_SETS = (
    "name_stopwords",
    "not_a_person",
    "korean_surnames",
    "common_korean_surnames",
    "not_a_surname",
    "given_names_ambiguous",
)


def parse_lexicon(data: Mapping[str, Any], given_names: Iterable[str] = ()) -> Lexicon:
    """Build the Lexicon from the parsed lexicon YAML and the given-name list
    (``gazetteer/given_names.txt``, see ``parse_given_names``); every regex piece must compile."""
    where = "gazetteer/lexicon.yaml"

    def strings(key: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ReferenceDataError(f"{where}: {key} must be a list of non-empty strings")
        return tuple(value)

    try:
        raw = {key: strings(key, data[key]) for key in (*_LEXICON_REGEX_LISTS, *_LEXICON_WORD_SETS)}
        groups = data["titles"]
        role_words = data["role_words"]
    except (KeyError, TypeError) as exc:
        raise ReferenceDataError(f"{where}: missing key {exc}") from exc
    if not isinstance(groups, Mapping) or not groups:
        raise ReferenceDataError(f"{where}: titles must map kinds to lists")
    titles = tuple(t for kind, items in groups.items() for t in strings(f"titles.{kind}", items))
    if not isinstance(role_words, Mapping):
        raise ReferenceDataError(f"{where}: role_words must map titles to lists")
    words = {str(k): strings(f"role_words.{k}", v) for k, v in role_words.items()}
    for key in (*_LEXICON_REGEX_LISTS, "titles"):
        pieces = titles if key == "titles" else raw[key]
        for piece in pieces:
            _compile(piece, f"{where} {key}")
    return Lexicon(
        title_modifiers=raw["title_modifiers"],
        titles=titles,
        role_nouns=raw["role_nouns"],
        roles_after_name=raw["roles_after_name"],
        roles_before_name=raw["roles_before_name"],
        role_words=words,
        name_stopwords=frozenset(raw["name_stopwords"]),
        not_a_person=frozenset(raw["not_a_person"]),
        not_a_given_name=raw["not_a_given_name"],
        korean_surnames=frozenset(raw["korean_surnames"]),
        common_korean_surnames=frozenset(raw["common_korean_surnames"]),
        country_cues_before=raw["country_cues_before"],
        country_cues_after=raw["country_cues_after"],
        north_not_before=raw["north_not_before"],
        photo_agencies=raw["photo_agencies"],
        byline_leads=raw["byline_leads"],
        speech_verbs=raw["speech_verbs"],
        speech_verbs_before=raw["speech_verbs_before"],
        speech_nouns=raw["speech_nouns"],
        not_a_surname=frozenset(raw["not_a_surname"]),
        given_names_ambiguous=frozenset(raw["given_names_ambiguous"]),
        given_names=frozenset(given_names),
    )


def parse_given_names(lines: Iterable[str]) -> frozenset[str]:
    """The given names of ``gazetteer/given_names.txt``: one a line, ``#`` comments; each
    must be one capitalized word (letters, an inner hyphen or apostrophe)."""
    names = set()
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not re.fullmatch(r"[A-Z][a-z]+(?:[-'][A-Za-z][a-z]*)?", line):
            raise ReferenceDataError(
                f"gazetteer/given_names.txt:{number}: {line!r} is not one capitalized word"
            )
        names.add(line)
    return frozenset(names)


def parse_abbreviations(data: Mapping[str, Any]) -> frozenset[str]:
    """Sentence abbreviations (seeds/sentences.yaml), lower case, without the final period."""
    items = data.get("abbreviations") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise ReferenceDataError("sentences.yaml: abbreviations must be a list of strings")
    return frozenset(i.lower().rstrip(".") for i in items)


def parse_boilerplate(rules: Sequence[Mapping[str, Any]]) -> tuple[BoilerplateRule, ...]:
    """Build boilerplate rules; line patterns must match the whole stripped line."""
    out = []
    ids = set()
    for raw in rules:
        rid = raw["id"]
        if rid in ids:
            raise ReferenceDataError(f"boilerplate: duplicate rule id {rid}")
        ids.add(rid)
        kind = raw.get("kind", "line")
        if kind not in {"line", "prefix", "after", "repeat"}:
            raise ReferenceDataError(f"boilerplate {rid}: unknown kind {kind!r}")
        pattern = None
        if "pattern" in raw:
            flags = 0 if kind in {"prefix", "after"} else re.IGNORECASE
            pattern = _compile(raw["pattern"], f"boilerplate {rid}", flags)
        elif kind != "repeat":
            raise ReferenceDataError(f"boilerplate {rid}: missing pattern")
        out.append(
            BoilerplateRule(rid, kind, pattern, int(raw.get("max_words", 40)), raw.get("after"))
        )
    for rule in out:
        if rule.kind == "after" and rule.after not in ids:
            raise ReferenceDataError(f"boilerplate {rule.rule_id}: unknown rule {rule.after!r}")
    return tuple(out)


def parse_outlets(outlets: Sequence[Mapping[str, Any]]) -> tuple[Outlet, ...]:
    """Build outlet recognisers."""
    return tuple(
        Outlet(
            o["name"],
            tuple(d.lower() for d in o.get("domains") or []),
            tuple(_compile(s, f"outlets {o['name']}") for s in o.get("signatures") or []),
        )
        for o in outlets
    )
