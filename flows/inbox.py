"""Read the inbox safely: list files, refuse what must not be read, return bytes."""

import os
from collections.abc import Iterable
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
            out.append(InputFile(uri, path.read_bytes()))
        except OSError as exc:
            out.append(_reject(uri, "unreadable", f"{uri}: {exc.strerror or exc}"))
    return out


def _reject(uri: str, reason: str, detail: str) -> Rejection:
    return Rejection(uri, sha256_hex(f"{reason}:{uri}".encode()), "ingest", reason, detail)
