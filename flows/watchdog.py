"""Children die with their parent: a watchdog process that outlives a killed `alliance` command
just long enough to end what it started.

A run starts worker processes, Prefect's temporary server (uvicorn) and, with Dask, a local
cluster; `serve` starts a process per flow run. On kill -9 of the command none of them hear
anything: they are re-parented to PID 1 and live on. The parent-death signal (prctl) would
have to be set in each child by whoever starts it, and Prefect starts its server itself; a
process group cannot be used either, since the command must stay in the terminal's group for
Ctrl-C. So the command starts this watchdog (`python -m flows.watchdog PID`): it notes the
command's descendants twice a second while the command lives and, the moment it is gone,
terminates the ones still running (psutil checks each is the same process, not a reused
PID), then kills those that did not exit.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

POLL_SECONDS = 0.5
GRACE_SECONDS = 3.0


def start_watchdog(parent: int | None = None) -> subprocess.Popen | None:
    """Start the watchdog of ``parent`` (this process by default); None when turned off
    with ALLIANCE_WATCHDOG=0."""
    if os.environ.get("ALLIANCE_WATCHDOG", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "flows.watchdog", str(parent or os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


def watch(parent: int, poll: float = POLL_SECONDS, grace: float = GRACE_SECONDS) -> int:
    """Track ``parent``'s descendants until it exits, then end them; returns how many."""
    import psutil

    me = os.getpid()
    try:
        root = psutil.Process(parent)
    except psutil.NoSuchProcess:
        return 0
    known: dict[int, psutil.Process] = {}
    while os.getppid() == parent:  # re-parented: the command is gone
        try:
            for child in root.children(recursive=True):
                if child.pid != me:
                    known.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            break
        time.sleep(poll)
    victims: dict[int, psutil.Process] = {}
    for proc in known.values():
        try:
            if proc.is_running():
                victims[proc.pid] = proc
                victims.update((p.pid, p) for p in proc.children(recursive=True))
        except psutil.NoSuchProcess:
            continue
    victims.pop(me, None)
    for proc in victims.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(list(victims.values()), timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    return len(victims)


def main() -> int:
    """Entry point: ``python -m flows.watchdog PID``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the command, not for us
    watch(int(sys.argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
