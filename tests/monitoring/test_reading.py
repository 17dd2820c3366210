"""A monitor run reads in a read transaction: while it streams the store's chunks,
scoring goes on recording, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from regression_model.predict import make_prediction
from regression_model.store.monitored import monitored_chunks, read_transaction
from tests.monitoring.houses import DAY, drawn, record


def test_a_monitor_read_holds_no_writer_up(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a monitor's read transaction open and its stream of chunks half read, a
    call of make_prediction records at once (a lock wait would end in an error after
    the one second allowed), and the stream, reading its snapshot, goes on to the end."""
    record(drawn(25_000, seed=51), DAY)  # three stored chunks
    (model,) = store.models()
    identity = model["model_identity"]
    with read_transaction(store, "read records to monitor") as connection:
        chunks = monitored_chunks(connection, identity, DAY, DAY + timedelta(days=1))
        first = next(chunks)
        monkeypatch.setenv("REGRESSION_MODEL_DB_TIMEOUT", "1")
        started = time.perf_counter()
        result = make_prediction(input_data=drawn(10, seed=52))
        waited = time.perf_counter() - started
        rest = list(chunks)
    assert result["errors"] is None and len(result["prediction_ids"]) == 10
    assert waited < 1.0
    assert [first.first_row, *(c.first_row for c in rest)] == [0, 10_000, 20_000]
