"""Fit the probability of an assigned issue code on real articles labelled outside the team.

    python scripts/calibrate.py [--folder ../shared/realdev] [--write]

Runs the pipeline on realdev (``scripts/score_real.py`` loads it), takes every assigned
article-code row with its evidence (``transforms.calibration.FEATURES``) and whether the
labels hold the code, and fits a logistic model (scikit-learn). Quality is measured out of
fold: five folds grouped by article, each row's probability from a model that never saw its
article. Prints the Brier score against the base rate's, the reliability table and the
precision and recall kept at each probability threshold. ``--write`` refits on every row and
writes ``seeds/calibration.yaml`` and ``docs/calibration.md`` (then ``make seal-seeds``).
The texts stay in the folder; only the weights and the tables of counts are written.
"""

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from score_real import add_folder_argument, chosen_folder, load_realdev  # noqa: E402

from flows.seeds import load_reference  # noqa: E402
from transforms.calibration import FEATURES, features  # noqa: E402
from transforms.pipeline import Extractors, process_batch  # noqa: E402
from transforms.scoring import LabelsError  # noqa: E402

FOLDS = 5
# Ridge strength of the logistic model: few rows, so the weights are kept small.
C = 1.0
BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 1.0001)
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)


def rows(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, str]:
    """Features, labels and article groups of every assigned code on realdev; the number
    of texts and of gold codes; the taxonomy version."""
    import datetime as dt

    labelled = load_realdev(folder)
    reference = load_reference()
    result = process_batch(
        [x.item for x in labelled],
        Extractors.build(reference),
        run_id="calibrate",
        ingested_at=dt.datetime.now(dt.UTC),
    )
    if result.tables["quarantine"].num_rows:
        raise LabelsError("texts were quarantined: " + str(result.tables["quarantine"].to_pylist()))
    articles = {a["article_id"]: a for a in result.tables["articles"].to_pylist()}
    gold = {x.item.source_uri: x.gold["issues"] for x in labelled}
    strongest: dict[tuple[str, str], float] = {}
    for m in result.tables["issue_mentions"].to_pylist():
        key = (m["article_id"], m["issue_code"])
        strongest[key] = max(strongest.get(key, 0.0), m["weight"])
    xs, ys, groups = [], [], []
    for r in result.tables["article_issues"].to_pylist():
        article = articles[r["article_id"]]
        xs.append(features(r["score"], strongest[(r["article_id"], r["issue_code"])]))
        ys.append(1 if r["issue_code"] in gold[article["source_uri"]] else 0)
        groups.append(r["article_id"])
    n_gold = sum(len(g) for g in gold.values())
    return (
        np.array(xs),
        np.array(ys),
        np.array(groups),
        len(labelled),
        n_gold,
        reference.taxonomy.version,
    )


def model() -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=1000)


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's probability from a model fitted without its article."""
    p = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        p[test] = model().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    return p


def tables(p: np.ndarray, y: np.ndarray, n_gold: int) -> dict:
    """Brier scores, the reliability table and the thresholds table of ``p`` against ``y``."""
    base = y.mean()
    reliability = []
    for lo, hi in itertools.pairwise(BINS):
        inside = (p >= lo) & (p < hi)
        if inside.any():
            reliability.append(
                (
                    lo,
                    min(hi, 1.0),
                    int(inside.sum()),
                    float(p[inside].mean()),
                    float(y[inside].mean()),
                )
            )
    thresholds = []
    for t in THRESHOLDS:
        kept = p >= t
        right = int(y[kept].sum())
        thresholds.append(
            (t, int(kept.sum()), right / max(1, int(kept.sum())), right / max(1, n_gold))
        )
    return {
        "brier": float(np.mean((p - y) ** 2)),
        "brier_base": float(np.mean((base - y) ** 2)),
        "base_rate": float(base),
        "reliability": reliability,
        "thresholds": thresholds,
    }


def report(t: dict, n_rows: int, n_articles: int, n_texts: int, n_gold: int, version: str) -> str:
    lines = [
        "# Calibration of `article_issues.probability`",
        "",
        "<!-- Written by `python scripts/calibrate.py --write`; do not edit. -->",
        "",
        f"Fitted on the {n_texts} real articles of `../shared/realdev` (labelled outside the "
        f"team; taxonomy {version}): {n_rows} assigned article-code rows in {n_articles} of "
        f"them, {n_gold} gold codes. "
        f"A logistic model over {', '.join(f'`{f}`' for f in FEATURES)} "
        "(`transforms/calibration.py`). The figures below are out of fold: five folds grouped by "
        "article, each row's probability from a model that never saw its article.",
        "",
        f"Brier score {t['brier']:.3f}, against {t['brier_base']:.3f} for the base rate "
        f"({t['base_rate']:.3f} of assigned codes are right).",
        "",
        "## Reliability",
        "",
        "| probability | rows | mean predicted | share right |",
        "|---|---:|---:|---:|",
        *(
            f"| {lo:.1f}–{hi:.1f} | {n} | {mp:.3f} | {obs:.3f} |"
            for lo, hi, n, mp, obs in t["reliability"]
        ),
        "",
        "## Choosing a threshold",
        "",
        "Rows kept with `probability >= t`; precision among them, recall of all gold codes "
        "(codes the rules never assign are missed at any threshold).",
        "",
        "| t | rows kept | precision | recall |",
        "|---:|---:|---:|---:|",
        *(f"| {th:.1f} | {k} | {pr:.3f} | {rc:.3f} |" for th, k, pr, rc in t["thresholds"]),
        "",
        "With so few rows the probabilities are coarse: use them to rank and to trade "
        "precision for recall, and refit (`python scripts/calibrate.py --write`, then "
        "`make seal-seeds`) after any change to the rules.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_folder_argument(parser)
    parser.add_argument("--write", action="store_true", help="write the seeds and the doc")
    args = parser.parse_args(argv)
    folder = chosen_folder(args.folder, "calibrate")
    if folder is None:
        return 2
    try:
        x, y, groups, n_texts, n_gold, version = rows(folder)
    except LabelsError as exc:
        print(f"calibrate: {exc}", file=sys.stderr)
        return 2
    t = tables(out_of_fold(x, y, groups), y, n_gold)
    text = report(t, len(y), len(set(groups)), n_texts, n_gold, version)
    print(text)
    fitted = model().fit(x, y)
    weights = {f: round(float(w), 4) for f, w in zip(FEATURES, fitted.coef_[0], strict=True)}
    print(f"weights {weights}, intercept {fitted.intercept_[0]:.4f}")
    if args.write:
        seeds = {
            "taxonomy_version": version,
            "fitted_on": f"realdev, {n_texts} articles, {len(y)} assigned codes",
            "intercept": round(float(fitted.intercept_[0]), 4),
            "weights": weights,
        }
        header = (
            "# The probability model of an assigned issue code (transforms/calibration.py),\n"
            "# fitted on real articles by `python scripts/calibrate.py --write`; do not edit.\n"
            "# Part of the taxonomy group: refit after a rule change, then make seal-seeds.\n"
        )
        (ROOT / "seeds" / "calibration.yaml").write_text(
            header + yaml.safe_dump(seeds, sort_keys=False), encoding="utf-8"
        )
        (ROOT / "docs" / "calibration.md").write_text(text, encoding="utf-8")
        print("wrote seeds/calibration.yaml and docs/calibration.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
