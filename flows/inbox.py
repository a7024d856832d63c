"""Read the inbox safely: list files, refuse what must not be read, return bytes."""

import errno
import os
import stat
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from transforms.ingest import InputFile, Rejection, describe_error, printable_path, sha256_hex

# A file of the inbox as found by discovery: path, size, modification time (ns).
FileStat = tuple[str, int, int]


def scan_inbox(
    inbox: str | Path, known: Mapping[str, tuple[int, int]]
) -> tuple[list[FileStat], int, int]:
    """Files under ``inbox`` to read (new, or changed since the index ``known`` saw them), how
    many are unchanged, and how many were found.

    Recursive and sorted; hidden files included; links are listed, never followed (reading
    one checks where it points). A file that cannot be stat'ed, or a folder that cannot be
    listed, is listed with size -1, so reading it reports why. One walk, no Path per file
    (listing, then stat'ing, took twice as long)."""
    root = Path(inbox)
    if not root.is_dir():
        raise FileNotFoundError(f"inbox {root} does not exist or is not a folder")
    files: list[FileStat] = []
    unchanged = found = 0
    folders = [(str(root), os.path.realpath(root))]
    while folders:
        folder, real = folders.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            if folder == str(root):
                raise
            files.append((folder, -1, -1))  # reading it reports why: never skipped silently
            continue
        subfolders = []
        prefix = real.rstrip("/") + "/"
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append((entry.path, prefix + entry.name))
                continue
            found += 1
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                files.append((entry.path, -1, -1))
                continue
            # A link is known by where it is, and read from there; a file by its real path.
            if stat.S_ISLNK(st.st_mode):
                key, listed = str(Path(entry.path).absolute()), entry.path
            else:
                key = listed = prefix + entry.name
            if known.get(printable_path(key)) == (st.st_size, st.st_mtime_ns):
                unchanged += 1
            else:
                files.append((listed, st.st_size, st.st_mtime_ns))
        folders.extend(reversed(subfolders))
    return files, unchanged, found


# A run split to give every worker a batch still has at least this many files per batch (each
# batch pays a fixed cost of validation).
MIN_SPLIT_FILES = 100


def make_batches(
    files: list[FileStat], max_files: int, max_bytes: int, parts: int = 1
) -> list[list[FileStat]]:
    """Consecutive batches of at most ``max_files`` files and ``max_bytes`` bytes (a file
    larger than ``max_bytes`` gets a batch of its own).

    With ``parts`` workers: files that would make fewer than ``parts`` batches are split into
    up to ``parts`` (one per worker), of at least ``MIN_SPLIT_FILES`` files each; more batches
    are made a multiple of ``parts`` and cut at equal shares of the bytes, so that the workers
    finish together (a run's last, short batch left one worker idle while the other ran a
    full one). A small run split for the workers is cut at equal shares of the bytes too, not
    of the files: cut by files, a run of text files, pages and JSON Lines drops gave one worker
    more articles than the other, and the other waited.
    """
    first_cap = max_files
    if parts > 1:  # one batch per worker at least, of MIN_SPLIT_FILES files or more
        first_cap = min(max_files, max(MIN_SPLIT_FILES, -(-len(files) // parts)))
    batches = _cut(files, first_cap, max_bytes)
    if parts > 1 and len(batches) > 1:
        count = -(-len(batches) // parts) * parts
        if len(files) >= count * MIN_SPLIT_FILES:
            batches = _cut(files, max_files, max_bytes, count)
    return batches


def _cut(
    files: list[FileStat], max_files: int, max_bytes: int, count: int = 0
) -> list[list[FileStat]]:
    """Close a batch before the file that would break a limit; with ``count``, also once the
    bytes so far reach the next of ``count`` equal shares of all the bytes."""
    total = sum(max(0, f[1]) for f in files) if count else 0
    batches: list[list[FileStat]] = []
    current: list[FileStat] = []
    size = done = 0
    for entry in files:
        nbytes = max(0, entry[1])
        if current and (
            len(current) >= max(1, max_files)
            or size + nbytes > max_bytes
            or (count and (done + size) * count >= total * (len(batches) + 1))
        ):
            batches.append(current)
            done += size
            current, size = [], 0
        current.append(entry)
        size += nbytes
    if current:
        batches.append(current)
    return batches


def read_inputs(
    paths: Iterable[Path], inbox: str | Path, max_bytes: int
) -> list[InputFile | Rejection]:
    """Bytes of each path, or a Rejection (symlink out of the inbox, too large, unreadable).

    Each input is named by ``printable_path`` of where it was read from."""
    root = Path(inbox).resolve()
    out: list[InputFile | Rejection] = []
    for path in paths:
        try:
            uri = printable_path(str(path.resolve() if not path.is_symlink() else path.absolute()))
        except (OSError, RuntimeError) as exc:  # a link loop, a folder gone
            uri = printable_path(str(path.absolute()))
            out.append(_reject(uri, "unreadable", describe_error(uri, exc)))
            continue
        try:
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    out.append(
                        _reject(
                            uri,
                            "symlink_outside_inbox",
                            f"{uri}: symbolic link to {printable_path(str(target))}, outside the inbox",
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
        except Exception as exc:  # whatever else: this file's problem, not the batch's
            out.append(_reject(uri, "unreadable", describe_error(uri, exc)))
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
