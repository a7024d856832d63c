"""Schedules: `alliance server` (persistent Prefect server) + `alliance serve --cron`, for real.

The run that ingests the dropped file must be one the server's scheduler created from the
cron schedule: a run triggered by hand would pass even when the scheduler creates none
(as it did with SQLAlchemy 2.1, where every scheduler loop failed).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from deltalake import DeltaTable

from tests.conftest import REPO, SAMPLES

pytestmark = pytest.mark.slow

RUNS = """
import json
import anyio
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

async def main():
    async with get_client() as client:
        dep = await client.read_deployment_by_name("alliance-ingest/alliance-ingest-scheduled")
        runs = await client.read_flow_runs()
        mine = [r.id for r in runs if r.deployment_id == dep.id]
        logs = await client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=mine)) if mine else None
        )
        return {
            "logs": [log.message for log in logs],
            "crons": [s.schedule.cron for s in dep.schedules],
            "params": dep.parameters,
            "runs": [
                {"auto_scheduled": r.auto_scheduled, "state": r.state_type.value, "name": r.name}
                for r in runs
                if r.deployment_id == dep.id
            ],
        }

print(json.dumps(anyio.run(main)))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("server did not become healthy")


def _articles(warehouse) -> int:
    try:
        return len(DeltaTable(str(warehouse / "articles")).to_pandas())
    except Exception:  # not created yet
        return 0


def _stop(proc: subprocess.Popen | None) -> str:
    if proc is None:
        return ""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.stdout.read() if proc.stdout else ""


def test_the_scheduler_creates_a_run_that_ingests_a_dropped_file(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_HOME=str(tmp_path / "client-home"),
        # The scheduler looks for deployments to schedule every 60 s by default: 5 s here,
        # so the test waits for the cron tick, not for the loop.
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
    )
    server = serve = None
    try:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "server",
                "--state-dir",
                str(tmp_path / "state"),
                "--port",
                str(port),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        _wait_healthy(api, server)
        assert (tmp_path / "state" / "prefect" / "prefect.db").exists()
        env["PREFECT_API_URL"] = api
        # Batches of two files: the five samples make three, which a scheduled run must send
        # to worker processes, one per core, as `alliance run` does. Its INFO lines say so.
        env.update(ALLIANCE_BATCH_SIZE="2", PREFECT_LOGGING_LEVEL="INFO")
        inbox, warehouse = tmp_path / "inbox", tmp_path / "wh"
        inbox.mkdir()
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "serve",
                "--cron",
                "* * * * *",
                "--inbox",
                str(inbox),
                "--warehouse",
                str(warehouse),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        drop = tmp_path / "drop"
        drop.mkdir()
        for sample in SAMPLES.glob("*.txt"):
            shutil.copy(sample, drop / sample.name)
        samples = len(list(drop.iterdir()))
        drop.rename(inbox / "drop")  # all at once, while the deployment waits for its tick
        deadline = time.monotonic() + 240  # up to a minute to the tick, then the run
        while _articles(warehouse) < samples and time.monotonic() < deadline:
            assert serve.poll() is None, _stop(serve)[-3000:]
            time.sleep(2)
        assert _articles(warehouse) == samples, "no scheduled run ingested the dropped files"
        out = subprocess.run(
            [sys.executable, "-c", RUNS], cwd=REPO, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr[-3000:]
        found = json.loads(out.stdout.strip().splitlines()[-1])
        assert found["crons"] == ["* * * * *"]
        assert found["params"]["warehouse"] == str(warehouse)
        done = [r for r in found["runs"] if r["state"] == "COMPLETED"]
        assert done and all(r["auto_scheduled"] for r in done), found["runs"]
        cores = os.cpu_count() or 1
        where = f"{cores} worker processes" if cores > 1 else "threads of this process"
        assert any("3 batches on " + where in m for m in found["logs"]), found["logs"][-20:]
    finally:
        _stop(serve)
        _stop(server)
