"""Compile the extraction hot path with mypyc into .native/ (optional: pure Python otherwise).

The modules in ``NATIVE_MODULES`` (transforms/native.py) are compiled from a scratch copy
of their sources, so no extension lands next to a .py file: ``transforms/__init__.py``
imports the compiled ones only while ``.native/stamp.json`` records the package's current
sources (SHA-256) and this Python, so after an edit it runs as Python until ``make`` rebuilds.
A machine without a C compiler keeps the pure-Python modules (same rows; on the benchmark
files a batch took 3-10% longer).

Usage: python scripts/compile_native.py   (``make install`` runs it)
"""

import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.native import C_MODULES, NATIVE_DIR, NATIVE_MODULES, source_digests  # noqa: E402


def main() -> int:
    out = ROOT / NATIVE_DIR
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    with tempfile.TemporaryDirectory(prefix="alliance-native-") as tmp:
        work = Path(tmp)
        (work / "transforms").mkdir()
        shutil.copy(ROOT / "pyproject.toml", work)  # mypy's settings
        # The whole package: modules not in NATIVE_MODULES are read for their types only.
        for path in (ROOT / "transforms").glob("*.py*"):
            shutil.copy(path, work / "transforms")
        cmd = [
            sys.executable,
            "-m",
            "mypyc",
            *(f"transforms/{name}.py" for name in NATIVE_MODULES),
        ]
        done = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        for name in C_MODULES if done.returncode == 0 else ():
            done = compile_c(ROOT / "transforms" / f"{name}.c", work / "transforms")
            if done.returncode != 0:
                break
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
            # A stamp naming no modules: make does not retry until a source changes.
            (out / "stamp.json").write_text(json.dumps({"skipped": tail}, indent=1) + "\n")
            print(f"native build skipped (pure Python is used): the build failed:\n{tail}")
            return 0
        (out / "transforms").mkdir(parents=True)
        (out / "lib").mkdir()
        for so in work.glob("*.so"):  # mypyc's shared runtime module, imported top-level
            shutil.copy(so, out / "lib")
        for name in (*NATIVE_MODULES, *C_MODULES):
            (so,) = (work / "transforms").glob(f"{name}.*.so")
            shutil.copy(so, out / "transforms")
    stamp = {"python": sys.version, "modules": source_digests(ROOT / "transforms")}
    (out / "stamp.json").write_text(json.dumps(stamp, indent=1) + "\n")
    print(f"compiled {', '.join(NATIVE_MODULES + C_MODULES)} into {out}")
    return 0


def compile_c(source: Path, out_dir: Path) -> subprocess.CompletedProcess[str]:
    """Build the extension module ``source`` (C, one file) into ``out_dir`` with the compiler
    and flags this Python was built with."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    flags = (sysconfig.get_config_var("CCSHARED") or "-fPIC").split()
    target = out_dir / f"{source.stem}{sysconfig.get_config_var('EXT_SUFFIX')}"
    cmd = [
        *cc,
        *flags,
        "-O2",
        "-Wall",
        "-shared",
        f"-I{sysconfig.get_paths()['include']}",
        str(source),
        "-o",
        str(target),
    ]
    return subprocess.run(cmd, capture_output=True, text=True)


if __name__ == "__main__":
    sys.exit(main())
