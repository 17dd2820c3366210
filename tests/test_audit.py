"""The prediction store, on a real SQLite file and, when CI provides one, a real
PostgreSQL server (REGRESSION_MODEL_TEST_PG_URL)."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import regression_model
from regression_model import audit
from regression_model.errors import PredictionStoreError
from regression_model.predict import load_model, make_prediction
from regression_model.store import migrations, tables
from regression_model.store import store as prediction_store
from regression_model.store.codec import encode_json_rows, pack_call
from regression_model.store.ids import new_row_ids
from tests.databases import new_postgres_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server, shared by the session."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The URL of a real store, set as REGRESSION_MODEL_DB_URL for the test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'predictions.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv(audit.URL_VARIABLE, url)
    return url


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


def test_call_larger_than_a_chunk_reads_back_row_by_row(
    store_url: str, test_frame: pd.DataFrame
) -> None:
    """A call of 26,262 rows is stored in three chunks: rows on either side of each
    chunk boundary read back with their own inputs and price, and find() with a
    limit returns the first rows in order across the boundary."""
    frame = pd.concat([test_frame] * 18, ignore_index=True)
    frame.loc[10_000, "GrLivArea"] = -1  # first row of the second chunk: rejected
    before = audit.get_store().count()  # type: ignore[union-attr]
    result = make_prediction(input_data=frame)
    ids = result["prediction_ids"]
    for row in (0, 9_999, 10_000, 19_999, 20_000, len(frame) - 1):
        record = audit.get_record(ids[row])
        assert record is not None and record["row_number"] == row
        assert record["prediction"] == result["predictions"][row]
        assert record["inputs"]["GrLivArea"] == frame.loc[row, "GrLivArea"]
        assert record["inputs"]["Neighborhood"] == frame.loc[row, "Neighborhood"]
    rejected = audit.get_record(ids[10_000])
    assert rejected is not None and rejected["errors"][0]["field"] == "GrLivArea"
    found = audit.find(call_id=rejected["call_id"], limit=10_002)
    assert [r["prediction_id"] for r in found] == ids[:10_002]
    assert audit.get_store().count() == before + len(frame)  # type: ignore[union-attr]


def test_rejected_row_is_recorded_with_its_errors(store_url: str, house: dict[str, Any]) -> None:
    """A rejected row gets a record holding its errors and no price."""
    result = make_prediction(input_data=[house, {**house, "OverallQual": 99}])
    good, bad = (audit.get_record(i) for i in result["prediction_ids"])
    assert good is not None and bad is not None
    assert good["prediction"] == result["predictions"][0] and good["errors"] is None
    assert bad["prediction"] is None
    assert bad["errors"] == [e for e in json.loads(result["errors"]) if e["row"] == 1]
    assert bad["inputs"]["OverallQual"] == 99


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
    assert replay["match"] is False and "another result" in replay["reason"]


def _write_foreign_record(store: prediction_store.PredictionStore) -> str:
    """Record one row priced 123.0 by a model version 0.0.1; returns its id."""
    id_prefix, (prediction_id,) = new_row_ids(1)
    inputs = encode_json_rows([json.dumps({"GrLivArea": 1000})])
    store.write_call(
        call_id=audit.new_id(),
        id_prefix=id_prefix,
        created_at=datetime.now(timezone.utc),
        model_version="0.0.1",
        artifact_sha256="0" * 64,
        config_fingerprint="0" * 64,
        chunks=pack_call(lambda start, stop: inputs, [123.0], {}, {}),
    )
    return prediction_id


def test_replay_refuses_another_models_record(store_url: str, house: dict[str, Any]) -> None:
    """A record made by another model version is not compared with the installed one."""
    store = audit.get_store()
    assert store is not None
    prediction_id = _write_foreign_record(store)
    replay = audit.reproduce(prediction_id)
    assert replay["match"] is None and replay["recomputed"] is None
    assert replay["stored"] == 123.0
    assert "0.0.1" in replay["reason"] and regression_model.__version__ in replay["reason"]


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


def test_schema_is_versioned(store_url: str, house: dict[str, Any]) -> None:
    """First use creates the schema through the migration step and records its version."""
    from sqlalchemy import select

    make_prediction(input_data=[house])
    store = audit.get_store()
    assert store is not None
    with store.engine.connect() as connection:
        version = connection.execute(
            select(tables.store_info.c.value).where(tables.store_info.c.key == "schema_version")
        ).scalar_one()
    assert int(version) == tables.SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A store written by a newer package version is refused, not altered."""
    path = tmp_path / "newer.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT INTO store_info VALUES ('schema_version', '99')")
    with pytest.raises(PredictionStoreError, match="newer"):
        prediction_store.PredictionStore(f"sqlite:///{path}").count()


def test_default_store_is_a_wal_sqlite_file_in_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """With no URL configured, the store is created on first use in the per-user data
    directory (platformdirs), in WAL mode."""
    monkeypatch.delenv(audit.URL_VARIABLE)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "regression-model" / "predictions.sqlite3"
    assert audit.resolve_url() == f"sqlite:///{expected}"
    assert not expected.exists()
    ids = make_prediction(input_data=[house])["prediction_ids"]
    assert expected.is_file()
    with sqlite3.connect(expected) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = connection.execute("SELECT id_prefix, n_rows FROM calls").fetchall()
    assert [(row[0] + "00000000", row[1]) for row in stored] == [(ids[0], 1)]


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


def _empty_store_urls(backend: str, tmp_path: Path, stack: ExitStack) -> tuple[str, str]:
    """Two URLs of empty databases on one backend."""
    if backend == "sqlite":
        return (f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}")
    return (
        stack.enter_context(new_postgres_database()),
        stack.enter_context(new_postgres_database()),
    )


def _schema_of(store: prediction_store.PredictionStore) -> dict[str, Any]:
    """Every table's columns (name, type, nullable), primary key and indexes."""
    from sqlalchemy import inspect

    inspector = inspect(store.engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            inspector.get_pk_constraint(table)["constrained_columns"],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fresh_store_is_created_at_current_schema_in_one_step(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An empty database gets the current schema in one step, logged as one line ("created
    at schema 3", no migration step), and ends with the same tables, columns, keys and
    indexes as a store created by the first release and migrated up; both hold records."""
    from sqlalchemy import create_engine

    with ExitStack() as stack:
        fresh_url, old_url = _empty_store_urls(backend, tmp_path, stack)
        engine = create_engine(old_url)
        with engine.begin() as connection:
            migrations.MIGRATIONS[1](connection)
            connection.exec_driver_sql("INSERT INTO store_info VALUES ('schema_version', '1')")
        engine.dispose()
        caplog.set_level(logging.INFO, logger="regression_model.store.migrations")
        fresh = prediction_store.PredictionStore(fresh_url)
        assert fresh.count() == 0
        assert [r.getMessage() for r in caplog.records] == [
            f"prediction store created at schema {tables.SCHEMA_VERSION}"
        ]
        caplog.clear()
        migrated = prediction_store.PredictionStore(old_url)
        assert migrated.count() == 0
        assert [r.getMessage() for r in caplog.records] == [
            f"prediction store migrated to schema {version}"
            for version in range(2, tables.SCHEMA_VERSION + 1)
        ]
        assert _schema_of(fresh) == _schema_of(migrated)
        for store in (fresh, migrated):
            prediction_id = _write_foreign_record(store)
            assert store.count() == 1
            assert store.get_record(prediction_id)["prediction"] == 123.0  # type: ignore[index]
            store.dispose()
