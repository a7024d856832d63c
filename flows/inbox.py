"""Read the inbox safely: list files, refuse what must not be read, return bytes."""

import errno
import os
import stat
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from transforms.ingest import InputFile, Rejection, sha256_hex


def discover_inbox(inbox: str | Path) -> list[Path]:
    """Every file under ``inbox`` (recursively, sorted), hidden files included; links are not followed."""
    root = Path(inbox)
    if not root.is_dir():
        raise FileNotFoundError(f"inbox {root} does not exist or is not a folder")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        found.extend(Path(dirpath) / name for name in sorted(filenames))
        found.extend(Path(dirpath) / d for d in dirnames if (Path(dirpath) / d).is_symlink())
    return found


# A file of the inbox as found by discovery: path, size, modification time (ns).
FileStat = tuple[str, int, int]


def pending_files(
    found: Iterable[Path], known: Mapping[str, tuple[int, int]]
) -> tuple[list[FileStat], int]:
    """Files to read (new or changed since the index ``known`` saw them), and how many are unchanged.

    A file that cannot be stat'ed is listed with size -1, so reading it reports why.
    """
    files: list[FileStat] = []
    unchanged = 0
    real_dirs: dict[Path, str] = {}  # one realpath per folder, not one per file (~50 µs each)
    for path in found:
        try:
            st = path.lstat()
        except OSError:
            files.append((str(path), -1, -1))
            continue
        link = stat.S_ISLNK(st.st_mode)
        if link:
            key = str(path.absolute())
        else:
            parent = real_dirs.get(path.parent)
            if parent is None:
                parent = real_dirs[path.parent] = str(path.parent.resolve())
            key = os.path.join(parent, path.name)
        if known.get(key) == (st.st_size, st.st_mtime_ns):
            unchanged += 1
            continue
        files.append((str(path) if link else key, st.st_size, st.st_mtime_ns))
    return files, unchanged


def make_batches(files: list[FileStat], max_files: int, max_bytes: int) -> list[list[FileStat]]:
    """Consecutive batches of at most ``max_files`` files and ``max_bytes`` bytes (a file
    larger than ``max_bytes`` gets a batch of its own)."""
    batches: list[list[FileStat]] = []
    current: list[FileStat] = []
    size = 0
    for entry in files:
        nbytes = max(0, entry[1])
        if current and (len(current) >= max(1, max_files) or size + nbytes > max_bytes):
            batches.append(current)
            current, size = [], 0
        current.append(entry)
        size += nbytes
    if current:
        batches.append(current)
    return batches


def read_inputs(
    paths: Iterable[Path], inbox: str | Path, max_bytes: int
) -> list[InputFile | Rejection]:
    """Bytes of each path, or a Rejection (symlink out of the inbox, too large, unreadable)."""
    root = Path(inbox).resolve()
    out: list[InputFile | Rejection] = []
    for path in paths:
        uri = str(path.resolve() if not path.is_symlink() else path.absolute())
        try:
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    out.append(
                        _reject(
                            uri,
                            "symlink_outside_inbox",
                            f"{uri}: symbolic link to {target}, outside the inbox",
                        )
                    )
                    continue
                if target.is_dir():
                    out.append(
                        _reject(
                            uri,
                            "symlink_to_folder",
                            f"{uri}: symbolic link to a folder, not followed",
                        )
                    )
                    continue
            if not path.is_file():
                out.append(_reject(uri, "not_a_regular_file", f"{uri}: not a regular file"))
                continue
            size = path.stat().st_size
            if size > max_bytes:
                out.append(
                    _reject(
                        uri,
                        "file_too_large",
                        f"{uri}: {size} bytes, over the {max_bytes}-byte limit",
                    )
                )
                continue
            out.append(InputFile(uri, _read_with_retries(path)))
        except TransientReadError:
            continue  # still busy after the retries: it stays in the inbox for the next run
        except OSError as exc:
            out.append(_reject(uri, "unreadable", f"{uri}: {exc.strerror or exc}"))
    return out


class TransientReadError(OSError):
    """A file that could not be read now (locked, busy) but may be readable later."""


TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EBUSY, errno.ETXTBSY, errno.EINTR}


def _read_with_retries(path: Path, retries: int = 3, backoff: float = 0.1) -> bytes:
    delay = backoff
    for attempt in range(retries + 1):
        try:
            return path.read_bytes()
        except OSError as exc:
            if exc.errno not in TRANSIENT_ERRNOS:
                raise
            if attempt == retries:
                raise TransientReadError(
                    exc.errno, f"{path}: still busy after {retries} retries"
                ) from exc
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _reject(uri: str, reason: str, detail: str) -> Rejection:
    return Rejection(uri, sha256_hex(f"{reason}:{uri}".encode()), "ingest", reason, detail)
