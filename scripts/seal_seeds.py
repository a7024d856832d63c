"""Record the checksums of seeds/ in seeds/VERSIONS.yaml after a reviewed change.

Usage: python scripts/seal_seeds.py [--bump GROUP]...
A group whose files changed must have its version bumped (--bump taxonomy);
the script refuses to record a new checksum under an old version.
"""

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from flows.seeds import SEEDS_DIR, seed_checksums


def _bump(version: str) -> str:
    major, minor, _patch = (int(x) for x in version.split("."))
    return f"{major}.{minor + 1}.0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bump", action="append", default=[], help="seed group to bump (minor)")
    args = parser.parse_args()
    path = SEEDS_DIR / "VERSIONS.yaml"
    recorded = yaml.safe_load(path.read_text()) if path.exists() else {}
    current = seed_checksums()
    out = {}
    for group, digest in current.items():
        entry = recorded.get(group, {"version": "1.0.0", "sha256": ""})
        version = str(entry["version"])
        if group in args.bump:
            version = _bump(version)
        elif entry["sha256"] and entry["sha256"] != digest:
            print(f"{group} changed: re-run with --bump {group}", file=sys.stderr)
            return 1
        out[group] = {"version": version, "sha256": digest}
    if out["taxonomy"]["version"] != recorded.get("taxonomy", {}).get("version"):
        tax = SEEDS_DIR / "taxonomy.yaml"
        text = tax.read_text()
        old = f'version: "{recorded.get("taxonomy", {}).get("version", "1.0.0")}"'
        tax.write_text(text.replace(old, f'version: "{out["taxonomy"]["version"]}"', 1))
        out["taxonomy"]["sha256"] = seed_checksums()["taxonomy"]
    header = "# Versions of the seed groups and the checksums they cover (scripts/seal_seeds.py).\n"
    path.write_text(header + yaml.safe_dump(out, sort_keys=True))
    print(yaml.safe_dump(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
