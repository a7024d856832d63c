"""Extraction quality on the five sample articles against their labels, with floors.

These five are a development set; the same rules are measured elsewhere on articles
that are not in the repository, so the floors guard against regressions, not tuning.
"""

import datetime as dt

from tests.conftest import SAMPLES
from transforms.ingest import InputFile
from transforms.pipeline import process_batch

FLOORS = {"issues": (0.85, 0.85), "persons": (0.9, 0.9), "states": (0.9, 0.9)}


def prf(pairs):
    tp = sum(len(pred & gold) for pred, gold in pairs)
    fp = sum(len(pred - gold) for pred, gold in pairs)
    fn = sum(len(gold - pred) for pred, gold in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def test_sample_articles_meet_quality_floors(extractors, seed_labels):
    files = [SAMPLES / label["file"] for label in seed_labels]
    result = process_batch(
        [InputFile(str(p), p.read_bytes()) for p in files],
        extractors,
        run_id="quality",
        ingested_at=dt.datetime.now(dt.UTC),
    )
    articles = result.tables["articles"].to_pylist()
    assert len(articles) == len(seed_labels)
    by_file = {a["source_uri"].rsplit("/", 1)[-1]: a["article_id"] for a in articles}
    issues = result.tables["article_issues"].to_pylist()
    actors = result.tables["actor_mentions"].to_pylist()
    pairs = {"issues": [], "persons": [], "states": []}
    for label in seed_labels:
        aid = by_file[label["file"]]
        pairs["issues"].append(
            ({r["issue_code"] for r in issues if r["article_id"] == aid}, set(label["issues"]))
        )
        pairs["persons"].append(
            (
                {
                    r["actor_name"]
                    for r in actors
                    if r["article_id"] == aid and r["actor_type"] == "person"
                },
                set(label["persons"]),
            )
        )
        pairs["states"].append(
            (
                {
                    r["actor_id"]
                    for r in actors
                    if r["article_id"] == aid and r["actor_type"] == "state"
                },
                set(label["countries"]),
            )
        )
    print("\nsample articles (development set): precision / recall / F1")
    failures = []
    for field, (p_floor, r_floor) in FLOORS.items():
        p, r, f = prf(pairs[field])
        print(f"  {field:8s} P={p:.3f} R={r:.3f} F1={f:.3f}   floors P>={p_floor} R>={r_floor}")
        if p < p_floor or r < r_floor:
            failures.append(field)
    assert not failures, f"below the floors: {failures}"
