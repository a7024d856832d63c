"""Pure transforms: ingest, normalize, extract, schema (no Prefect, no I/O beyond arguments).

The extraction hot path may run compiled (see transforms/native.py).
"""

from transforms.native import use_compiled

COMPILED = use_compiled(__path__)
