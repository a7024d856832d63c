"""Shared fixtures: reference data compiled once, Prefect's test harness once per session."""

import json
import os
from pathlib import Path

import pytest

for key, value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(key, value)

from flows.seeds import load_reference  # noqa: E402
from transforms import sentences  # noqa: E402
from transforms.pipeline import Extractors  # noqa: E402

# Lines the quality tests want shown after the run (make test prints them, pass or fail).
QUALITY_REPORT: list[str] = []

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SAMPLES = REPO / "seeds" / "articles"
# The sentence abbreviations of the bundled seeds (seeds/sentences.yaml).
ABBREVIATIONS = load_reference().abbreviations


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``transforms.sentences.split_sentences`` with the bundled seeds' abbreviations."""
    return sentences.split_sentences(text, ABBREVIATIONS)


@pytest.fixture(scope="session")
def reference():
    return load_reference()


@pytest.fixture(scope="session")
def extractors(reference):
    return Extractors.build(reference)


@pytest.fixture(scope="session")
def seed_labels():
    return [
        json.loads(line)
        for line in (TESTS / "seed_labels.jsonl").read_text().splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="session")
def prefect_harness():
    """Prefect's test server, started once for the whole session (about 20 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def pytest_terminal_summary(terminalreporter):
    """Show the extraction-quality tables at the end of every test run."""
    if QUALITY_REPORT:
        terminalreporter.section("extraction quality (development set)")
        for line in QUALITY_REPORT:
            terminalreporter.write_line(line)
