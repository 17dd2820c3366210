"""Houses for the monitoring tests and benchmarks: rows drawn like the training
houses, the four planted drifts, and calls recorded at a chosen time (scored
and stored by ``make_prediction``, then dated by SQL, as a call made that day
would be)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import update

from regression_model import audit
from regression_model.data import load_dataset
from regression_model.predict import make_prediction
from regression_model.store.tables import calls

DAY = datetime(2026, 11, 2, tzinfo=timezone.utc)  # a Monday
# The fields the planted drifts move, and nothing else.
PLANTED = {"GrLivArea", "Neighborhood", "LotArea", "OverallQual"}


def drawn(rows: int, seed: int) -> pd.DataFrame:
    """``rows`` houses drawn at random, with replacement, from train.csv (its
    ``SalePrice`` column kept: the sales of the outcome tests)."""
    frame = load_dataset(file_name="train.csv")
    picked = np.random.default_rng(seed).integers(0, len(frame), rows)
    return frame.iloc[picked].reset_index(drop=True)


def plant(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The four drifts: GrLivArea x 1.3; a Neighborhood training never saw
    (GrnHill, in Ames but not in train.csv) for a fifth of the rows; LotArea
    missing in 40% of them; OverallQual up by one (10 stays 10)."""
    rng = np.random.default_rng(seed)
    moved = frame.copy()
    moved["GrLivArea"] = moved["GrLivArea"] * 1.3
    moved.loc[rng.random(len(moved)) < 0.2, "Neighborhood"] = "GrnHill"
    moved["LotArea"] = moved["LotArea"].astype(float)
    moved.loc[rng.random(len(moved)) < 0.4, "LotArea"] = np.nan
    moved["OverallQual"] = np.minimum(moved["OverallQual"] + 1, 10)
    return moved


def record(frame: pd.DataFrame | list[dict[str, Any]], at: datetime) -> dict[str, Any]:
    """Score ``frame`` with ``make_prediction`` (so the store records it) and
    date its call ``at``; the result."""
    result = make_prediction(input_data=frame)
    first = audit.get_record(result["prediction_ids"][0])
    assert first is not None
    store = audit.get_store()
    assert store is not None
    with store.engine.begin() as connection:
        connection.execute(
            update(calls).where(calls.c.call_id == first["call_id"]).values(created_at=at)
        )
    return result
