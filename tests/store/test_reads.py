"""Reads never hold scoring up: every read path runs in a read transaction, so
it answers while a writer holds the write lock, and a writer is never kept
waiting by a reader, however long the read stays open. On a real SQLite file
and a real PostgreSQL server."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from regression_model import audit
from regression_model.predict import make_prediction


def _records_command(ids: list[str]) -> Any:
    """``regression-model records``, in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "regression_model.cli", "records"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["prediction_id"] for line in done.stdout.splitlines()]


# Every way to read the store, each given the ids of the calls already recorded.
READS: dict[str, Callable[[list[str]], Any]] = {
    "get_record": lambda ids: audit.get_record(ids[0]),
    "find": lambda ids: [r["prediction_id"] for r in audit.find()],
    "iter_records": lambda ids: [r["prediction_id"] for r in audit.iter_records()],
    "count": lambda ids: audit.get_store().count(),  # type: ignore[union-attr]
    "models": lambda ids: len(audit.models()),
    "export_records": lambda ids: audit.export_records(io.StringIO(), "jsonl"),
    "reproduce": lambda ids: audit.reproduce(ids[0])["match"],
    "records_command": _records_command,
}


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Another connection holds what a writer needs for the block: SQLite's write
    lock (BEGIN IMMEDIATE); on PostgreSQL the store's tables in EXCLUSIVE mode,
    which blocks writers and leaves readers be."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(text("LOCK TABLE calls, call_chunks, models IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


@pytest.mark.parametrize("read", sorted(READS))
def test_every_read_answers_while_a_writer_holds_the_lock(
    read: str, empty_store_url: str, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """While another connection holds the write lock for longer than the timeout,
    each read path (get_record, find, iter_records, count, models, the export,
    reproduce's lookup and the records command) answers as it would without it:
    none takes the write lock. A write meanwhile fails after the timeout."""
    from regression_model.errors import PredictionStoreError

    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, "1")
    ids = make_prediction(input_data=[house, house])["prediction_ids"]
    expected = READS[read](ids)
    with write_lock_held(empty_store_url):
        assert READS[read](ids) == expected
        with pytest.raises(PredictionStoreError):
            make_prediction(input_data=[house])


def test_a_read_left_open_keeps_no_writer_waiting(
    empty_store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    test_frame: pd.DataFrame,
    house: dict[str, Any],
) -> None:
    """A streamed read stopped halfway through a store of 8 calls (11,672 records,
    several stored chunks), its transaction open: 20 predictions with a one-second
    timeout are all recorded meanwhile (a writer waiting on the reader would wait
    for ever, the reader being stopped), and the reader, resumed, reads exactly
    the records of its snapshot, none of those written after it began."""
    before = [make_prediction(input_data=test_frame)["prediction_ids"] for _ in range(8)]
    reader = audit.iter_records()
    first = [next(reader)["prediction_id"] for _ in range(5_000)]
    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, "1")
    during = [make_prediction(input_data=[house] * 3)["prediction_ids"] for _ in range(20)]
    rest = [record["prediction_id"] for record in reader]
    assert first + rest == [i for ids in before for i in ids]
    assert all(audit.get_record(ids[-1]) is not None for ids in during)
    assert audit.get_store().count() == 8 * len(test_frame) + 60  # type: ignore[union-attr]


def test_an_export_left_open_keeps_no_writer_waiting(
    empty_store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    test_frame: pd.DataFrame,
    house: dict[str, Any],
) -> None:
    """An export that makes a prediction each time it writes a stored chunk (its
    read transaction open) keeps none of them waiting; the output holds the
    records of its snapshot only."""
    for _ in range(3):
        make_prediction(input_data=test_frame)
    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, "1")
    during: list[list[str]] = []

    class SlowTarget(io.StringIO):
        def write(self, text: str) -> int:
            # A prediction each time the export writes: its transaction is open.
            during.append(make_prediction(input_data=[house])["prediction_ids"])
            return super().write(text)

    target = SlowTarget()
    assert audit.export_records(target, "jsonl") == 3 * len(test_frame)
    assert len(target.getvalue().splitlines()) == 3 * len(test_frame)
    assert len(during) >= 3 and all(audit.get_record(ids[0]) for ids in during)


def test_the_records_command_streams_what_find_returns(
    empty_store_url: str, test_frame: pd.DataFrame
) -> None:
    """``regression-model records`` prints, one JSON line each and in order, the
    records find() returns (filters and limit included), across stored chunks."""
    from datetime import datetime

    frame = pd.concat([test_frame] * 8, ignore_index=True)  # 11,672 rows: two chunks
    frame.loc[10_001, "GrLivArea"] = -1
    call = audit.get_record(make_prediction(input_data=frame)["prediction_ids"][0])
    make_prediction(input_data=test_frame.head(3))
    assert call is not None
    for arguments, filters in [
        ([], {}),
        (
            ["--call", call["call_id"], "--limit", "10003"],
            {"call_id": call["call_id"], "limit": 10_003},
        ),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "regression_model.cli", "records", *arguments],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        printed = [json.loads(line) for line in done.stdout.splitlines()]
        found = audit.find(**filters)
        assert len(printed) == len(found) == filters.get("limit", len(frame) + 3)
        for line, record in zip(printed, found, strict=True):
            assert datetime.fromisoformat(line.pop("created_at")) == record.pop("created_at")
            assert line == json.loads(json.dumps(record))
