"""kill -9 of `alliance run` takes its worker processes and Prefect's temporary server with it."""

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import REPO, SAMPLES

pytestmark = pytest.mark.slow


def _inbox(root, copies: int = 200):
    """Enough distinct files for two batches, so that the run starts its worker processes."""
    inbox = root / "inbox"
    inbox.mkdir()
    samples = [p.read_text() for p in sorted(SAMPLES.glob("*.txt"))]
    for i in range(copies):
        text = (
            samples[i % len(samples)] + f"\n\nCorrection {i}: an earlier version misdated this.\n"
        )
        (inbox / f"a{i:04d}.txt").write_text(text)
    return inbox


def _kind(proc: psutil.Process) -> str:
    cmd = " ".join(proc.cmdline())
    if "uvicorn" in cmd:
        return "server"
    if "multiprocessing" in cmd:
        return "worker"
    if "flows.watchdog" in cmd:
        return "watchdog"
    return "other"


def test_no_descendant_outlives_a_killed_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # its own server
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "--inbox",
            str(_inbox(tmp_path)),
            "--warehouse",
            str(tmp_path / "wh"),
            "--no-report",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    descendants: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + 180
        kinds: list[str] = []
        while time.monotonic() < deadline and run.poll() is None:
            for child in psutil.Process(run.pid).children(recursive=True):
                descendants.setdefault(child.pid, child)
            kinds = sorted(_kind(p) for p in descendants.values() if p.is_running())
            if kinds.count("worker") >= 2 and "server" in kinds:
                break
            time.sleep(0.2)
        assert run.poll() is None, "the run ended before it could be killed"
        assert kinds.count("worker") >= 2 and "server" in kinds, kinds
        time.sleep(1.0)
        run.send_signal(signal.SIGKILL)
        run.wait()
        killed_at = time.monotonic()
        alive = list(descendants.values())
        while alive and time.monotonic() - killed_at < 15:
            alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            time.sleep(0.2)
        assert not alive, [(p.pid, _kind(p)) for p in alive]
    finally:
        for proc in descendants.values():  # never leave them behind, even when the test fails
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        if run.poll() is None:
            run.kill()
