"""A small-N smoke run of the benchmark harness, so it cannot rot (numbers are not asserted)."""

import pytest

pytestmark = pytest.mark.slow


def test_bench_harness_smoke(tmp_path, monkeypatch):
    from bench.corpus import generate
    from bench.run_bench import run_size

    counts = generate(tmp_path / "c", 30)
    assert counts == {"txt": 18, "html": 6, "jsonl": 6}
    # Batches of 15 files: the full run has two or more, so the CLI runs them on its warm
    # worker processes (the incremental run, one file, stays in the CLI's process).
    monkeypatch.setenv("ALLIANCE_BATCH_SIZE", "15")
    result = run_size(40, tmp_path)
    assert result["articles_written"] == 40
    assert result["incremental_new_articles"] == 1
    for key in (
        "io_floor_seconds",
        "full_run_seconds",
        "incremental_ratio",
        "peak_rss_mib",
        "peak_tree_rss_mib",
        "articles_per_second",
    ):
        assert result[key] > 0, key
    assert result["peak_tree_rss_mib"] >= result["peak_rss_mib"]  # the tree holds the largest
    assert result["stage_ms_per_article"] > 0
    # Busy time of the stages over the cores' time in the run: a share, never above one.
    assert 0 < result["workers_busy_share"] <= 1.0
    assert set(result["stage_cpu_seconds"]) >= {
        "ingest",
        "normalize",
        "extract",
        "validate",
        "write",
    }
