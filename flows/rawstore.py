"""Raw inputs kept content-addressed under the warehouse, so a backfill never needs the inbox."""

import os
from collections.abc import Iterable
from pathlib import Path

RAW_DIR = "_raw"


def raw_path(root: str, sha256: str, suffix: str) -> Path:
    """Where the unit with this hash lives: _raw/ab/abcdef….txt."""
    return Path(root) / RAW_DIR / sha256[:2] / f"{sha256}{suffix}"


def store_raw(root: str, units: Iterable[tuple[str, str, bytes]]) -> int:
    """Write units not stored yet (atomically: temp file, fsync, rename); returns how many."""
    if "://" in root:
        return 0  # object stores: keep the inbox (see README, "Beyond one machine")
    written = 0
    for sha, suffix, data in units:
        path = raw_path(root, sha, suffix)
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
        written += 1
    return written


def load_raw(root: str, sha256: str, suffix: str) -> bytes:
    """The stored bytes of a unit; FileNotFoundError names the missing path."""
    return raw_path(root, sha256, suffix).read_bytes()
