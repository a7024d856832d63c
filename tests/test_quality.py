"""Extraction quality on the development set, with floors that fail the build.

The development set is the five sample articles (labels from the product owner) plus
passages we wrote ourselves (tests/devset/*.jsonl) that exercise every issue code, the
traps and the name forms. Each holdout*.jsonl was written and scored once, before any rule
was changed for it, and then joined the development set:

  file      texts  issues P / R / F1     persons F1  states F1
  holdout      20  1.000 / 0.548 / 0.708  0.968      0.974
  holdout2     15  1.000 / 0.565 / 0.722  1.000      0.986
  holdout3     25  0.920 / 0.605 / 0.730  0.863      0.992
  holdout4     25  0.857 / 0.414 / 0.558  0.889      0.981
  holdout5     30  0.864 / 0.514 / 0.644  0.875      0.991
  holdout6     25  1.000 / 0.588 / 0.741  1.000      0.991
  holdout7     14  0.846 / 0.825 / 0.835  0.867      0.891
  holdout8     12  0.900 / 0.900 / 0.900  0.923      1.000
  holdout9     12  0.893 / 0.758 / 0.820  0.976      1.000

(holdout3-6 are deliberately paraphrase-heavy one- or two-sentence texts; holdout7 is
full-length articles with web clutter, four of them not about the alliance. After scoring
holdout7, two labels were corrected: v03 gained USFK_POSTURE (the THAAD battery is a U.S.
deployment on the peninsula) and v09 lost TWN ("Taiwan Strait" is a body of water); after
holdout8 (also full-length articles, scored after the holdout7 fixes), w07 gained Joe Biden
("Biden's Indo-Pacific framework" names him) and w09 CHINA_FACTOR (China's stand in the
crisis, labelled so in v04). holdout9 is full-length articles in several house styles, one
of them not about the alliance; no label was changed after scoring it.) The same rules are
measured elsewhere on articles that are not in the repository (`scripts/score_labels.py`
scores any such file), so these floors guard against regressions.
"""

import json

import pytest

from tests.conftest import QUALITY_REPORT, SAMPLES, TESTS
from transforms.ingest import InputFile
from transforms.scoring import (
    CODE_TABLE_HEADER,
    Labelled,
    code_line,
    field_line,
    misses,
    parse_labels,
    per_code,
    precision_recall,
    prf,
    score,
)

SAMPLE_FLOORS = {"issues": 0.85, "persons": 0.9, "states": 0.9}  # P and R on the five samples
DEVSET_FLOORS = {"issues": 0.9, "persons": 0.9, "states": 0.9}  # P and R on the whole dev set
CODE_FLOOR = 0.9  # per-code P and R on the whole dev set


def _gold():
    items = []
    for line in (TESTS / "seed_labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        path = SAMPLES / label["file"]
        gold = {
            "issues": frozenset(label["issues"]),
            "persons": frozenset(label["persons"]),
            "states": frozenset(label["countries"]),
        }
        items.append(Labelled(label["file"], InputFile(str(path), path.read_bytes()), gold))
    for f in sorted((TESTS / "devset").glob("*.jsonl")):
        items += parse_labels(f.read_text().splitlines(), str(f))
    return items


@pytest.fixture(scope="module")
def scored(extractors):
    return score(_gold(), extractors)


def _is_sample(row) -> bool:
    return row.name.endswith(".txt")  # the five sample articles; dev passages are .json


def report(line: str) -> None:
    """Print and keep for the end-of-run summary."""
    print(line)
    QUALITY_REPORT.append(line)


def _report(title, rows, floors):
    report(f"\n{title}: precision / recall / F1")
    below = []
    for field, floor in floors.items():
        p, r, f = prf(row.pairs[field] for row in rows)
        report(f"{field_line(field, p, r, f)}   floor {floor}")
        if p < floor or r < floor:
            below.append(field)
    return below


def test_sample_articles_meet_floors(scored):
    below = _report("five sample articles", [r for r in scored if _is_sample(r)], SAMPLE_FLOORS)
    assert not below, f"below the floors: {below}"


def test_devset_meets_floors(scored):
    below = _report(f"development set ({len(scored)} texts)", scored, DEVSET_FLOORS)
    for name, field, fp, fn in misses(scored):
        report(f"  miss {name} {field}: extra {fp} missing {fn}")
    assert not below, f"below the floors: {below}"


def test_devset_per_code_precision_recall(scored, reference):
    counts = per_code(scored)
    report(f"\nper-code on the development set ({len(scored)} texts)")
    report(CODE_TABLE_HEADER)
    below = []
    for code in sorted(reference.taxonomy.codes):
        tp, fp, fn = counts.get(code, (0, 0, 0))
        p, r = precision_recall(tp, fp, fn)
        report(code_line(code, tp, fp, fn))
        if p < CODE_FLOOR or r < CODE_FLOOR:
            below.append(code)
        assert tp + fn >= 2, f"{code} needs at least two positive texts in the dev set"
    assert not below, f"codes below {CODE_FLOOR}: {below}"


def test_unrelated_articles_get_no_codes(scored):
    unrelated = [r for r in scored if not r.pairs["issues"][1] and not _is_sample(r)]
    assert len(unrelated) >= 4
    assert all(not r.pairs["issues"][0] for r in unrelated), [
        r.name for r in unrelated if r.pairs["issues"][0]
    ]


def test_score_labels_script(tmp_path, capsys):
    from scripts.score_labels import main

    good = tmp_path / "labels.jsonl"
    good.write_text(
        json.dumps(
            {
                "id": "t1",
                "published_at": "2019-11-19",
                "text": "Seoul and Washington reopened burden-sharing talks on Tuesday.",
                "issues": ["COST_SHARING"],
                "persons": [],
                "states": ["KOR", "USA"],
            }
        )
        + "\n"
    )
    assert main([str(good), "--misses"]) == 0
    out = capsys.readouterr().out
    assert "issues   P=1.000 R=1.000 F1=1.000" in out
    assert "COST_SHARING" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "t2", "text": "x", "issues": "COST_SHARING"}\n')
    assert main([str(bad)]) == 2
    assert f"{bad}:1: 'issues' must be a list of strings" in capsys.readouterr().err
    assert main([str(good), str(good)]) == 2
    assert "ids used by more than one text: ['t1']" in capsys.readouterr().err
