"""A one-pass prefilter: which of many regexes can match a text at all.

Every issue rule and actor pattern is compiled into one Hyperscan automaton in *prefilter*
mode; scanning a text once tells which patterns can match it, and only
those are run by Python's ``re``, which alone decides the matches and offsets. A prefilter may
report a pattern that then does not match, but must never miss one. Three things keep it so:

- bounded repeats are loosened (``{0,80}`` -> ``*``), which only admits more;
- the automaton works on ASCII bytes: each non-ASCII character is replaced by an ASCII one
  that every safe atom accepts whenever Python would accept the original (a letter becomes
  ``_``: a word character that is no letter, so ``\\w`` and ``\\b`` still hold and ``[a-z]``
  still fails; a digit ``0``, a space `` ``, anything else ``\\x1a``; the few characters that
  case-fold to ASCII letters, such as the Kelvin sign, become that letter);
- the patterns are scanned for in the same ASCII: each non-ASCII literal of a pattern (alone
  or in a class) becomes its own stand-in, which accepts the stand-in of every character
  Python would accept there (tests check each case-insensitive equivalence class);
- a pattern with an atom outside that safe set (a negated class of letters, a range of
  non-ASCII characters, a back-reference, ...) is not gated: it is always run.
"""

import re
import threading
import unicodedata
from collections.abc import Sequence
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import hyperscan

# Non-ASCII characters that Python's case-insensitive matching equates with an ASCII letter
# (tests check this list against every code point).
ASCII_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_LOOSE_REPEAT = re.compile(r"(?<!\\)\{(\d+),(\d+)\}")
# Literals a negated class may hold: punctuation the ASCII replacements never produce.
_SAFE_NEGATED_LITERALS = frozenset(".,;:!?'\"()[]{}<>/\\|-+*&%$#@=~^`")
_SAFE_CATEGORIES = frozenset(
    {
        C.CATEGORY_WORD,
        C.CATEGORY_NOT_WORD,
        C.CATEGORY_DIGIT,
        C.CATEGORY_NOT_DIGIT,
        C.CATEGORY_SPACE,
        C.CATEGORY_NOT_SPACE,
    }
)


class _AsciiMap(dict[int, int]):
    """``str.translate`` table: ASCII unchanged, every other character to its stand-in."""

    def __missing__(self, code: int) -> int:
        ch = chr(code)
        if code < 128:
            out = ch
        elif ch in ASCII_FOLDS:
            out = ASCII_FOLDS[ch]
        elif ch.isspace():
            out = " "
        elif unicodedata.category(ch) == "Nd":
            out = "0"
        elif ch.isalnum() or unicodedata.category(ch)[0] == "M":
            out = "_"
        else:
            out = "\x1a"
        self[code] = ord(out)
        return ord(out)


_TO_ASCII = _AsciiMap()


def to_ascii(text: str) -> bytes:
    """The text the automaton scans: one ASCII byte per character."""
    if not text.isascii():
        text = text.translate(_TO_ASCII)
    return text.encode("ascii")


def gateable(pattern: re.Pattern[str]) -> bool:
    """Whether every atom of ``pattern`` accepts the ASCII stand-ins as Python accepts the original."""
    try:
        scan_source(pattern.pattern)
        return _safe(sre_parse.parse(pattern.pattern, pattern.flags))
    except (re.error, RecursionError, ValueError):
        return False


def _safe(items: object) -> bool:
    for op, av in items:  # type: ignore[attr-defined]
        if op is C.LITERAL:
            continue  # a non-ASCII one is scanned for as its stand-in (``scan_source``)
        elif op is C.NOT_LITERAL:  # [^.]
            if chr(av) not in _SAFE_NEGATED_LITERALS:
                return False
        elif op is C.IN:
            if not _safe_class(av):
                return False
        elif op in (C.ANY, C.AT):
            continue
        elif op is C.SUBPATTERN:
            if not _safe(av[3]):
                return False
        elif op is C.BRANCH:
            if not all(_safe(alt) for alt in av[1]):
                return False
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            if not _safe(av[2]):
                return False
        elif op in (C.ASSERT, C.ASSERT_NOT):
            if not _safe(av[1]):
                return False
        else:  # GROUPREF, ATOMIC_GROUP, ...: not worth proving
            return False
    return True


def _safe_class(items: list) -> bool:
    negated = bool(items) and items[0][0] is C.NEGATE
    for op, av in items[1:] if negated else items:
        if op is C.CATEGORY:
            if av not in _SAFE_CATEGORIES:
                return False
        elif op is C.LITERAL:
            if negated and chr(av) not in _SAFE_NEGATED_LITERALS:
                return False
        elif op is C.RANGE:
            if av[1] >= 128 or negated:
                return False
        else:
            return False
    return True


def _hyperscan_flags(pattern: re.Pattern[str]) -> int:
    flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH
    flags |= hyperscan.HS_FLAG_ALLOWEMPTY
    if pattern.flags & re.IGNORECASE:
        flags |= hyperscan.HS_FLAG_CASELESS
    if pattern.flags & re.DOTALL:
        flags |= hyperscan.HS_FLAG_DOTALL
    if pattern.flags & re.MULTILINE:
        flags |= hyperscan.HS_FLAG_MULTILINE
    return flags


