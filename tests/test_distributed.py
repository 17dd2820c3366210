"""Scoring on a real dask.distributed LocalCluster with 2 worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from regression_model import audit
from regression_model.predict import make_prediction

dd = pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.mark.slow
def test_dask_equals_make_prediction_row_by_row(client: Any, test_frame: pd.DataFrame) -> None:
    """test.csv in 6 partitions over 2 worker processes: the same partitions and index
    as the input, each price equal to make_prediction's, and every row recorded by
    the workers."""
    from regression_model.distributed import predict_dask

    frame = test_frame.set_index(pd.RangeIndex(10_000, 10_000 + len(test_frame)))
    frame.loc[10_003, "GrLivArea"] = -1  # one rejected row
    ddf = dd.from_pandas(frame, npartitions=6)
    before = audit.get_store().count()  # type: ignore[union-attr]
    lazy = predict_dask(ddf)
    assert lazy.npartitions == ddf.npartitions
    assert tuple(lazy.divisions) == tuple(ddf.divisions)
    prices = lazy.compute()
    expected = make_prediction(input_data=frame)["predictions"]
    assert prices.index.equals(frame.index)
    assert np.isnan(prices.loc[10_003])
    np.testing.assert_allclose(
        prices.to_numpy(), np.array(expected, dtype="float64"), rtol=1e-12, equal_nan=True
    )
    workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2
    # The workers recorded every row once; make_prediction above recorded them again.
    assert audit.get_store().count() == before + 2 * len(frame)  # type: ignore[union-attr]
