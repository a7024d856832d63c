"""Pure transforms: ingest, normalize, extract, schema (no Prefect, no I/O beyond arguments).

The matching engine behind extraction is ``transforms.engine``.
"""
