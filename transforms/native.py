"""Which modules run compiled (mypyc, see scripts/compile_native.py) and when that is safe.

``use_compiled`` is called by ``transforms/__init__.py`` before any submodule is imported.
It puts ``.native/transforms`` in front of the package's search path only when
``.native/stamp.json`` names this Python and the current SHA-256 of every source of the
package (``.py``, ``.pyi``, ``.c``), so after any edit since the build the package runs as
the Python it now is. The C module ``_wordscan`` is imported from there too.
``ALLIANCE_NATIVE=0`` turns the compiled modules off.
"""

import hashlib
import json
import os
import sys
from pathlib import Path

NATIVE_DIR = ".native"
# The per-article code: same rows; extraction's functions ~20% faster, a whole batch 3-10%.
NATIVE_MODULES = (
    "triggers",
    "sentences",
    "issues",
    "actors",
    "normalize",
    "language",
    "gate",
    "pipeline",
    "reference",
)


# The C module built beside them (``transforms/_wordscan.c``; triggers.py falls back to its
# Python functions without it).
C_MODULES = ("_wordscan",)
SOURCE_SUFFIXES = (".py", ".pyi", ".c")


def source_digests(package_dir: Path) -> dict[str, str]:
    """SHA-256 of every source of the package: the compiled modules, those whose classes and
    signatures they were compiled against, and the C module with its type stub."""
    return {
        path.stem if path.suffix == ".py" else path.name: hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in sorted(package_dir.iterdir())
        if path.suffix in SOURCE_SUFFIXES
    }


def compiled_dir(package_dir: Path) -> Path | None:
    """The folder of compiled modules that match the sources in ``package_dir``, if any."""
    if os.environ.get("ALLIANCE_NATIVE", "1") == "0":
        return None
    native = package_dir.parent / NATIVE_DIR
    try:
        stamp = json.loads((native / "stamp.json").read_text())
    except (OSError, ValueError):
        return None
    if stamp.get("python") != sys.version or stamp.get("modules") != source_digests(package_dir):
        return None
    return native


def use_compiled(package_path: list[str]) -> bool:
    """Make the package at ``package_path`` import its compiled modules when they match."""
    native = compiled_dir(Path(package_path[0]))
    if native is None:
        return False
    lib = str(native / "lib")
    if lib not in sys.path:
        sys.path.append(lib)  # mypyc's runtime module, imported by the compiled ones
    package_path.insert(0, str(native / "transforms"))
    return True
