"""Check a warehouse before trusting it, and repair what can be repaired.

A run starts with ``check_warehouse`` and refuses to write into a warehouse that fails it: a
damaged Delta log read as an empty table would otherwise make every stored input look
unchanged and be skipped for good. ``alliance doctor`` prints every problem in one line with
its repair, and ``alliance doctor --repair`` carries the repairs out:

- a commit file of a table's log that is not JSON (zeroed, truncated, overwritten): replaced
  by a valid commit that adds nothing (the damaged file is kept in ``_delta_log_damaged/``),
  so versions stay as the runs recorded them;
- data files the log lists but the disk lacks: removed from the table (Delta's ``repair``);
- rows of the article tables whose article is gone: deleted (re-processing writes them again);
- inputs the ``inputs`` index lists but no ``articles`` or ``quarantine`` row names: dropped
  from the index, so the next run reads them again; those no longer in the inbox are written
  back from the raw store into ``<warehouse>/_recovered/`` to be run as an inbox.
"""

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

from flows.rawstore import load_raw_units
from flows.warehouse import Warehouse, _is_local
from transforms.schema import ARTICLE_TABLES, TABLES

DAMAGED_DIR = "_delta_log_damaged"
RECOVERED_DIR = "_recovered"
EXAMPLES = 3


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a warehouse: where, what kind, a one-line message and its repair."""

    table: str
    kind: str
    message: str
    repair: str
    version: int = -1  # damaged_log: the first damaged commit
    items: tuple[str, ...] = ()  # missing files, orphan article ids, lost input paths

    def line(self) -> str:
        """The problem and its repair in one line."""
        return f"{self.table}: {self.message}; {self.repair}"


def check_warehouse(wh: Warehouse, thorough: bool = False) -> list[Problem]:
    """Problems of ``wh``, the cheap checks first; ``thorough`` also reads every commit of
    every log (not just the latest) and every article id of the article tables."""
    if not _is_local(wh.root):
        return _check_tables(wh, thorough)
    root = Path(wh.root)
    if root.exists() and not root.is_dir():
        return [
            Problem(
                "warehouse",
                "not_a_folder",
                f"{root} is a file, not a folder",
                "give --warehouse a folder (a new one is created)",
            )
        ]
    if root.is_dir() and not os.access(root, os.W_OK | os.X_OK):
        return [
            Problem(
                "warehouse",
                "read_only",
                f"{root} is not writable by this user",
                "make it writable, or give --warehouse a writable folder",
            )
        ]
    if not root.exists():
        return []
    return _check_tables(wh, thorough)


def _check_tables(wh: Warehouse, thorough: bool) -> list[Problem]:
    problems: list[Problem] = []
    readable: dict[str, DeltaTable] = {}
    for name in TABLES:
        found, table = _check_table(wh, name, thorough)
        problems += found
        if table is not None and not found:
            readable[name] = table
    if "runs" in readable:
        problems += _check_recorded_versions(wh, {n: t.version() for n, t in readable.items()})
    if all(n in readable for n in ("articles", "quarantine", "inputs")):
        problems += _check_inputs(wh)
    if thorough and "articles" in readable:
        problems += _check_orphans(wh, [n for n in ARTICLE_TABLES if n in readable])
    return problems


def _check_table(
    wh: Warehouse, name: str, thorough: bool
) -> tuple[list[Problem], DeltaTable | None]:
    """The table's problems, and the table when it could be opened."""
    log = Path(wh.uri(name)) / "_delta_log"
    if _is_local(wh.root):
        if not log.is_dir():
            return [], None
        commits = sorted(log.glob("*.json"), key=lambda p: p.name)
        damaged = [
            Problem(
                name,
                "damaged_log",
                f"commit {int(commit.stem)} of the Delta log ({commit}) is damaged (not JSON), "
                "so the table may read as holding fewer rows than it does",
                "`alliance doctor --repair` replaces it by a commit that adds nothing "
                "and makes the next run read again the inputs whose rows it held",
                version=int(commit.stem),
            )
            for commit in (commits if thorough else commits[-1:])
            if commit.stem.isdigit() and not _commit_is_json(commit)
        ]
        if damaged:
            return damaged, None
    try:
        table = wh.table(name)
        if table is None:
            return [], None
        files = table.file_uris()
    except Exception as exc:
        problem = [
            Problem(
                name,
                "unreadable",
                f"the table cannot be read ({type(exc).__name__}: {_first_line(exc)})",
                "restore the folder from a backup, or move it away to start the table anew",
            )
        ]
        return problem, None
    if not _is_local(wh.root):
        return [], table
    missing = tuple(f for f in files if not os.path.exists(f.removeprefix("file://")))
    if missing:
        return [
            Problem(
                name,
                "missing_files",
                f"{len(missing)} of its {len(files)} data files are missing (e.g. {missing[0]})",
                "`alliance doctor --repair` drops them from the table and re-reads the inputs "
                "they held",
                items=missing,
            )
        ], table
    return [], table


