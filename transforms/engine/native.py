"""The C kernels (``_wordscan.c``), when they are built from the file as it is now.

``setup.py`` builds them as an optional extension and records the file's SHA-256 in the
module. ``C`` is the module only when the file beside it still has that digest, so an edit
to the C file runs the Python code until the extension is rebuilt (``make install``), and
never an old build. A machine without a compiler has no module: the Python code runs.
"""

import hashlib
import logging
from pathlib import Path
from types import ModuleType

SOURCE = Path(__file__).with_name("_wordscan.c")
log = logging.getLogger(__name__)


def load() -> ModuleType | None:
    """The built module if it matches ``SOURCE`` (or no source ships beside it), else None."""
    try:
        from transforms.engine import _wordscan
    except ImportError:
        return None
    try:
        current = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    except OSError:  # installed without its source: the build is all there is
        return _wordscan
    if getattr(_wordscan, "SOURCE_SHA256", "") != current:
        log.warning(
            "%s changed since its extension was built: running the Python kernels until "
            "it is rebuilt (make install)",
            SOURCE,
        )
        return None
    return _wordscan


C = load()
