"""Score extraction against labelled texts (JSON Lines; see transforms/scoring.py).

    python scripts/score_labels.py LABELS.jsonl [MORE.jsonl ...] [--misses]

Prints precision / recall / F1 per field and per issue code. Use it on a hold-out of real
articles that is not in the repository: score it once before changing any rule for it.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from flows.seeds import load_reference  # noqa: E402
from transforms.pipeline import Extractors  # noqa: E402
from transforms.scoring import (  # noqa: E402
    CODE_TABLE_HEADER,
    FIELDS,
    LabelsError,
    code_line,
    field_line,
    misses,
    parse_labels,
    per_code,
    prf,
    score,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", nargs="+", type=Path, help="JSON Lines files of labelled texts")
    parser.add_argument("--misses", action="store_true", help="list every text that differs")
    args = parser.parse_args(argv)
    labelled = []
    try:
        for path in args.labels:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise LabelsError(f"{path}: cannot read ({exc})") from exc
            labelled += parse_labels(lines, str(path))
        if not labelled:
            raise LabelsError(f"no labelled texts in {', '.join(map(str, args.labels))}")
        scored = score(labelled, Extractors.build(load_reference()))
    except LabelsError as exc:
        print(f"score_labels: {exc}", file=sys.stderr)
        return 2
    print(f"{len(scored)} texts: precision / recall / F1")
    for field in FIELDS:
        print(field_line(field, *prf(row.pairs[field] for row in scored)))
    print("\n" + CODE_TABLE_HEADER)
    for code, counts in per_code(scored).items():
        print(code_line(code, *counts))
    if args.misses:
        print()
        for name, field, extra, missing in misses(scored):
            print(f"  {name} {field}: extra {extra} missing {missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
