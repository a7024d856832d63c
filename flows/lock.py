"""One writer per warehouse: an advisory file lock that the OS drops if the holder dies."""

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from transforms.errors import WarehouseError

LOCK_FILE = "_writer.lock"


@contextlib.contextmanager
def warehouse_lock(
    root: str, holder: str, timeout: float = 600.0, poll: float = 0.5, on_wait=None
) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to ``timeout`` seconds, then raise.

    flock is released by the kernel when the process exits, even on kill -9, so a crashed
    run never leaves the warehouse locked. Object-store warehouses are not locked here
    (run one writer per bucket prefix).
    """
    if "://" in root:
        yield
        return
    Path(root).mkdir(parents=True, exist_ok=True)
    path = Path(root) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    warned = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseError(
                        "warehouse_busy",
                        f"{root}: another run ({_holder(path)}) holds the writer lock; "
                        f"gave up after {timeout:.0f} s",
                    ) from None
                if on_wait and not warned:
                    on_wait(_holder(path))
                    warned = True
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"holder": holder, "pid": os.getpid()}).encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text() or "{}")
        return f"{data.get('holder', '?')}, pid {data.get('pid', '?')}"
    except (OSError, ValueError):
        return "unknown holder"
