"""The data dictionary and the codebook match the schema module and the seeds."""

import re

from tests.conftest import REPO
from transforms.dictionary import render_data_dictionary
from transforms.schema import TABLES


def test_data_dictionary_is_up_to_date(reference):
    expected = render_data_dictionary(reference.taxonomy.labels, reference.taxonomy.version)
    current = (REPO / "docs" / "data-dictionary.md").read_text()
    assert current == expected, "docs/data-dictionary.md is out of date: run `make docs`"


def test_every_column_is_documented():
    for table in TABLES.values():
        for column in table.columns:
            assert column.meaning and column.example, (table.name, column.name)


def test_codebook_is_current_and_its_sentences_hold(extractors):
    """docs/codebook.md is what the seeds make; each sentence that counts gives its code, in
    an article about Korea, and each that does not, does not (the rules agree with the
    codebook)."""
    import yaml

    from flows.seeds import SEEDS_DIR, codebook_markdown
    from tests.conftest import split_sentences
    from transforms.pipeline import extract_article

    current = (REPO / "docs" / "codebook.md").read_text()
    assert current == codebook_markdown(), "docs/codebook.md is out of date: run `make docs`"
    codes = yaml.safe_load((SEEDS_DIR / "codebook.yaml").read_text())["codes"]
    lead = "Seoul and Washington are allies. "
    wrong = []
    for code, entry in codes.items():
        for field, wanted in (("counts", True), ("does_not_count", False)):
            for sentence in entry[field]:
                text = lead + sentence
                found = extract_article(text, split_sentences(text), 2020, extractors)
                if (code in {i.issue_code for i in found.issues}) != wanted:
                    wrong.append((code, field, sentence))
    assert wrong == []


def test_a_codebook_without_a_code_or_a_field_is_refused():
    import pytest

    from transforms.codebook import parse_codebook
    from transforms.errors import ReferenceDataError

    entry = {"definition": "d", "counts": ["c"], "does_not_count": ["n"], "traps": ["t"]}
    assert set(parse_codebook({"codes": {"A": entry}}, {"A": {}})) == {"A"}
    for data, needle in (
        ({"codes": {}}, "without an entry ['A']"),
        ({"codes": {"A": entry, "B": entry}}, "not in the taxonomy ['B']"),
        ({"codes": {"A": {**entry, "counts": []}}}, "codebook A: 'counts'"),
        ({"codes": {"A": {"definition": "d"}}}, "codebook A: needs exactly the fields"),
        ({}, "needs a mapping 'codes'"),
    ):
        with pytest.raises(ReferenceDataError, match=re.escape(needle)):
            parse_codebook(data, {"A": {}})
