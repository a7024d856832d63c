"""Score the pipeline on real articles labelled by people outside the team (realdev).

    python scripts/score_real.py [--folder ../shared/realdev] [--misses] [--json]

Runs every ``texts/dNNN.txt`` through the pipeline as an inbox file and prints precision /
recall / F1 per field (issues, persons, states), per issue code, the codes given to the
negative controls, and with ``--misses`` every text whose fields differ from its labels.
Person names match as the labels' README says: order, case, hyphens and dots ignored, and
alike at 0.9. The texts belong to their publishers: they are read from the folder, never
copied into the repository.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from flows.seeds import load_reference  # noqa: E402
from transforms.ingest import InputFile  # noqa: E402
from transforms.pipeline import Extractors  # noqa: E402
from transforms.scoring import (  # noqa: E402
    CODE_TABLE_HEADER,
    Labelled,
    LabelsError,
    Scored,
    code_line,
    field_line,
    misses,
    per_code,
    prf,
    prf_names,
    score,
    unmatched_names,
)

DEFAULT_FOLDER = ROOT.parent / "shared" / "realdev"
FIELDS = ("issues", "persons", "states")
ROLES = ("authors", "credits", "speakers")
PAIRS = "speaker_issues"


def realdev_folder() -> Path:
    """Where realdev is: ALLIANCE_REALDEV, else ../shared/realdev beside the repository."""
    return Path(os.environ.get("ALLIANCE_REALDEV") or DEFAULT_FOLDER)


def add_folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--folder", type=Path, help="the realdev folder (default ../shared/realdev)"
    )


def chosen_folder(folder: Path | None, prog: str) -> Path | None:
    """``folder`` or realdev's, when it is there; else None, with the reason on stderr."""
    folder = folder or realdev_folder()
    if not folder.is_dir():
        print(f"{prog}: {folder} not found (set ALLIANCE_REALDEV or --folder)", file=sys.stderr)
        return None
    return folder


def load_realdev(folder: Path) -> list[Labelled]:
    """Every labelled text of ``folder`` (labels-*.jsonl and texts/), as Labelled inputs."""
    roles = load_roles(folder)
    labelled = []
    for path in sorted(folder.glob("labels-*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = folder / "texts" / f"{record['id']}.txt"
                gold = {
                    "issues": frozenset(record["issues"]),
                    "persons": frozenset(record["persons"]),
                    "states": frozenset(record["countries"]),
                    **roles.get(record["id"], {}),
                }
                data = text.read_bytes()
            except (ValueError, KeyError, OSError) as exc:
                raise LabelsError(f"{path}:{number}: {type(exc).__name__}: {exc}") from exc
            item = InputFile(f"/realdev/texts/{record['id']}.txt", data)
            labelled.append(Labelled(record["id"], item, gold))
    if not labelled:
        raise LabelsError(f"{folder}: no labels-*.jsonl with texts")
    return labelled


def load_roles(folder: Path) -> dict[str, dict[str, frozenset[str]]]:
    """Authors, credits and speakers per text id, from ``roles.jsonl`` when it is there."""
    path = folder / "roles.jsonl"
    if not path.exists():
        return {}
    out = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            roles = {field: frozenset(record[field]) for field in ROLES}
            roles[PAIRS] = frozenset(
                f"{code}|{name}" for name, codes in record[PAIRS].items() for code in codes
            )
            out[record["id"]] = roles
        except (ValueError, KeyError, TypeError) as exc:
            raise LabelsError(f"{path}:{number}: {type(exc).__name__}: {exc}") from exc
    return out


def report(scored: list[Scored]) -> dict:
    """Per field P / R / F1, per code counts, and the codes given to negative controls."""
    fields = {}
    present = [f for f in (*ROLES, PAIRS) if all(f in row.pairs for row in scored)]
    for field in (*FIELDS, *present):
        pairs = [row.pairs[field] for row in scored]
        p, r, f = prf(pairs) if field in ("issues", "states") else prf_names(pairs)
        fields[field] = {"precision": p, "recall": r, "f1": f}
    negatives = {
        row.name: sorted(row.pairs["issues"][0])
        for row in scored
        if not row.pairs["issues"][1] and row.pairs["issues"][0]
    }
    return {
        "texts": len(scored),
        "negative_controls": sum(1 for row in scored if not row.pairs["issues"][1]),
        "fields": fields,
        "codes": {
            c: dict(zip(("tp", "fp", "fn"), v, strict=True)) for c, v in per_code(scored).items()
        },
        "codes_on_negatives": negatives,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_folder_argument(parser)
    parser.add_argument("--misses", action="store_true", help="list every text that differs")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    folder = chosen_folder(args.folder, "score_real")
    if folder is None:
        return 2
    try:
        scored = score(load_realdev(folder), Extractors.build(load_reference()))
    except LabelsError as exc:
        print(f"score_real: {exc}", file=sys.stderr)
        return 2
    result = report(scored)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['texts']} real texts ({result['negative_controls']} negative controls): P / R / F1"
    )
    for field, v in result["fields"].items():
        print(field_line(field, v["precision"], v["recall"], v["f1"]))
    print("\n" + CODE_TABLE_HEADER)
    for code, v in result["codes"].items():
        print(code_line(code, v["tp"], v["fp"], v["fn"]))
    print(f"\ncodes on negative controls: {result['codes_on_negatives'] or 'none'}")
    if args.misses:
        print()
        for name, field, extra, missing in misses(scored):
            if field not in ("issues", "states"):  # as scored: names that match are not misses
                pred, gold = next(r for r in scored if r.name == name).pairs[field]
                extra, missing = unmatched_names(pred, gold)
                if not extra and not missing:
                    continue
            print(f"  {name} {field}: extra {extra} missing {missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
