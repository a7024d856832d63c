"""Great Expectations validation: failing rows go to quarantine, schema drift stops the write."""

import contextlib
import datetime as dt

import pyarrow as pa
import pytest

from flows.validation import load_suite, suite_params, validate_tables
from transforms.errors import ValidationFailure
from transforms.ingest import InputFile
from transforms.pipeline import process_batch
from transforms.schema import TABLES

TEXT = (
    "Seoul and Washington resumed cost-sharing talks on Monday.\n"
    "The Special Measures Agreement covers U.S. troops in Korea, officials in Seoul said."
)


@pytest.fixture(scope="module")
def batch(extractors):
    return process_batch(
        [
            InputFile("/in/a.txt", TEXT.encode()),
            InputFile("/in/b.txt", (TEXT + " Talks went on.").encode()),
        ],
        extractors,
        run_id="v",
        ingested_at=dt.datetime.now(dt.UTC),
    ).tables


def test_suites_reference_only_schema_columns(reference):
    params = suite_params(reference)
    for name, table in TABLES.items():
        if name == "runs":
            continue
        suite = load_suite(name, params)
        columns = set(table.column_names)
        for exp in suite["expectations"]:
            kw = exp["kwargs"]
            used = {kw[k] for k in ("column", "column_A", "column_B") if k in kw}
            used |= set(kw.get("column_list", []))
            assert used <= columns, (name, exp)
        listed = [
            e
            for e in suite["expectations"]
            if e["type"] == "expect_table_columns_to_match_ordered_list"
        ]
        assert listed[0]["kwargs"]["column_list"] == table.column_names
        not_null = {
            e["kwargs"]["column"]
            for e in suite["expectations"]
            if e["type"] == "expect_column_values_to_not_be_null"
        }
        assert not_null == {c.name for c in table.columns if not c.nullable}


def test_clean_batch_passes(batch, reference):
    outcome = validate_tables(batch, reference, "v")
    assert outcome.success
    assert outcome.tables["articles"].num_rows == 2


def _broken(batch) -> tuple[dict[str, pa.Table], list[dict], list[dict]]:
    """The batch with a bad issue code, bad offsets and an impossible date."""
    tables = dict(batch)
    mentions = tables["issue_mentions"].to_pylist()
    mentions[0]["issue_code"] = "NOT_A_CODE"
    mentions[1]["end"] = mentions[1]["start"] + 1000  # offsets out of range
    tables["issue_mentions"] = pa.Table.from_pylist(
        mentions, schema=TABLES["issue_mentions"].schema
    )
    articles = tables["articles"].to_pylist()
    articles[1]["published_at"] = dt.date(1900, 1, 1)
    tables["articles"] = pa.Table.from_pylist(articles, schema=TABLES["articles"].schema)
    return tables, mentions, articles


def test_bad_rows_are_quarantined_with_the_failing_expectation(batch, reference):
    tables, mentions, articles = _broken(batch)
    outcome = validate_tables(tables, reference, "v")
    assert not outcome.success
    reasons = {(q["stage"], q["reason"]) for q in outcome.failures}
    assert ("validate", "expect_column_values_to_be_in_set") in reasons
    assert ("validate", "expect_column_values_to_be_between") in reasons
    assert ("validate", "offsets_slice_text") in reasons
    # The article with the impossible date is gone with all its rows; nothing is lost.
    bad_id = articles[1]["article_id"]
    assert bad_id not in outcome.tables["articles"]["article_id"].to_pylist()
    assert bad_id not in outcome.tables["actor_mentions"]["article_id"].to_pylist()
    assert bad_id in outcome.tables["quarantine"]["article_id"].to_pylist()
    assert outcome.tables["issue_mentions"].num_rows == len(mentions) - 2 - sum(
        m["article_id"] == bad_id for m in mentions[2:]
    )


def test_integer_bounds_find_the_failing_rows(batch, reference):
    # Integer columns are int32; they are validated as int64 (GX's vectorized comparison):
    # a row below its bound is still found, by position.
    tables = dict(batch)
    rows = tables["sentences"].to_pylist()
    rows[3]["start"] = -1
    tables["sentences"] = pa.Table.from_pylist(rows, schema=TABLES["sentences"].schema)
    outcome = validate_tables(tables, reference, "v")
    details = [q["detail"] for q in outcome.failures]
    assert details == [
        f"{_uri(batch, rows[3]['article_id'])}: sentences row 3 failed "
        "expect_column_values_to_be_between on start"
    ]


def _uri(batch, article_id):
    articles = batch["articles"].to_pylist()
    return next(a["source_uri"] for a in articles if a["article_id"] == article_id)


def test_schema_drift_stops_everything(batch, reference):
    tables = dict(batch)
    tables["articles"] = tables["articles"].drop_columns(["word_count"])
    with pytest.raises(ValidationFailure, match=r"schema_drift.*articles"):
        validate_tables(tables, reference, "v")


def test_expectation_configurations_built_once_change_no_result(batch, reference, monkeypatch):
    import great_expectations as gx

    from flows import validation

    expectation = gx.expectations.ExpectColumnValuesToNotBeNull(column="x")
    plain = gx.expectations.Expectation.configuration
    with validation._configurations_built_once(gx.expectations.Expectation):
        first = expectation.configuration
        assert expectation.configuration is first  # built once
    assert gx.expectations.Expectation.configuration is plain  # GX's own property is back
    assert expectation.configuration is not expectation.configuration
    assert expectation.configuration == first

    def found(outcome):
        return sorted((q["reason"], q["detail"]) for q in outcome.failures)

    tables, _, _ = _broken(batch)
    memo = found(validate_tables(tables, reference, "v"))
    assert gx.expectations.Expectation.configuration is plain
    monkeypatch.setattr(
        validation, "_configurations_built_once", lambda _cls: contextlib.nullcontext()
    )
    assert found(validate_tables(tables, reference, "v")) == memo
    assert len(memo) >= 3
