"""What downstream users need from a warehouse: file lists, a manifest, exports, status."""

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.warehouse import Warehouse
from transforms.datapackage import datapackage
from transforms.errors import WarehouseError
from transforms.schema import SCHEMA_VERSION, TABLES

MANIFEST = "_manifest.json"


def table_files(wh: Warehouse, name: str, version: int | None = None) -> list[str]:
    """Parquet files that make up ``name`` at ``version`` (current when None)."""
    if name not in TABLES:
        raise WarehouseError("unknown_table", f"{name!r} is not one of {', '.join(TABLES)}")
    check_version(wh, name, version)
    dt_ = wh.table(name, version)
    if dt_ is None:
        raise WarehouseError(
            "missing_table", f"{wh.uri(name)}: no such table (run `alliance run` first)"
        )
    return list(dt_.file_uris())


def check_version(wh: Warehouse, name: str, version: int | None) -> None:
    """WarehouseError unless table ``name`` exists and has ``version`` (None: the current one)."""
    current = wh.table(name)
    if current is None:
        raise WarehouseError(
            "missing_table", f"{wh.uri(name)}: no such table (run `alliance run` first)"
        )
    if version is not None and not 0 <= version <= current.version():
        raise WarehouseError(
            "no_such_version",
            f"{name} has versions 0 to {current.version()}: there is no version {version} "
            f"(`alliance status` lists them)",
        )


def write_manifest(wh: Warehouse) -> dict[str, Any]:
    """Write <warehouse>/_manifest.json: each table's current version and Parquet files."""
    tables = {}
    for name in TABLES:
        dt_ = wh.table(name)
        if dt_ is not None:
            tables[name] = {"version": dt_.version(), "files": list(dt_.file_uris())}
    manifest = {
        "written_at": dt.datetime.now(dt.UTC).isoformat(),
        "schema_version": SCHEMA_VERSION,
        "tables": tables,
    }
    if "://" not in wh.root:
        path = Path(wh.root) / MANIFEST
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=2))
        tmp.replace(path)  # atomic: readers never see half a manifest
    return manifest


def versions_as_of_run(wh: Warehouse, runs_version: int | None) -> dict[str, int]:
    """Table versions recorded by the latest run in ``runs`` at ``runs_version`` (None: now)."""
    check_version(wh, "runs", runs_version)
    runs = wh.read("runs", version=runs_version).to_pylist()
    done = [r for r in runs if r["status"] == "succeeded"]
    if not done:
        raise WarehouseError(
            "no_runs", f"{wh.root}: no succeeded run at runs version {runs_version}"
        )
    last = max(done, key=lambda r: r["finished_at"])
    versions = json.loads(last["table_versions"])
    if runs_version is not None:
        versions["runs"] = runs_version
    else:
        current = wh.table("runs")
        assert current is not None
        versions["runs"] = current.version()
    for name in TABLES:  # tables the run did not touch: their version at that time
        if name not in versions:
            dt_ = wh.table(name)
            if dt_ is not None:
                versions[name] = _version_at(wh, name, last["finished_at"])
    return versions


def _version_at(wh: Warehouse, name: str, when: dt.datetime) -> int:
    dt_ = wh.table(name)
    assert dt_ is not None
    best = 0
    for entry in dt_.history():
        ts = dt.datetime.fromtimestamp(entry["timestamp"] / 1000, dt.UTC)
        if ts <= when:
            best = max(best, int(entry["version"]))
    return best


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_snapshot(
    wh: Warehouse, out: Path, runs_version: int | None = None, docs: Sequence[Path] = ()
) -> dict:
    """Write one Parquet file per table plus manifest.json (versions, counts, checksums),
    and a copy of each of ``docs`` (the data dictionary, the codebook) that exists."""
    versions = versions_as_of_run(wh, runs_version)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    runs = wh.read("runs", version=versions["runs"]).to_pylist()
    last = max((r for r in runs if r["status"] == "succeeded"), key=lambda r: r["finished_at"])
    for name in TABLES:
        table = wh.read(name, version=versions[name])
        path = out / f"{name}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp, compression="zstd")
        tmp.replace(path)
        files[name] = {
            "file": path.name,
            "delta_version": versions[name],
            "rows": table.num_rows,
            "sha256": _sha256(path),
        }
    shipped = []
    for doc in docs:
        if doc.exists():
            shutil.copy(doc, out / doc.name)
            shipped.append(doc.name)
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        # a local folder by its name only: no absolute local path leaves in an export
        "source_warehouse": wh.root if "://" in wh.root else Path(wh.root).name,
        "as_of_run": last["run_id"],
        "schema_version": SCHEMA_VERSION,
        "taxonomy_version": last["taxonomy_version"],
        "gazetteer_version": last["gazetteer_version"],
        "normalizer_version": last.get("normalizer_version"),  # None: a run before schema 1.1
        "code_version": last.get("code_version"),
        "calibration_version": last.get("calibration_version"),  # None: before schema 1.2
        "tables": files,
        "how_to_load": "pandas.read_parquet('<table>.parquet') for each table; check sha256 first",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    versions = {k: v for k, v in manifest.items() if k.endswith("_version") or k == "as_of_run"}
    package = datapackage(files, versions, [*shipped, "manifest.json"])
    (out / "datapackage.json").write_text(json.dumps(package, indent=2))
    return manifest


def verify_snapshot(folder: Path) -> list[str]:
    """Problems found in an exported snapshot (empty when intact)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    problems = []
    for name, entry in manifest["tables"].items():
        path = folder / entry["file"]
        if not path.exists():
            problems.append(f"{name}: {path} is missing")
        elif _sha256(path) != entry["sha256"]:
            problems.append(f"{name}: checksum mismatch")
        elif pq.read_metadata(path).num_rows != entry["rows"]:
            problems.append(f"{name}: row count mismatch")
    return problems


def warehouse_status(wh: Warehouse, last_runs: int = 5) -> dict[str, Any]:
    """Tables with version and row count, the latest runs, and the quarantine size."""
    tables = {}
    for name in TABLES:
        dt_ = wh.table(name)
        if dt_ is None:
            continue
        adds = pa.table(dt_.get_add_actions(flatten=True))
        rows = int(pc.sum(adds["num_records"]).as_py() or 0) if adds.num_rows else 0
        tables[name] = {"version": dt_.version(), "rows": rows, "files": len(dt_.file_uris())}
    runs = wh.read("runs").to_pylist() if "runs" in tables else []
    runs.sort(key=lambda r: r["started_at"], reverse=True)
    return {
        "warehouse": wh.root,
        "tables": tables,
        "runs": runs[:last_runs],
        "quarantined": tables.get("quarantine", {}).get("rows", 0),
    }
