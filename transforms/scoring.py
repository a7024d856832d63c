"""Score extraction against labelled texts: article-level issue codes, person names, state codes.

Labels are JSON Lines, one text per line::

    {"id": "x1", "published_at": "2019-11-19", "text": "...",
     "issues": ["COST_SHARING"], "persons": ["Jeong Eun-bo"], "states": ["KOR", "USA"]}

`scripts/score_labels.py` runs it on files (e.g. a hold-out of real articles kept outside the
repository); the test suite scores the development set with it.
"""

import datetime as dt
import difflib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from transforms.ingest import InputFile
from transforms.pipeline import Extractors, process_batch

FIELDS = ("issues", "persons", "states")
# Person fields by the part their mentions play (actor_mentions.mention_role), scored when
# the labels have them (realdev's roles.jsonl).
ROLE_FIELDS = {"authors": "author", "credits": "photo_credit", "speakers": "speaker"}
# (speaker, code) pairs as "CODE|name": a person's statements that address the code.
SPEAKER_ISSUES = "speaker_issues"


class LabelsError(Exception):
    """A labels file is malformed, or a labelled text could not be processed."""


@dataclass(frozen=True)
class Labelled:
    """One labelled text: the input to run and the gold sets per field."""

    name: str
    item: InputFile
    gold: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Scored:
    """Predicted and gold sets of one text, per field."""

    name: str
    pairs: dict[str, tuple[frozenset[str], frozenset[str]]]


