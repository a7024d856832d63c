"""The data dictionary matches the schema module and the taxonomy."""

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
