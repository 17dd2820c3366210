"""audit: stored records read back and replayed, on a real SQLite file and,
when CI provides one, a real PostgreSQL server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest

import regression_model
from regression_model import audit
from regression_model.predict import make_prediction
from regression_model.store import tables
from tests.databases import write_foreign_record
from tests.package_index import PackageIndex


def test_replay_matches(store_url: str, test_frame: pd.DataFrame) -> None:
    """reproduce() re-scores stored inputs and matches, for scored and rejected rows."""
    rows = test_frame.head(5).to_dict(orient="records")
    rows[3] = {**rows[3], "GrLivArea": -1}
    result = make_prediction(input_data=rows)
    returned = zip(
        result["prediction_ids"], result["predictions"], result["intervals"], strict=True
    )
    for prediction_id, price, interval in returned:
        replay = audit.reproduce(prediction_id)
        assert replay["prediction_id"] == prediction_id
        assert replay["stored"] == price and replay["stored_interval"] == interval
        assert replay["match"] is True, replay
        if price is None:
            assert replay["recomputed"] is None and replay["recomputed_interval"] is None
        else:
            assert replay["recomputed"] == pytest.approx(price, rel=1e-9)
            assert replay["recomputed_interval"] == pytest.approx(interval, rel=1e-9)


def test_replay_notices_a_changed_price_range(store_url: str, house: dict[str, Any]) -> None:
    """A record whose stored price range was altered in the database replays with the
    same price but another range: match is False, with the reason."""
    import numpy as np
    from sqlalchemy import update

    result = make_prediction(input_data=[house])
    low, high = result["intervals"][0]
    store = audit.get_store()
    assert store is not None
    altered = np.array([[low * 0.9, high]], dtype="<f8").tobytes()
    record = audit.get_record(result["prediction_ids"][0])
    assert record is not None
    chunks = tables.call_chunks
    with store.engine.begin() as connection:
        connection.execute(
            update(chunks).where(chunks.c.call_id == record["call_id"]).values(intervals=altered)
        )
    replay = audit.reproduce(result["prediction_ids"][0])
    assert replay["stored"] == replay["recomputed"] == pytest.approx(result["predictions"][0])
    assert replay["stored_interval"] == [low * 0.9, high]
    assert replay["match"] is False and "another price range" in replay["reason"]


@pytest.mark.slow
def test_replay_of_a_version_missing_from_the_index_says_so(
    store_url: str, package_index: PackageIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record made by a model version the package index does not hold is not
    compared with the installed model: match None, and the reason names the
    version and the index."""
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", package_index.simple)
    store = audit.get_store()
    assert store is not None
    prediction_id = write_foreign_record(store)
    replay = audit.reproduce(prediction_id)
    assert replay["match"] is None and replay["recomputed"] is None
    assert replay["stored"] == 123.0
    assert "ames-price-model 0.0.1 is not on the package index" in replay["reason"]
    assert package_index.simple in replay["reason"]


def test_find_filters_by_version_and_time(store_url: str, house: dict[str, Any]) -> None:
    """find() returns records of one version inside a time range, oldest first."""
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    ids = make_prediction(input_data=[house, house])["prediction_ids"]
    after = datetime.now(timezone.utc) + timedelta(seconds=1)
    found = audit.find(model_version=regression_model.__version__, since=before, until=after)
    assert set(ids) <= {r["prediction_id"] for r in found}
    assert audit.find(model_version="no-such-version", since=before) == []
    assert not set(ids) & {r["prediction_id"] for r in audit.find(until=before)}


def test_unknown_id_gives_none(store_url: str) -> None:
    """get_record of an unknown id is None; reproduce raises KeyError."""
    assert audit.get_record("not-an-id") is None
    with pytest.raises(KeyError):
        audit.reproduce("not-an-id")