def _commit_is_json(path: Path) -> bool:
    try:
        lines = path.read_bytes().splitlines()
        if not lines:
            return False
        for line in lines:
            if line.strip():
                json.loads(line)
    except (OSError, ValueError):
        return False
    return True


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]


def _check_recorded_versions(wh: Warehouse, current: dict[str, int]) -> list[Problem]:
    recorded: dict[str, int] = {}
    for row in wh.read("runs", columns=["table_versions"]).to_pylist():
        for name, version in json.loads(row["table_versions"] or "{}").items():
            recorded[name] = max(recorded.get(name, 0), int(version))
    problems = []
    for name, version in current.items():
        if recorded.get(name, 0) > version:
            problems.append(
                Problem(
                    name,
                    "behind_runs",
                    f"is at version {version}, but a run recorded version {recorded[name]}: "
                    "commits are missing from its log",
                    "restore the log from a backup; the inputs they held are re-read after "
                    "`alliance doctor --repair`",
                )
            )
    return problems


def lost_inputs(wh: Warehouse) -> list[str]:
    """Paths of the ``inputs`` index that no ``articles`` or ``quarantine`` row names (a file,
    or a JSON Lines / JSON array file by any of its records)."""
    named = set()
    for name in ("articles", "quarantine"):
        uris = wh.read(name, columns=["source_uri"]).column("source_uri")
        named.update(pc.unique(uris).to_pylist())
    files = {u.split("#", 1)[0] for u in named}
    paths = pc.unique(wh.read("inputs", columns=["path"]).column("path")).to_pylist()
    return sorted(p for p in paths if p not in files)


def _check_inputs(wh: Warehouse) -> list[Problem]:
    lost = lost_inputs(wh)
    if not lost:
        return []
    return [
        Problem(
            "inputs",
            "inputs_lost",
            f"{len(lost)} inputs read earlier have no row in articles or quarantine "
            f"(e.g. {', '.join(lost[:EXAMPLES])}): rows were lost from the tables",
            "`alliance doctor --repair` makes the next run read them again",
            items=tuple(lost),
        )
    ]


def _check_orphans(wh: Warehouse, tables: list[str]) -> list[Problem]:
    ids = pa.array(sorted(wh.column_values("articles", "article_id")), pa.string())
    problems = []
    for name in tables:
        if name == "articles":
            continue
        column = wh.read(name, columns=["article_id"]).column("article_id")
        orphans = pc.unique(column.filter(pc.invert(pc.is_in(column, ids)))).to_pylist()
        if orphans:
            problems.append(
                Problem(
                    name,
                    "orphan_rows",
                    f"rows of {len(orphans)} articles that the articles table does not hold",
                    "`alliance doctor --repair` deletes them (re-processing writes them again)",
                    items=tuple(sorted(orphans)),
                )
            )
    return problems


