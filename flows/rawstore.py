"""Raw inputs kept content-addressed under the warehouse, so a backfill never needs the inbox."""

import os
from collections.abc import Iterable
from pathlib import Path

RAW_DIR = "_raw"


def raw_path(root: str, sha256: str, suffix: str) -> Path:
    """Where the unit with this hash lives: _raw/ab/abcdef….txt."""
    return Path(root) / RAW_DIR / sha256[:2] / f"{sha256}{suffix}"


def store_raw(root: str, units: Iterable[tuple[str, str, bytes]]) -> int:
    """Write units not stored yet; returns how many.

    Each goes to a temp file renamed into place (a reader never sees half a file), and one
    ``os.sync`` at the end makes them all durable before the caller commits rows that point
    at them (an fsync per file was ~60% of the time for 1,000 small units). A file a crash
    left short of its unit's bytes is written again.
    """
    if "://" in root:
        return 0  # object stores: keep the inbox (see README, "Beyond one machine")
    written = 0
    folders: set[Path] = set()
    for sha, suffix, data in units:
        path = raw_path(root, sha, suffix)
        try:
            if path.stat().st_size == len(data):
                continue
        except FileNotFoundError:
            pass
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        written += 1
    if written:
        os.sync()
    return written


def load_raw(root: str, sha256: str, suffix: str) -> bytes:
    """The stored bytes of a unit; FileNotFoundError names the missing path."""
    return raw_path(root, sha256, suffix).read_bytes()
