"""Load the reference data in seeds/ (the impure edge of transforms.reference)."""

import csv
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import yaml

from transforms.calibration import parse_calibration
from transforms.codebook import parse_codebook, render_codebook
from transforms.errors import ReferenceDataError
from transforms.reference import (
    Reference,
    parse_abbreviations,
    parse_boilerplate,
    parse_gazetteer,
    parse_given_names,
    parse_lexicon,
    parse_outlets,
    parse_taxonomy,
)

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
# Files whose content each version covers; editing one requires a version bump.
SEED_GROUPS = {
    "taxonomy": ("taxonomy.yaml", "codebook.yaml"),
    "gazetteer": (
        "gazetteer/states.csv",
        "gazetteer/people.csv",
        "gazetteer/organizations.csv",
        "gazetteer/traps.yaml",
        "gazetteer/lexicon.yaml",
        "gazetteer/given_names.txt",
    ),
    "normalizer": ("boilerplate.yaml", "outlets.yaml", "sentences.yaml"),
    # Fitted, not written: `python scripts/calibrate.py --write` after a taxonomy change.
    "calibration": ("calibration.yaml",),
}


def _yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: {exc}") from exc


def _csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, csv.Error) as exc:
        raise ReferenceDataError(f"{path}: {exc}") from exc


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{path}: {exc}") from exc


def seed_checksums(seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    """SHA-256 over each seed group's files, in a fixed order."""
    out = {}
    for group, files in SEED_GROUPS.items():
        digest = hashlib.sha256()
        for name in files:
            digest.update(name.encode() + b"\0" + (seeds_dir / name).read_bytes() + b"\0")
        out[group] = digest.hexdigest()
    return out


def recorded_versions(seeds_dir: Path = SEEDS_DIR) -> dict[str, dict[str, str]]:
    """The versions and checksums recorded in seeds/VERSIONS.yaml."""
    data = _yaml(seeds_dir / "VERSIONS.yaml") or {}
    return {k: {"version": str(v["version"]), "sha256": str(v["sha256"])} for k, v in data.items()}


def codebook_markdown(seeds_dir: Path = SEEDS_DIR) -> str:
    """docs/codebook.md as the seeds make it (``transforms/codebook.py``)."""
    taxonomy = _yaml(seeds_dir / "taxonomy.yaml")
    entries = parse_codebook(_yaml(seeds_dir / "codebook.yaml"), taxonomy["issues"])
    return render_codebook(taxonomy, entries)


def load_reference(seeds_dir: Path = SEEDS_DIR) -> Reference:
    """Parse every seed file into a Reference stamped with the recorded versions."""
    versions = recorded_versions(seeds_dir)
    taxonomy_data = _yaml(seeds_dir / "taxonomy.yaml")
    taxonomy = dataclasses.replace(
        parse_taxonomy(taxonomy_data),
        calibration=parse_calibration(_yaml(seeds_dir / "calibration.yaml")),
    )
    # checked here so that a broken codebook stops a run like any other seed file
    parse_codebook(_yaml(seeds_dir / "codebook.yaml"), taxonomy_data["issues"])
    if taxonomy.version != versions["taxonomy"]["version"]:
        raise ReferenceDataError(
            f"{seeds_dir / 'taxonomy.yaml'}: version {taxonomy.version} differs from "
            f"VERSIONS.yaml ({versions['taxonomy']['version']})"
        )
    gaz_dir = seeds_dir / "gazetteer"
    gazetteer = parse_gazetteer(
        versions["gazetteer"]["version"],
        _csv(gaz_dir / "states.csv"),
        _csv(gaz_dir / "people.csv"),
        _csv(gaz_dir / "organizations.csv"),
        (_yaml(gaz_dir / "traps.yaml") or {}).get("traps", []),
        parse_lexicon(
            _yaml(gaz_dir / "lexicon.yaml") or {},
            parse_given_names(_lines(gaz_dir / "given_names.txt")),
        ),
    )
    boilerplate = parse_boilerplate((_yaml(seeds_dir / "boilerplate.yaml") or {}).get("rules", []))
    outlets = parse_outlets((_yaml(seeds_dir / "outlets.yaml") or {}).get("outlets", []))
    return Reference(
        taxonomy,
        gazetteer,
        boilerplate,
        outlets,
        {k: v["version"] for k, v in versions.items()},
        parse_abbreviations(_yaml(seeds_dir / "sentences.yaml") or {}),
    )
