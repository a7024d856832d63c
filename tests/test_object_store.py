"""An object-store warehouse (s3://) end to end, against a local S3 server (moto) on 127.0.0.1:
runs, a second run that adds nothing, status, files and export."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLES
from tests.test_flow_e2e import make_inbox

pytestmark = pytest.mark.slow

BUCKET = "alliance-test"


@pytest.fixture(scope="module")
def s3_env():
    """A moto S3 server on a free loopback port and the AWS_* variables that reach it."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
    }
    boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    yield env
    server.stop()


@pytest.fixture(scope="module")
def api_url(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def alliance(args, env, api_url) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=REPO,
        env={**os.environ, **env, "PREFECT_API_URL": api_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_s3_warehouse_takes_runs_status_files_and_export(s3_env, api_url, tmp_path):
    inbox = make_inbox(tmp_path)
    warehouse = f"s3://{BUCKET}/alliance"
    first = alliance(
        ["run", "--inbox", str(inbox), "--warehouse", warehouse, "--json"], s3_env, api_url
    )
    assert first.returncode == 0, first.stderr[-3000:]
    summary = json.loads(first.stdout)
    assert summary["articles_new"] >= len(list(SAMPLES.glob("*.txt")))
    second = alliance(
        ["run", "--inbox", str(inbox), "--warehouse", warehouse, "--json"], s3_env, api_url
    )
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads(second.stdout)
    assert again["articles_new"] == 0 and again["quarantined"] == 0
    assert again["inputs_skipped"] == summary["files_seen"]

    status = alliance(["status", "--json", "--warehouse", warehouse], s3_env, api_url)
    assert status.returncode == 0, status.stderr[-3000:]
    tables = json.loads(status.stdout)["tables"]
    assert tables["articles"]["rows"] == summary["articles_new"]
    assert [r["status"] for r in json.loads(status.stdout)["runs"]] == ["succeeded", "succeeded"]

    files = alliance(["files", "articles", "--warehouse", warehouse], s3_env, api_url)
    assert files.returncode == 0, files.stderr[-3000:]
    assert files.stdout.strip() and all(
        line.startswith(f"s3://{BUCKET}/alliance/articles/") for line in files.stdout.splitlines()
    )

    out = tmp_path / "snapshot"
    export = alliance(["export", "--out", str(out), "--warehouse", warehouse], s3_env, api_url)
    assert export.returncode == 0, export.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"]["articles"]["rows"] == summary["articles_new"]
