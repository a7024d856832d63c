"""Hash every table a run writes, so two versions of the code (or two engines) can be shown to
write the same rows.

    python scripts/table_hashes.py [--engine fast|reference] [--out hashes.json] INBOX...

Each INBOX is run into its own fresh warehouse with ``alliance run`` (threads, no report);
each table is read, stripped of what differs between two runs of the same input (run ids,
timestamps, the temporary folder names) and hashed sorted by its key. ``runs`` and
``inputs`` describe the run itself and are not hashed. Prints one JSON object:
``{inbox: {table: sha256}}``.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from transforms.schema import ARTICLE_TABLES, TABLES

# Columns that name the run or the moment, not the content.
VOLATILE = {"run_id", "ingested_at", "quarantined_at"}
# The seed versions stamped on rows: left out with --ignore-versions, to compare the rows of
# a change that moved or reworded seeds (and so bumped their versions) without changing them.
VERSIONS = {"taxonomy_version", "gazetteer_version"}


def table_hash(frame: pd.DataFrame, key: tuple[str, ...], leave_out: set[str] = VOLATILE) -> str:
    """SHA-256 of the rows sorted by ``key``, the ``leave_out`` columns left out."""
    frame = frame.drop(columns=[c for c in frame.columns if c in leave_out])
    frame = frame[sorted(frame.columns)]
    frame = frame.sort_values(list(key), kind="stable").reset_index(drop=True)
    digest = hashlib.sha256()
    digest.update(",".join(frame.columns).encode())
    for row in frame.itertuples(index=False):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def run_and_hash(inbox: Path, engine: str, leave_out: set[str] = VOLATILE) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="alliance-hash-") as tmp:
        warehouse = Path(tmp) / "warehouse"
        env = dict(os.environ, ALLIANCE_ENGINE=engine, ALLIANCE_WATCHDOG="0")
        subprocess.run(
            [
                *(sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox)),
                *("--warehouse", str(warehouse), "--no-report", "--task-runner", "threads"),
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        from deltalake import DeltaTable

        out = {}
        for name in (*ARTICLE_TABLES, "quarantine"):
            frame = DeltaTable(str(warehouse / name)).to_pandas()
            if name == "quarantine":  # its id and uri carry the inbox path
                frame = frame.drop(columns=["quarantine_id"])
                key: tuple[str, ...] = ("source_uri", "stage", "reason")
            else:
                key = TABLES[name].key
            out[name] = table_hash(frame, key, leave_out)
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inboxes", nargs="+", type=Path)
    parser.add_argument("--engine", default=os.environ.get("ALLIANCE_ENGINE", "fast"))
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--ignore-versions", action="store_true", help="leave the seed version columns out"
    )
    args = parser.parse_args(argv)
    leave_out = VOLATILE | VERSIONS if args.ignore_versions else VOLATILE
    result = {str(inbox): run_and_hash(inbox, args.engine, leave_out) for inbox in args.inboxes}
    text = json.dumps(result, indent=2, sort_keys=True)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
