"""The seeds are consistent: codes, ids, references between files, recorded versions."""

import csv
import re

from flows.seeds import SEEDS_DIR, recorded_versions, seed_checksums

# The product owner's codes (ISSUE_TAXONOMY.md v1), exactly.
TAXONOMY_V1 = {
    "NK_NUCLEAR_MISSILE",
    "NK_PROVOCATION",
    "NK_DIPLOMACY",
    "SANCTIONS",
    "EXTENDED_DETERRENCE",
    "ROK_NUCLEAR_OPTION",
    "NUCLEAR_ENERGY_COOPERATION",
    "MISSILE_DEFENSE",
    "COST_SHARING",
    "OPCON_TRANSFER",
    "USFK_POSTURE",
    "JOINT_EXERCISES",
    "JAPAN_KOREA_RELATIONS",
    "TRILATERAL_COOPERATION",
    "CHINA_FACTOR",
    "RUSSIA_UKRAINE",
    "REGIONAL_ARCHITECTURE",
    "GLOBAL_CONTRIBUTIONS",
    "TRADE_ECONOMY",
    "DOMESTIC_POLITICS",
    "ALLIANCE_VISION",
    "NON_TRADITIONAL_SECURITY",
}


def test_taxonomy_has_exactly_the_22_codes(reference):
    assert set(reference.taxonomy.codes) == TAXONOMY_V1
    assert all(code.rules for code in reference.taxonomy.codes.values())
    assert all(code.label for code in reference.taxonomy.codes.values())


def test_seed_versions_cover_current_files(reference):
    recorded = recorded_versions()
    current = seed_checksums()
    changed = [g for g in current if recorded[g]["sha256"] != current[g]]
    assert not changed, (
        f"seeds changed without a version bump: run `make seal-seeds BUMP={changed[0]}`"
    )
    assert reference.taxonomy.version == recorded["taxonomy"]["version"]
    assert reference.gazetteer.version == recorded["gazetteer"]["version"]


def test_people_reference_known_states_and_have_roles(reference):
    gaz = reference.gazetteer
    for person in gaz.people.values():
        assert person.country in gaz.states, person.person_id
        assert person.roles, person.person_id
        assert all(r.start is None or r.end is None or r.start <= r.end for r in person.roles), (
            person.person_id
        )


def test_ids_are_unique_and_well_formed():
    for name, key in (
        ("states.csv", "iso3"),
        ("people.csv", "person_id"),
        ("organizations.csv", "org_id"),
    ):
        with (SEEDS_DIR / "gazetteer" / name).open() as fh:
            ids = [row[key] for row in csv.DictReader(fh)]
        assert len(ids) == len(set(ids)), name
    with (SEEDS_DIR / "gazetteer" / "states.csv").open() as fh:
        assert all(re.fullmatch(r"[A-Z]{3}", row["iso3"]) for row in csv.DictReader(fh))


def test_no_alias_points_at_two_people(reference):
    owners: dict[str, set[str]] = {}
    for person in reference.gazetteer.people.values():
        for surface in (person.name, *person.aliases):
            owners.setdefault(surface, set()).add(person.person_id)
    shared = {s: ids for s, ids in owners.items() if len(ids) > 1}
    assert not shared


def test_organizations_keep_the_country_of_their_row(reference):
    # Each organization has the country its CSV row gives (a blank one none): a row must
    # never inherit another row's value (NATO or AUKUS coded as Korean made any article
    # naming them "about Korea").
    gaz = reference.gazetteer
    with open(SEEDS_DIR / "gazetteer" / "organizations.csv", newline="") as fh:
        rows = {r["org_id"]: (r["country"] or "").strip() or None for r in csv.DictReader(fh)}
    assert {oid: o.country for oid, o in gaz.organizations.items()} == rows
    assert rows["ORG_AUKUS"] is None and rows["ORG_USFK"] == "USA"
    assert all(c is None or c in gaz.states for c in rows.values())


def test_boilerplate_after_rules_point_at_known_rules(reference):
    ids = {r.rule_id for r in reference.boilerplate}
    assert all(r.after in ids for r in reference.boilerplate if r.kind == "after")
