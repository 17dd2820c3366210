"""The prediction store records every call whole, under concurrency, and fails
loudly: on a real SQLite file and, when CI provides one, a real PostgreSQL server."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import regression_model
from regression_model import audit
from regression_model.errors import PredictionStoreError
from regression_model.predict import load_model, make_prediction


def test_single_row_is_recorded_as_returned(store_url: str, house: dict[str, Any]) -> None:
    """One scored row: its record holds the returned price, model identity and inputs."""
    result = make_prediction(input_data=[house])
    (prediction_id,) = result["prediction_ids"]
    record = audit.get_record(prediction_id)
    assert record is not None
    model = load_model()
    assert record["prediction"] == result["predictions"][0]
    assert record["interval"] == result["intervals"][0]
    assert record["model_version"] == regression_model.__version__ == result["version"]
    assert record["artifact_sha256"] == model.artifact_sha256
    assert record["config_fingerprint"] == model.manifest["config_fingerprint"]
    assert record["errors"] is None
    assert record["inputs"]["GrLivArea"] == house["GrLivArea"]
    assert record["inputs"]["Neighborhood"] == house["Neighborhood"]
    age = datetime.now(timezone.utc) - record["created_at"]
    assert timedelta(0) <= age < timedelta(minutes=5)


def test_batch_records_align_with_results(store_url: str, test_frame: pd.DataFrame) -> None:
    """All 1459 rows of test.csv: one record each, same call, distinct ids, stored
    price equal to the returned price, row numbers in order."""
    result = make_prediction(input_data=test_frame)
    ids = result["prediction_ids"]
    assert len(ids) == len(set(ids)) == 1459
    first = audit.get_record(ids[0])
    assert first is not None
    records = audit.find(call_id=first["call_id"])
    assert [r["prediction_id"] for r in records] == ids
    assert [r["row_number"] for r in records] == list(range(1459))
    assert [r["prediction"] for r in records] == result["predictions"]


@pytest.mark.parametrize("storage", ["as loaded", "python objects"])
def test_call_larger_than_a_chunk_reads_back_row_by_row(
    storage: str, store_url: str, test_frame: pd.DataFrame
) -> None:
    """A call of 26,262 rows is stored in three chunks (its inputs packed beside
    the pricing, as every call of 20,000 rows or more, from the text columns'
    factorisation that validation made): rows on either side of each chunk
    boundary read back with their own inputs and price, a text column the
    model does not read included, with text as loaded and as Python objects;
    find() with a limit returns the first rows in order across the boundary."""
    frame = pd.concat([test_frame] * 18, ignore_index=True)
    frame.loc[10_000, "GrLivArea"] = -1  # first row of the second chunk: rejected
    frame["Agent"] = [f"agent {i % 7}" if i % 5 else None for i in range(len(frame))]
    if storage == "python objects":
        text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        frame = frame.astype(dict.fromkeys(text, object))
    before = audit.get_store().count()  # type: ignore[union-attr]
    result = make_prediction(input_data=frame)
    ids = result["prediction_ids"]
    for row in (0, 9_999, 10_000, 19_999, 20_000, len(frame) - 1):
        record = audit.get_record(ids[row])
        assert record is not None and record["row_number"] == row
        assert record["prediction"] == result["predictions"][row]
        assert record["inputs"]["GrLivArea"] == frame.loc[row, "GrLivArea"]
        for column in ("Neighborhood", "Alley", "SaleType", "Agent"):
            sent = frame.loc[row, column]
            assert record["inputs"].get(column) == (None if pd.isna(sent) else sent), column
    rejected = audit.get_record(ids[10_000])
    assert rejected is not None and rejected["errors"][0]["field"] == "GrLivArea"
    found = audit.find(call_id=rejected["call_id"], limit=10_002)
    assert [r["prediction_id"] for r in found] == ids[:10_002]
    assert audit.get_store().count() == before + len(frame)  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_large_call_of_records_keeps_each_record_as_sent(
    store_url: str, test_frame: pd.DataFrame
) -> None:
    """A call of 20,424 records (inputs packed beside the pricing) keeps each
    record with its own keys: a record that sent one extra key and one that
    left out a field read back exactly as they were sent."""
    records = pd.concat([test_frame] * 14, ignore_index=True).to_dict(orient="records")
    records[3] = {**records[3], "Comment": "corner lot"}
    records[-1] = {k: v for k, v in records[-1].items() if k != "LotFrontage"}
    result = make_prediction(input_data=records)
    for row in (3, len(records) - 1):
        record = audit.get_record(result["prediction_ids"][row])
        assert record is not None and record["row_number"] == row
        sent = {
            k: (None if isinstance(v, float) and v != v else v) for k, v in records[row].items()
        }
        assert record["inputs"] == sent
        assert record["prediction"] == result["predictions"][row]


def test_rejected_row_is_recorded_with_its_errors(store_url: str, house: dict[str, Any]) -> None:
    """A rejected row gets a record holding its errors and no price."""
    result = make_prediction(input_data=[house, {**house, "OverallQual": 99}])
    good, bad = (audit.get_record(i) for i in result["prediction_ids"])
    assert good is not None and bad is not None
    assert good["prediction"] == result["predictions"][0] and good["errors"] is None
    assert bad["prediction"] is None
    assert bad["errors"] == [e for e in json.loads(result["errors"]) if e["row"] == 1]
    assert bad["inputs"]["OverallQual"] == 99


def _predict_in_subprocesses(count: int, calls: int, rows: int) -> list[list[str]]:
    code = (
        "import json, sys\n"
        "from regression_model.predict import make_prediction\n"
        "from regression_model.processing.data_manager import load_dataset\n"
        f"frame = load_dataset(file_name='test.csv').head({rows})\n"
        "ids = []\n"
        f"for _ in range({calls}):\n"
        "    ids += make_prediction(input_data=frame)['prediction_ids']\n"
        "print(json.dumps(ids))\n"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


@pytest.mark.slow
def test_four_processes_lose_nothing(store_url: str) -> None:
    """4 processes predicting at once into one store: every row recorded once,
    all ids distinct."""
    outputs = _predict_in_subprocesses(count=4, calls=5, rows=40)
    ids = [i for out in outputs for i in out]
    assert len(ids) == len(set(ids)) == 4 * 5 * 40
    found = {r["prediction_id"] for r in audit.find(limit=None)}
    assert set(ids) <= found
    calls = {audit.get_record(i)["call_id"] for i in ids[::40]}  # type: ignore[index]
    assert len(calls) == 20


def test_threads_lose_nothing(store_url: str, house: dict[str, Any]) -> None:
    """4 threads predicting at once: every row recorded, ids distinct."""
    results: list[list[str]] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(make_prediction(input_data=[house] * 10)["prediction_ids"])
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    ids = [i for batch in results for i in batch]
    assert len(ids) == len(set(ids)) == 200
    assert all(audit.get_record(i) is not None for i in ids[::9])


def test_store_off_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """REGRESSION_MODEL_DB_URL=none: predictions still come back with ids, nothing is
    written, and reading the store says persistence is off."""
    monkeypatch.setenv(audit.URL_VARIABLE, "none")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    result = make_prediction(input_data=[house])
    assert result["predictions"][0] is not None and len(result["prediction_ids"]) == 1
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(PredictionStoreError, match="off"):
        audit.get_record(result["prediction_ids"][0])


def test_unwritable_store_raises_and_returns_nothing(
    monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """A store that cannot be created raises PredictionStoreError carrying the cause."""
    monkeypatch.setenv(audit.URL_VARIABLE, "sqlite:////proc/no-such-dir/predictions.sqlite3")
    with pytest.raises(PredictionStoreError) as info:
        make_prediction(input_data=[house])
    assert info.value.__cause__ is not None


def test_locked_store_raises_after_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """While another connection holds the write lock past the timeout, a call raises
    PredictionStoreError (locked) and nothing of it is recorded."""
    path = tmp_path / "locked.sqlite3"
    monkeypatch.setenv(audit.URL_VARIABLE, f"sqlite:///{path}")
    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, "0.3")
    make_prediction(input_data=[house])  # creates the schema
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(PredictionStoreError, match="locked"):
            make_prediction(input_data=[house, house])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT SUM(n_rows) FROM calls").fetchone()[0] == 1


def test_unreachable_postgres_raises(
    monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """A PostgreSQL URL nobody listens on raises PredictionStoreError, promptly."""
    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    monkeypatch.setenv(audit.URL_VARIABLE, "postgresql+psycopg://nobody@127.0.0.1:9/none")
    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, "2")
    with pytest.raises(PredictionStoreError, match=r"127\.0\.0\.1"):
        make_prediction(input_data=[house])
