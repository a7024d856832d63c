"""The compiled hot path: used only when it matches the sources, and it gives the same rows."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import transforms
import transforms.actors
import transforms.triggers
from transforms import native

from .conftest import REPO, SAMPLES, TESTS

FINGERPRINT = """
import datetime as dt, hashlib, json, sys
from pathlib import Path
import transforms
from flows.seeds import load_reference
from transforms.ingest import InputFile
from transforms.pipeline import Extractors, process_batch
inputs = [InputFile(p, Path(p).read_bytes()) for p in json.loads(sys.argv[1])]
result = process_batch(inputs, Extractors.build(load_reference()), run_id="r",
                       ingested_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
digest = hashlib.sha256()
for name in sorted(result.tables):
    for row in result.tables[name].to_pylist():
        digest.update(repr(sorted(row.items())).encode())
import transforms.triggers
print(json.dumps({"compiled": transforms.COMPILED, "in_c": transforms.triggers.IN_C, "rows": sum(t.num_rows for t in result.tables.values()), "digest": digest.hexdigest()}))
"""


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "transforms"
    package.mkdir()
    for name in ("actors", "issues"):
        (package / f"{name}.py").write_text(f"X = '{name}'\n")
    return package


def _stamp(package: Path, **changes) -> None:
    (package.parent / native.NATIVE_DIR).mkdir(exist_ok=True)
    stamp = {"python": sys.version, "modules": native.source_digests(package), **changes}
    (package.parent / native.NATIVE_DIR / "stamp.json").write_text(json.dumps(stamp))


def test_compiled_modules_are_used_only_while_they_match_the_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("ALLIANCE_NATIVE", raising=False)
    package = _package(tmp_path)
    assert native.compiled_dir(package) is None  # never built
    _stamp(package)
    assert native.compiled_dir(package) == tmp_path / native.NATIVE_DIR
    monkeypatch.setenv("ALLIANCE_NATIVE", "0")
    assert native.compiled_dir(package) is None  # turned off
    monkeypatch.delenv("ALLIANCE_NATIVE")
    (package / "issues.py").write_text("X = 'edited'\n")
    assert native.compiled_dir(package) is None  # a source changed since the build
    _stamp(package)
    (package / "pipeline.py").write_text("Y = 1\n")
    assert native.compiled_dir(package) is None  # a module they were compiled against, too
    _stamp(package, python="3.11.0 (another build)")
    assert native.compiled_dir(package) is None
    _stamp(package, modules={}, skipped="gcc: not found")
    assert native.compiled_dir(package) is None  # a build that failed
    (tmp_path / native.NATIVE_DIR / "stamp.json").write_text("{not json")
    assert native.compiled_dir(package) is None


def test_use_compiled_puts_the_build_first_on_the_package_path(tmp_path, monkeypatch):
    monkeypatch.delenv("ALLIANCE_NATIVE", raising=False)
    package = _package(tmp_path)
    _stamp(package)
    path = [str(package)]
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert native.use_compiled(path)
    assert path == [str(tmp_path / native.NATIVE_DIR / "transforms"), str(package)]
    assert str(tmp_path / native.NATIVE_DIR / "lib") in sys.path


def _built() -> bool:
    stamp = REPO / native.NATIVE_DIR / "stamp.json"
    return stamp.is_file() and bool(json.loads(stamp.read_text()).get("modules"))


@pytest.mark.skipif(not _built(), reason="no compiled build in this checkout (no C compiler)")
def test_the_compiled_build_gives_the_rows_python_gives():
    assert transforms.COMPILED
    assert transforms.actors.__file__.endswith(".so")
    assert transforms.triggers.IN_C  # the C word index (_wordscan.c) is built with them
    paths = sorted(str(p) for p in SAMPLES.glob("*.txt"))
    paths += sorted(str(p) for p in (TESTS / "devset").glob("*.jsonl"))

    def run(compiled: str) -> dict:
        env = {**os.environ, "ALLIANCE_NATIVE": compiled}
        done = subprocess.run(
            [sys.executable, "-c", FINGERPRINT, json.dumps(paths)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    python, compiled = run("0"), run("1")
    assert (python["compiled"], compiled["compiled"]) == (False, True)
    assert (python["in_c"], compiled["in_c"]) == (False, True)
    assert python["rows"] > 2000
    assert compiled == {**python, "compiled": True, "in_c": True}
