"""A Frictionless Data Package descriptor (datapackage.json) for an exported snapshot."""

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from transforms.schema import TABLES


def field_type(t: pa.DataType) -> str:
    """The Table Schema type of an Arrow type."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t):
        return "number"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_timestamp(t):
        return "datetime"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "array"
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return "object"
    return "any"


def datapackage(
    files: Mapping[str, Mapping[str, Any]], versions: Mapping[str, Any], extra: list[str]
) -> dict[str, Any]:
    """The descriptor of a snapshot: one resource per exported table file (``files``: table
    name -> its manifest entry, with "file", "rows" and "sha256"), each column with its type,
    whether it may be empty and what it means; ``versions`` (the manifest's) describe the
    package; ``extra``: the other files shipped (the codebook, the citation)."""
    resources = []
    for name, entry in files.items():
        table = TABLES[name]
        resources.append(
            {
                "name": name,
                "path": entry["file"],
                "format": entry["file"].rsplit(".", 1)[-1],
                "description": table.purpose,
                "hash": f"sha256:{entry['sha256']}",
                "schema": {
                    "fields": [
                        {
                            "name": c.name,
                            "type": field_type(c.type),
                            "description": c.meaning,
                            "constraints": {"required": not c.nullable},
                            "example": c.example,
                        }
                        for c in table.columns
                    ],
                    "primaryKey": list(table.key),
                },
                "rows": entry["rows"],
            }
        )
    return {
        "profile": "data-package",
        "name": "alliance-issues-snapshot",
        "title": "Issues of the South Korea-United States alliance in news text",
        "version": str(versions.get("schema_version", "")),
        "licenses": [{"name": "MIT", "title": "MIT License (code and derived tables)"}],
        "description": (
            "A snapshot of the alliance-issues warehouse: "
            + ", ".join(f"{k} {v}" for k, v in versions.items() if v is not None)
            + ". Article texts belong to their publishers."
        ),
        "resources": resources,
        "files": extra,
    }
