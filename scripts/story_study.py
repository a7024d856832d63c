"""Measure near-duplicate detection (transforms/stories.py) on copies made by program.

    python scripts/story_study.py [--write]

Base texts are ours: the sample articles (seeds/articles) and the longer passages of the
rule tests (tests/devset, 400 characters and more), many on the same events. Each base gets
copies by the edits syndication makes: a new headline, a paragraph dropped or added (from
another base), a byline and a footer changed, one word in 20 or in 10 replaced, the text
cut to 90%, 70% or 50%. Every text goes through a ``StoryIndex`` in a shuffled order;
a pair is predicted to be one story when both get the same story id. Prints, for each
containment threshold, the pairwise precision over all pairs and the recall per edit, and
the pairs of distinct bases that were merged. ``--write`` writes the table to
docs/stories.md.
"""

import argparse
import itertools
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.stories import CONTAINMENT, NUM_PERM, SHINGLE_WORDS, Signature, StoryIndex  # noqa: E402

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
FILLER_WORDS = "officials analysts reportedly meanwhile however separately further".split()


def bases() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds" / "articles").iterdir())]
    for path in sorted((ROOT / "tests" / "devset").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"]
                if len(text) >= 400:
                    texts.append(text)
    return texts


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _replace_words(text: str, every: int, rng: random.Random) -> str:
    words = text.split(" ")
    for i in range(rng.randrange(every), len(words), every):
        words[i] = rng.choice(FILLER_WORDS)
    return " ".join(words)


def _drop_middle_paragraph(text: str, rng: random.Random) -> str:
    paragraphs = _paragraphs(text)
    return "\n\n".join(p for i, p in enumerate(paragraphs) if i != len(paragraphs) // 2)


def edits(text: str, other: str) -> dict[str, Callable[[str, random.Random], str]]:
    """The copies a base ``text`` gets, by the name of the edit (``other``: a distinct text,
    whose first 30 words make an added paragraph). A paragraph is dropped only from a text
    of three or more."""
    added = " ".join(other.split()[:30])
    dropped = {"paragraph dropped": _drop_middle_paragraph} if len(_paragraphs(text)) >= 3 else {}
    return {
        "headline swapped": lambda t, r: (
            "Allies weigh next steps, officials say\n" + t.split("\n", 1)[-1]
        ),
        **dropped,
        "paragraph added": lambda t, r: t + "\n\n" + added,
        "byline and footer changed": lambda t, r: (
            "By Staff Writer, Wire Desk\n"
            + t
            + "\n\n(c) 2026 Example Wire. All rights reserved. Distributed by Example Syndicate."
        ),
        "1 word in 20 replaced": lambda t, r: _replace_words(t, 20, r),
        "1 word in 10 replaced": lambda t, r: _replace_words(t, 10, r),
        "cut to 90%": lambda t, r: t[: int(len(t) * 0.9)],
        "cut to 70%": lambda t, r: t[: int(len(t) * 0.7)],
        "cut to 50%": lambda t, r: t[: int(len(t) * 0.5)],
    }


def study(seed: int = 11) -> tuple[list[dict], list[str]]:
    rng = random.Random(seed)
    texts = bases()
    docs: list[tuple[str, int, str, str]] = []  # (doc id, base, edit, text)
    for b, text in enumerate(texts):
        docs.append((f"b{b}", b, "original", text))
        other = texts[(b + 1) % len(texts)]
        for name, edit in edits(text, other).items():
            docs.append((f"b{b}:{name}", b, name, edit(text, rng)))
    signatures = {d: Signature.of(text) for d, _, _, text in docs}
    order = docs[:]
    rng.shuffle(order)
    rows = []
    for threshold in THRESHOLDS:
        index = StoryIndex(containment=threshold)
        story = {d: index.add(d, signatures[d])[0] for d, _, _, _ in order}
        tp = fp = 0
        found: dict[str, list[bool]] = defaultdict(list)
        for (d1, b1, e1, _), (d2, b2, e2, _) in itertools.combinations(docs, 2):
            same = story[d1] == story[d2]
            if b1 == b2:
                tp += same
                if "original" in (e1, e2):
                    found[e2 if e1 == "original" else e1].append(same)
            else:
                fp += same
        positives = sum(len(v) for v in found.values())
        rows.append(
            {
                "threshold": threshold,
                "precision": tp / (tp + fp) if tp + fp else 1.0,
                "merged_distinct_pairs": fp,
                "recall": sum(sum(v) for v in found.values()) / positives,
                "recall_by_edit": {k: sum(v) / len(v) for k, v in found.items()},
            }
        )
    return rows, [f"{len(texts)} base texts, {len(docs)} texts"]


def table(rows: list[dict]) -> str:
    edits_ = list(rows[0]["recall_by_edit"])
    head = ["containment", "pair precision", "distinct pairs merged", "recall", *edits_]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in rows:
        cells = [
            f"{r['threshold']:.1f}{' (chosen)' if r['threshold'] == CONTAINMENT else ''}",
            f"{r['precision']:.3f}",
            str(r["merged_distinct_pairs"]),
            f"{r['recall']:.3f}",
            *(f"{r['recall_by_edit'][e]:.2f}" for e in edits_),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write docs/stories.md")
    args = parser.parse_args(argv)
    rows, about = study()
    text = table(rows)
    print("; ".join(about))
    print(text)
    if args.write:
        (ROOT / "docs" / "stories.md").write_text(
            "# Stories: the near-duplicate threshold\n\n"
            "Generated by `python scripts/story_study.py --write`; see that script and "
            "`transforms/stories.py`.\n\n"
            f"MinHash of {NUM_PERM} permutations over runs of {SHINGLE_WORDS} words; two "
            "texts are one story when the estimated share of the shorter one's runs found in "
            f"the other (containment) is at least the threshold. {'; '.join(about)}: each "
            "base with its copies, in a shuffled order. Precision is over every pair given "
            "one story; recall is per edit, over (base, copy) pairs.\n\n" + text + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
