"""Cutting stored articles into batches for the workers (backfills)."""

from hypothesis import given
from hypothesis import strategies as st

from flows.batches import parallel_batches, pool_workers, split_evenly


@given(st.integers(0, 300), st.integers(1, 50), st.integers(1, 4))
def test_split_evenly_keeps_every_item_in_order_within_the_size(n, size, parts):
    items = list(range(n))
    batches = split_evenly(items, size, parts)
    assert [i for b in batches for i in b] == items
    assert all(0 < len(b) <= size for b in batches)
    if n >= parts > 1:
        assert len(batches) % parts == 0 or len(batches) == n  # rounds of one per worker
        assert max(map(len, batches)) - min(map(len, batches)) <= 1  # workers end together


def test_no_pool_for_one_batch_or_one_worker():
    for batches, workers in ((1, 2), (5, 1), (0, 2)):
        with parallel_batches(batches, workers) as pooled:
            assert not pooled and pool_workers() == 0
