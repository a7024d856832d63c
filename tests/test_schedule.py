"""Schedules: `alliance server` (persistent Prefect server) + `alliance serve --cron`, for real."""

import json
import os
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

CHECK = """
import json, sys
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
import anyio

async def schedules():
    async with get_client() as client:
        dep = await client.read_deployment_by_name("alliance-ingest/alliance-ingest-scheduled")
        return [s.schedule.cron for s in dep.schedules], dep.parameters

crons, params = anyio.run(schedules)
run = run_deployment("alliance-ingest/alliance-ingest-scheduled", timeout=240)
print(json.dumps({"crons": crons, "params": params, "state": run.state.type.value}))
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


def test_server_and_scheduled_deployment(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_HOME=str(tmp_path / "client-home"),
    )
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
    serve = None
    try:
        _wait_healthy(api, server)
        assert (tmp_path / "state" / "prefect" / "prefect.db").exists()
        env["PREFECT_API_URL"] = api
        warehouse = tmp_path / "wh"
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "serve",
                "--cron",
                "*/30 * * * *",
                "--inbox",
                str(SAMPLES),
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
        time.sleep(8)  # registration
        out = subprocess.run(
            [sys.executable, "-c", CHECK],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert result["crons"] == ["*/30 * * * *"]
        assert result["params"]["warehouse"] == str(warehouse)
        assert result["state"] == "COMPLETED"
        assert len(DeltaTable(str(warehouse / "articles")).to_pandas()) == 5
    finally:
        for proc in (serve, server):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
