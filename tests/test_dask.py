"""The batch tasks on a Dask LocalCluster (worker processes) give the same tables."""

import pytest
from deltalake import DeltaTable

from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow


def test_ingest_on_a_dask_local_cluster(tmp_path, prefect_harness):
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner

    from flows.ingest_flow import ingest_flow

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        flow = ingest_flow.with_options(
            task_runner=DaskTaskRunner(address=cluster.scheduler_address)
        )
        summary = flow(inbox=str(SAMPLES), warehouse=str(tmp_path / "wh"), batch_size=2)
    assert summary["articles_new"] == 5
    articles = DeltaTable(str(tmp_path / "wh" / "articles")).to_pandas()
    assert sorted(articles["source_uri"].str.rsplit("/", n=1).str[-1]) == sorted(
        p.name for p in SAMPLES.iterdir()
    )
    issues = DeltaTable(str(tmp_path / "wh" / "article_issues")).to_pandas()
    assert len(issues) > 20