def parse_labels(lines: Iterable[str], source: str) -> list[Labelled]:
    """Labelled texts from JSON Lines; a bad line raises LabelsError naming ``source`` and line."""
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelsError(f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise LabelsError(f"{where}: needs an object with a string 'text'")
        gold = {}
        for field in FIELDS:
            values = record.get(field, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise LabelsError(f"{where}: '{field}' must be a list of strings")
            gold[field] = frozenset(values)
        name = str(record.get("id", number))
        data = {"text": record["text"], "published_at": record.get("published_at")}
        if record.get("title"):
            data["title"] = record["title"]
        item = InputFile(f"/labels/{name}.json", json.dumps(data, ensure_ascii=False).encode())
        out.append(Labelled(name, item, gold))
    return out


def score(labelled: Sequence[Labelled], extractors: Extractors) -> list[Scored]:
    """Run the pipeline on the texts and pair each field's predictions with the gold set."""
    names = [x.name for x in labelled]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise LabelsError(f"ids used by more than one text: {twice}")
    result = process_batch(
        [x.item for x in labelled], extractors, run_id="score", ingested_at=dt.datetime.now(dt.UTC)
    )
    rejected = result.tables["quarantine"].to_pylist()
    if rejected:
        which = [(r["source_uri"], r["reason"]) for r in rejected]
        raise LabelsError(f"texts were quarantined: {which}")
    article_of = {a["source_uri"]: a["article_id"] for a in result.tables["articles"].to_pylist()}
    predicted: dict[str, dict[str, set[str]]] = {
        aid: {f: set() for f in (*FIELDS, *ROLE_FIELDS, SPEAKER_ISSUES)}
        for aid in article_of.values()
    }
    field_of_role = {role: field for field, role in ROLE_FIELDS.items()}
    for r in result.tables["article_issues"].to_pylist():
        predicted[r["article_id"]]["issues"].add(r["issue_code"])
    for r in result.tables["actor_mentions"].to_pylist():
        if r["actor_type"] == "person":
            predicted[r["article_id"]]["persons"].add(r["actor_name"])
            role_field = field_of_role.get(r["mention_role"])
            if role_field:
                predicted[r["article_id"]][role_field].add(r["actor_name"])
        elif r["actor_type"] == "state":
            predicted[r["article_id"]]["states"].add(r["actor_id"])
    # A speaker is a person whose words are reported: a speaker's mention, or a statement
    # that "he said" or a quotation carried on gives to a person named before.
    for r in result.tables["statements"].to_pylist():
        if r["actor_type"] == "person":
            predicted[r["article_id"]]["speakers"].add(r["actor_name"])
            if r["issue_code"]:
                predicted[r["article_id"]][SPEAKER_ISSUES].add(
                    f"{r['issue_code']}|{r['actor_name']}"
                )
    out = []
    for x in labelled:
        pred = predicted[article_of[x.item.source_uri]]
        out.append(Scored(x.name, {f: (frozenset(pred[f]), g) for f, g in x.gold.items()}))
    return out


def precision_recall(tp: int, fp: int, fn: int) -> tuple[float, float]:
    """Precision and recall from counts (1.0 when there is nothing to be wrong about)."""
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def field_line(field: str, p: float, r: float, f: float) -> str:
    """One report line: a field's precision, recall and F1 (from ``prf``)."""
    return f"  {field:8s} P={p:.3f} R={r:.3f} F1={f:.3f}"


CODE_TABLE_HEADER = (
    f"  {'code':28s} {'gold':>4s} {'tp':>3s} {'fp':>3s} {'fn':>3s} {'P':>6s} {'R':>6s}"
)


def code_line(code: str, tp: int, fp: int, fn: int) -> str:
    """One row of the per-code table under CODE_TABLE_HEADER."""
    p, r = precision_recall(tp, fp, fn)
    return f"  {code:28s} {tp + fn:4d} {tp:3d} {fp:3d} {fn:3d} {p:6.2f} {r:6.2f}"


def prf(pairs: Iterable[tuple[frozenset[str], frozenset[str]]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 over (predicted, gold) set pairs."""
    tp = fp = fn = 0
    for pred, gold in pairs:
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
    precision, recall = precision_recall(tp, fp, fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def per_code(scored: Iterable[Scored]) -> dict[str, tuple[int, int, int]]:
    """Issue code -> (true positives, false positives, false negatives) over the texts."""
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for row in scored:
        pred, gold = row.pairs["issues"]
        tp.update(pred & gold)
        fp.update(pred - gold)
        fn.update(gold - pred)
    return {c: (tp[c], fp[c], fn[c]) for c in sorted(set(tp) | set(fp) | set(fn))}


def misses(scored: Iterable[Scored]) -> list[tuple[str, str, list[str], list[str]]]:
    """(text, field, extra predictions, missing gold values) wherever they differ."""
    return [
        (row.name, f, sorted(pred - gold), sorted(gold - pred))
        for row in scored
        for f, (pred, gold) in row.pairs.items()
        if pred != gold
    ]


_NAME_SPLIT = re.compile(r"[\s\-‐‑–]+")


def name_key(name: str) -> str:
    """A person's name with case, dots, hyphens and word order ignored: "Kie Soo Kim" and
    "Kim Kie-soo" give the same key."""
    words = [w for w in _NAME_SPLIT.split(name.lower().replace(".", " ")) if w]
    return " ".join(sorted(words))


def _plain_name(name: str) -> str:
    return " ".join(w for w in _NAME_SPLIT.split(name.lower().replace(".", " ")) if w)


def match_names(
    pred: frozenset[str], gold: frozenset[str], fuzzy: float = 0.9
) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of predicted against gold person
    names: equal by ``name_key``, else alike at ``fuzzy`` or more as written or in word order
    (difflib ratio, "Han Min-goo" ~ "Han Min-koo"); each name matches once."""
    extra, missing = unmatched_names(pred, gold, fuzzy)
    return len(pred) - len(extra), len(extra), len(missing)


def unmatched_names(
    pred: frozenset[str], gold: frozenset[str], fuzzy: float = 0.9
) -> tuple[list[str], list[str]]:
    """The predicted names no gold name matches, and the gold names no prediction matches
    (as ``match_names`` matches them)."""
    left = {name_key(g): g for g in gold}
    unmatched: list[str] = []
    for p in sorted(pred):
        if left.pop(name_key(p), None) is None:
            unmatched.append(p)
    extra: list[str] = []
    for p in unmatched:
        best = max(left.items(), key=lambda kv: _alike(p, kv[1]), default=None)
        if best and _alike(p, best[1]) >= fuzzy:
            left.pop(best[0])
        else:
            extra.append(p)
    return extra, sorted(left.values())


def _alike(a: str, b: str) -> float:
    """How alike two names are: the difflib ratio as written or with the words in order
    (``name_key``), whichever is higher ("Miyoung Kim" ~ "Kim Mi-young")."""
    return max(
        difflib.SequenceMatcher(None, _plain_name(a), _plain_name(b)).ratio(),
        difflib.SequenceMatcher(None, name_key(a), name_key(b)).ratio(),
    )


def _named(values: frozenset[str], code: str) -> frozenset[str]:
    return frozenset(v.partition("|")[2] for v in values if v.partition("|")[0] == code)


def prf_names(pairs: Iterable[tuple[frozenset[str], frozenset[str]]]) -> tuple[float, float, float]:
    """``prf`` for person names, matched by ``match_names``; "CODE|name" values (the
    ``speaker_issues`` field) match as names within each code."""
    tp = fp = fn = 0
    for pred, gold in pairs:
        codes = {v.partition("|")[0] for v in pred | gold if "|" in v}
        matched = (
            [match_names(_named(pred, code), _named(gold, code)) for code in codes]
            if codes
            else [match_names(pred, gold)]
        )
        for a, b, c in matched:
            tp, fp, fn = tp + a, fp + b, fn + c
    precision, recall = precision_recall(tp, fp, fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
