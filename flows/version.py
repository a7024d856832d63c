"""The code version stamped on every ``runs`` row: the package version, and the git commit
of the checkout when there is one (``0.1.0+g4695be9``, ``.dirty`` when it had changes)."""

import functools
import subprocess
from importlib import metadata

from flows.settings import REPO_ROOT

PACKAGE = "alliance-issues"


@functools.cache
def code_version() -> str:
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "0+unknown"
    commit = _git("rev-parse", "--short=7", "HEAD")
    if commit is None:
        return version
    local = f"g{commit}"
    if _git("status", "--porcelain", "--untracked-files=no"):
        local += ".dirty"
    return f"{version}+{local}" if "+" not in version else f"{version}.{local}"


def _git(*args: str) -> str | None:
    """git's output in the repository (None when it is not a checkout, or git is missing)."""
    if not (REPO_ROOT / ".git").exists():
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO_ROOT), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
