"""Raw inputs kept under the warehouse, so a backfill never needs the inbox.

Each batch writes its new raw units as one Parquet *pack*, ``_raw/packs/<name>.parquet``
(columns sha256, suffix, data; zstd), made durable before the caller commits rows that
point at them. One file per batch instead of one per unit: creating a thousand small files
in 256 folders and syncing the file system cost a batch far more than one pack. Warehouses written before keep their per-unit files (``_raw/ab/<sha>.<suffix>``),
which ``load_raw_units`` still reads. The same unit may sit in two packs (a run that crashed
before its commit stored it, the next stored it again): any copy serves.
"""

import functools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

RAW_DIR = "_raw"
PACKS_DIR = "packs"
PACK_SCHEMA = pa.schema(
    [
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("suffix", pa.string(), nullable=False),
        pa.field("data", pa.binary(), nullable=False),
    ]
)


def raw_path(root: str, sha256: str, suffix: str) -> Path:
    """Where the per-unit layout of older warehouses kept a unit: _raw/ab/abcdef….txt."""
    return Path(root) / RAW_DIR / sha256[:2] / f"{sha256}{suffix}"


def packs_folder(root: str) -> Path:
    """The folder of the raw packs."""
    return Path(root) / RAW_DIR / PACKS_DIR


def store_raw(root: str, units: Iterable[tuple[str, str, bytes]], pack: str) -> int:
    """Write ``units`` (sha256, suffix, bytes) as the pack named ``pack``; returns how many.

    The pack is written to a temporary file, synced and renamed into place (a reader never
    sees half a pack; a crash leaves only a ``.tmp`` that readers ignore), then its folder is
    synced. Writing a pack of the same name again replaces it (a retried batch).
    """
    if "://" in root:
        return 0  # object stores: keep the inbox (see README, "Beyond one machine")
    unique = {sha: (sha, suffix, data) for sha, suffix, data in units}
    if not unique:
        return 0
    rows = list(unique.values())
    table = pa.table(
        [
            pa.array([r[0] for r in rows], pa.string()),
            pa.array([r[1] for r in rows], pa.string()),
            pa.array([r[2] for r in rows], pa.binary()),
        ],
        schema=PACK_SCHEMA,
    )
    folder = packs_folder(root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{pack}.parquet"
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    _fsync(tmp)
    tmp.replace(path)
    _fsync(folder)
    return table.num_rows


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_raw_units(root: str, shas: Sequence[str]) -> dict[str, tuple[str, str, bytes]]:
    """sha256 -> (where it was found, suffix, bytes) for each of ``shas`` that is stored:
    from the per-unit files of older warehouses, then from the packs."""
    found: dict[str, tuple[str, str, bytes]] = {}
    wanted = set(shas)
    raw = Path(root, RAW_DIR)
    if raw.is_dir() and any(p.is_dir() and p.name != PACKS_DIR for p in raw.iterdir()):
        for sha in sorted(wanted):  # an older warehouse: per-unit files
            folder = raw_path(root, sha, "").parent
            if not folder.is_dir():
                continue
            stored = sorted(p for p in folder.glob(f"{sha}.*") if not p.name.endswith(".tmp"))
            if stored:
                found[sha] = (str(stored[0]), stored[0].suffix, stored[0].read_bytes())
    missing = wanted - found.keys()
    folder = packs_folder(root)
    if not missing or not folder.is_dir():
        return found
    stats = [(p.name, p.stat()) for p in sorted(folder.glob("*.parquet"))]
    index = _pack_index(str(folder), tuple((n, s.st_mtime_ns, s.st_size) for n, s in stats))
    by_pack: dict[str, list[str]] = {}
    for sha in sorted(missing):
        if sha in index:
            by_pack.setdefault(index[sha], []).append(sha)
    for pack, in_pack in by_pack.items():
        rows = pq.read_table(pack, schema=PACK_SCHEMA)
        rows = rows.filter(pc.is_in(rows["sha256"], pa.array(in_pack)))
        for sha, suffix, data in zip(
            rows["sha256"].to_pylist(),
            rows["suffix"].to_pylist(),
            rows["data"].to_pylist(),
            strict=True,
        ):
            found[sha] = (f"{pack}#{sha}{suffix}", suffix, data)
    return found


@functools.lru_cache(maxsize=2)
def _pack_index(folder: str, packs: tuple[tuple[str, int, int], ...]) -> dict[str, str]:
    """sha256 -> the pack holding it, from each pack's sha256 column: read once per process
    while the packs (name, mtime, size) stay the same (a backfill asks once per batch)."""
    index: dict[str, str] = {}
    for name, _, _ in packs:
        path = str(Path(folder, name))
        for sha in pq.read_table(path, columns=["sha256"])["sha256"].to_pylist():
            index.setdefault(sha, path)
    return index
