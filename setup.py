"""The engine's C kernels as an optional extension (pyproject.toml holds everything else).

Without a C compiler the build goes on without it and the engine runs its Python code. The
file's SHA-256 is built into the module, so an edited file is never run as a stale build.
"""

import hashlib
from pathlib import Path

from setuptools import Extension, setup

SOURCE = "transforms/engine/_wordscan.c"
digest = hashlib.sha256(Path(__file__).with_name("transforms").joinpath("engine", "_wordscan.c").read_bytes()).hexdigest()

setup(
    ext_modules=[
        Extension(
            "transforms.engine._wordscan",
            [SOURCE],
            define_macros=[("WORDSCAN_SOURCE_SHA256", f'"{digest}"')],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