def repair_warehouse(wh: Warehouse, inbox: str | None = None) -> list[str]:
    """Carry out the repairs of the problems ``check_warehouse(thorough=True)`` finds; returns
    what was done, one line each. The writer lock must be held."""
    done: list[str] = []
    for problem in check_warehouse(wh, thorough=True):
        if problem.kind == "damaged_log":
            done.append(_replace_commit(wh, problem))
        elif problem.kind == "missing_files":
            table = wh.table(problem.table)
            assert table is not None
            table.repair(dry_run=False)
            done.append(f"{problem.table}: dropped {len(problem.items)} missing data files")
    # Rolled back or repaired tables may lose rows: check again for what follows from it.
    for problem in check_warehouse(wh, thorough=True):
        if problem.kind == "orphan_rows":
            table = wh.table(problem.table)
            assert table is not None
            ids = ", ".join("'" + i.replace("'", "''") + "'" for i in problem.items)
            table.delete(f"article_id IN ({ids})")
            done.append(f"{problem.table}: deleted the rows of {len(problem.items)} lost articles")
        elif problem.kind == "inputs_lost":
            done += _forget_inputs(wh, list(problem.items), inbox)
    return done


def _replace_commit(wh: Warehouse, problem: Problem) -> str:
    """Put a valid commit that adds nothing in place of the damaged one (kept aside in
    ``_delta_log_damaged/``): versions stay as the runs recorded them, and the rows the
    damaged commit added are read again from their inputs. A damaged first commit is
    replaced by that of a new empty table of the same schema."""
    log = Path(wh.uri(problem.table)) / "_delta_log"
    commit = log / f"{problem.version:020d}.json"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = Path(wh.uri(problem.table)) / DAMAGED_DIR / stamp
    aside.mkdir(parents=True, exist_ok=True)
    shutil.copy2(commit, aside / commit.name)
    if problem.version == 0:
        with tempfile.TemporaryDirectory() as scratch:
            write_deltalake(scratch, TABLES[problem.table].schema.empty_table())
            body = (Path(scratch) / "_delta_log" / commit.name).read_bytes()
    else:
        info = {
            "timestamp": int(dt.datetime.now(dt.UTC).timestamp() * 1000),
            "operation": "REPAIR",
            "operationParameters": {"replaced": "a damaged commit", "kept_in": str(aside)},
        }
        body = json.dumps({"commitInfo": info}).encode() + b"\n"
    tmp = commit.with_suffix(".json.tmp")
    tmp.write_bytes(body)
    tmp.replace(commit)
    return (
        f"{problem.table}: commit {problem.version} replaced by one that adds nothing "
        f"(the damaged file is kept in {aside})"
    )


def _forget_inputs(wh: Warehouse, paths: list[str], inbox: str | None) -> list[str]:
    """Drop ``paths`` from the inputs index; write the raw copies of those not on disk any
    more to <warehouse>/_recovered/."""
    table = wh.table("inputs")
    assert table is not None
    rows = wh.read("inputs", columns=["path", "sha256"]).to_pylist()
    wanted = set(paths)
    gone = {
        r["path"]: r["sha256"] for r in rows if r["path"] in wanted and not Path(r["path"]).exists()
    }
    quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in sorted(wanted))
    table.delete(f"path IN ({quoted})")
    done = [f"inputs: {len(wanted)} inputs will be read again by the next run"]
    if gone and _is_local(wh.root):
        stored = load_raw_units(wh.root, sorted(set(gone.values())))
        folder = Path(wh.root) / RECOVERED_DIR
        written = 0
        for path, sha in sorted(gone.items()):
            if sha in stored:
                _, suffix, data = stored[sha]
                folder.mkdir(exist_ok=True)
                (folder / (Path(path).stem + suffix)).write_bytes(data)
                written += 1
        done.append(
            f"inputs: {len(gone)} are no longer on disk; {written} written back from the raw "
            f"store to {folder} (run `alliance run --inbox {folder}`)"
        )
    elif inbox:
        done.append(f"inputs: run `alliance run --inbox {inbox}` to read them again")
    return done
