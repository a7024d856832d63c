"""Write the Great Expectations suites in expectations/ from the schema module.

The suites are kept in git and reviewed as diffs; re-run after changing
transforms/schema.py. Values like {"$param": "taxonomy_codes"} are filled in at
validation time from the reference data (see flows/validation.py).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from transforms.schema import ACTOR_TYPES, QUARANTINE_STAGES, TABLES

OUT = Path(__file__).resolve().parent.parent / "expectations"
HEX16 = "^[0-9a-f]{16}$"


def e(type_: str, **kwargs: object) -> dict:
    return {"type": type_, "kwargs": kwargs}


def base(name: str) -> list[dict]:
    t = TABLES[name]
    out = [e("expect_table_columns_to_match_ordered_list", column_list=t.column_names)]
    out += [
        e("expect_column_values_to_not_be_null", column=c.name) for c in t.columns if not c.nullable
    ]
    if len(t.key) == 1:
        out.append(e("expect_column_values_to_be_unique", column=t.key[0]))
    else:
        out.append(e("expect_compound_columns_to_be_unique", column_list=list(t.key)))
    if "article_id" in t.column_names:
        out.append(e("expect_column_values_to_match_regex", column="article_id", regex=HEX16))
    if "start" in t.column_names:
        out.append(e("expect_column_values_to_be_between", column="start", min_value=0))
        out.append(
            e("expect_column_pair_values_a_to_be_greater_than_b", column_A="end", column_B="start")
        )
    if "issue_code" in t.column_names:
        out.append(
            e(
                "expect_column_values_to_be_in_set",
                column="issue_code",
                value_set={"$param": "taxonomy_codes"},
            )
        )
    if "actor_type" in t.column_names:
        out.append(
            e("expect_column_values_to_be_in_set", column="actor_type", value_set=list(ACTOR_TYPES))
        )
    return out


SPECIFIC = {
    "articles": [
        e("expect_column_values_to_be_in_set", column="language", value_set=["en"]),
        e(
            "expect_column_values_to_be_in_set",
            column="source_kind",
            value_set=["txt", "html", "json", "jsonl"],
        ),
        e("expect_column_value_lengths_to_be_between", column="text", min_value=1),
        e("expect_column_values_to_be_between", column="word_count", min_value=1),
        e("expect_column_values_to_be_between", column="sentence_count", min_value=1),
        e("expect_column_values_to_match_regex", column="content_sha256", regex="^[0-9a-f]{64}$"),
        e("expect_column_values_to_match_regex", column="source_sha256", regex="^[0-9a-f]{64}$"),
        e(
            "expect_column_values_to_be_between",
            column="published_at",
            min_value="1945-01-01",
            max_value={"$param": "latest_plausible_date"},
        ),
        e(
            "expect_column_values_to_be_in_set",
            column="taxonomy_version",
            value_set={"$param": "taxonomy_version"},
        ),
    ],
    "sentences": [],
    "boilerplate_lines": [
        e(
            "expect_column_values_to_be_in_set",
            column="rule_id",
            value_set={"$param": "boilerplate_rule_ids"},
        ),
        e("expect_column_values_to_be_between", column="line_number", min_value=1),
    ],
    "issue_mentions": [
        e("expect_column_values_to_be_between", column="weight", min_value=0, max_value=1),
        e("expect_column_value_lengths_to_be_between", column="matched_text", min_value=1),
        e(
            "expect_column_values_to_be_in_set",
            column="rule_id",
            value_set={"$param": "taxonomy_rule_ids"},
        ),
    ],
    "article_issues": [
        e("expect_column_values_to_be_between", column="salience", min_value=0, max_value=1),
        e("expect_column_values_to_be_between", column="probability", min_value=0, max_value=1),
        e("expect_column_values_to_be_between", column="mention_count", min_value=1),
        e("expect_column_values_to_be_between", column="score", min_value=0),
    ],
    "actor_mentions": [
        e(
            "expect_column_values_to_be_in_set",
            column="mention_role",
            value_set=["author", "photo_credit", "speaker", "mentioned"],
        ),
        e(
            "expect_column_values_to_be_in_set",
            column="country_code",
            value_set={"$param": "iso3_codes"},
        ),
        e("expect_column_values_to_match_regex", column="country_code", regex="^[A-Z]{3}$"),
        e("expect_column_value_lengths_to_be_between", column="matched_text", min_value=1),
    ],
    "actor_issue_links": [
        e(
            "expect_column_values_to_be_in_set",
            column="link_kind",
            value_set=["speaker", "co_mention"],
        ),
    ],
    "statements": [
        e("expect_column_value_lengths_to_be_between", column="cue", min_value=1),
        e("expect_column_values_to_be_between", column="cue_start", min_value=0),
        e("expect_column_values_to_be_between", column="words_start", min_value=0),
    ],
    "inputs": [
        e("expect_column_values_to_be_between", column="size", min_value=0),
        e("expect_column_values_to_match_regex", column="sha256", regex="^[0-9a-f]{64}$"),
    ],
    "quarantine": [
        e("expect_column_values_to_be_in_set", column="stage", value_set=list(QUARANTINE_STAGES)),
        e("expect_column_value_lengths_to_be_between", column="detail", min_value=1),
    ],
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, extra in SPECIFIC.items():
        suite = {
            "name": f"{name}_suite",
            "meta": {"table": name},
            "expectations": base(name) + extra,
        }
        (OUT / f"{name}.json").write_text(json.dumps(suite, indent=2) + "\n")
        print(f"expectations/{name}.json: {len(suite['expectations'])} expectations")


if __name__ == "__main__":
    main()