def loosen(source: str) -> str:
    """The pattern with every bounded repeat ``{m,n}`` made unbounded (a superset)."""
    return _LOOSE_REPEAT.sub(lambda m: "*" if m.group(1) == "0" else f"{{{m.group(1)},}}", source)


def scan_source(source: str) -> bytes:
    """``loosen(source)`` for the automaton: each non-ASCII character, which ``gateable`` has
    proved is a literal, becomes its stand-in written as a hex escape (``©`` -> ``\\x1a``, ``é``
    -> ``\\x5f``). ValueError for one after a backslash, whose escape would change meaning."""
    loose = loosen(source)
    if loose.isascii():
        return loose.encode("ascii")
    out: list[str] = []
    escaped = False
    for ch in loose:
        if ch < "\x80":
            out.append(ch)
        elif escaped:
            raise ValueError(f"escaped non-ASCII character {ch!r}")
        else:
            out.append(f"\\x{_TO_ASCII[ord(ch)]:02x}")
        escaped = ch == "\\" and not escaped
    return "".join(out).encode("ascii")


def _compile(patterns: Sequence[re.Pattern[str]]) -> "hyperscan.Database":
    db = hyperscan.Database()
    db.compile(
        expressions=[scan_source(p.pattern) for p in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[_hyperscan_flags(p) for p in patterns],
    )
    return db


class PatternGate:
    """Which of ``patterns`` can match a text; patterns it cannot prove safe are always run."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        unique = list(dict.fromkeys(patterns))
        gated = [p for p in unique if gateable(p)]
        always = set(unique) - set(gated)
        self.gated = tuple(gated)
        self.database: hyperscan.Database | None = None
        if gated:
            try:
                self.database = _compile(gated)
            except hyperscan.error:  # some pattern is refused: find it, run it in Python only
                accepted = []
                for p in gated:
                    try:
                        _compile([p])
                        accepted.append(p)
                    except hyperscan.error:
                        always.add(p)
                self.gated = tuple(accepted)
                self.database = _compile(accepted) if accepted else None
        self.always = frozenset(always)
        # possible_ids answers by identity. Equal patterns may be distinct objects (compiled
        # apart), so each unique pattern stands for the ids of all its objects; the gate holds
        # every object, so no id is reused while it lives.
        self._objects = tuple(patterns)
        ids: dict[re.Pattern[str], list[int]] = {}
        for p in self._objects:
            same = ids.setdefault(p, [])
            if id(p) not in same:
                same.append(id(p))
        self._gated_ids = tuple(tuple(ids[p]) for p in self.gated)
        self._always_ids = frozenset(i for p in self.always for i in ids[p])
        self._local = threading.local()

    def possible(self, text: str) -> set[re.Pattern[str]]:
        """The patterns that may match ``text``: a superset of those that do."""
        ids = self.possible_ids(text)
        return {p for p in self._objects if id(p) in ids}

    def possible_ids(self, text: str) -> set[int]:
        """``id()`` of every pattern object that may match ``text`` (those of ``possible``).

        The engine asks by identity because hashing a compiled pattern hashes its whole
        compiled program, and every article asks about every rule.
        """
        hits = set(self._always_ids)
        if self.database is not None:
            gated_ids = self._gated_ids

            def on_match(index: int, _start: int, _end: int, _flags: int, _ctx: object) -> None:
                hits.update(gated_ids[index])

            self.database.scan(
                to_ascii(text),
                match_event_handler=on_match,
                scratch=_thread_scratch(self._local, self.database),
            )
        return hits


def _thread_scratch(local: threading.local, database: "hyperscan.Database") -> "hyperscan.Scratch":
    """Scratch space of the calling thread: one scan at a time may use a scratch."""
    scratch = getattr(local, "scratch", None)
    if scratch is None:
        scratch = local.scratch = hyperscan.Scratch(database)
    return scratch


class LiteralScanner:
    """Every occurrence of many literal strings in one Hyperscan pass, as (start, end, index).

    Texts are scanned as ``to_ascii`` bytes, so a literal with non-ASCII characters may be
    reported where the text holds other characters of the same stand-in class: callers check
    each hit against the text (``text.startswith(literal, start)``).
    """

    def __init__(self, literals: Sequence[str]) -> None:
        self.literals = tuple(literals)
        self.lengths = tuple(len(s) for s in self.literals)
        self.database: hyperscan.Database | None = None
        if self.literals:
            self.database = hyperscan.Database()
            self.database.compile(
                expressions=[to_ascii(s) for s in self.literals],
                ids=list(range(len(self.literals))),
                elements=len(self.literals),
                flags=0,
                literal=True,
            )
        self._local = threading.local()

    def scan(self, text: str) -> list[tuple[int, int, int]]:
        """Occurrences (start, end, literal index), overlapping ones included, unordered."""
        hits: list[tuple[int, int, int]] = []
        if self.database is None:
            return hits
        lengths = self.lengths

        def on_match(index: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            hits.append((end - lengths[index], end, index))

        self.database.scan(
            to_ascii(text),
            match_event_handler=on_match,
            scratch=_thread_scratch(self._local, self.database),
        )
        return hits
