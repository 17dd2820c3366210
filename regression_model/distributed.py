"""Scoring on a Dask cluster, for tables beyond one machine.

Each partition is scored by ``make_prediction`` on the worker that holds it:
the model is loaded once per worker process (``load_model`` is cached), every
row is validated, logged and recorded by that worker in the prediction store
its environment names (``REGRESSION_MODEL_DB_URL``: PostgreSQL when several
machines share a store; SQLite is fine on one machine). Install with
``pip install "ames-price-model[dask]"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from regression_model.predict import make_prediction

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = [
    "predict_dask",
    "score_partition",
]


def score_partition(frame: pd.DataFrame) -> pd.Series:
    """Prices for one partition, aligned with its index; NaN for rejected rows."""
    if len(frame) == 0:
        return pd.Series([], index=frame.index, dtype="float64", name="prediction")
    result = make_prediction(input_data=frame)
    return pd.Series(result["predictions"], index=frame.index, dtype="float64", name="prediction")


def predict_dask(ddf: dd.DataFrame) -> dd.Series:
    """Lazily score a dask DataFrame; returns a dask Series of prices.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The columns ``make_prediction`` accepts (either spelling of the
        digit-led names).

    Returns
    -------
    dask.dataframe.Series
        ``prediction`` (float64 dollars; NaN where the row was rejected, its
        errors are in the prediction store and the workers' logs), with the
        same partitions and index as ``ddf``.

    Examples
    --------
    >>> import dask.dataframe as dd  # doctest: +SKIP
    >>> from regression_model.distributed import predict_dask  # doctest: +SKIP
    >>> prices = predict_dask(dd.read_csv("houses-*.csv")).compute()  # doctest: +SKIP
    """
    meta = pd.Series([], dtype="float64", name="prediction")
    # dask's map_partitions carries no type annotations.
    prices: dd.Series = ddf.map_partitions(score_partition, meta=meta)  # type: ignore[no-untyped-call]
    return prices
