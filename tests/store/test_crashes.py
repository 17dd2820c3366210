"""A writer killed (SIGKILL) at any point of its write transaction leaves no part
of a call in the store, nothing it handed out unrecorded, and no lock held:
the others go on writing. Real processes, on a real SQLite file and a real
PostgreSQL server; the kill points are hooked on the store's own engine."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlalchemy import func, select, text

from regression_model import audit
from regression_model.predict import make_prediction
from regression_model.store.location import forget_stores
from regression_model.store.tables import call_chunks, calls

# A writer that prints the ids of each call it was handed (two small calls),
# then makes a call of 25,000 rows (three stored chunks) and is killed at
# ``point`` of its write: when the transaction began, after the calls row or
# the chunks were inserted, just before COMMIT, or once the call returned.
KILLED_AT = """
import json, os, signal, sys
from sqlalchemy import event
from regression_model import audit
from regression_model.data import load_dataset
from regression_model.predict import make_prediction

point = sys.argv[1]
frame = load_dataset(file_name="test.csv")
for size in (1, 3):
    print(json.dumps(make_prediction(input_data=frame.head(size))["prediction_ids"]), flush=True)
die = lambda *_: os.kill(os.getpid(), signal.SIGKILL)
engine = audit.get_store().engine
if point in ("begin", "commit"):
    event.listen(engine, point, die)
elif point.startswith("after "):
    table = f"INSERT INTO {point.split()[1]} "
    hook = lambda _c, _k, sql, *_a: sql.startswith(table) and die()
    event.listen(engine, "after_cursor_execute", hook)
ids = make_prediction(input_data=frame.sample(n=25_000, replace=True, random_state=0))
if point == "returned":
    die()
print(json.dumps(ids["prediction_ids"]), flush=True)
"""

# A writer that makes calls of 2,000 rows until it is stopped, printing the ids
# it was handed after each.
WRITES_ON = """
import json
from regression_model.data import load_dataset
from regression_model.predict import make_prediction

frame = load_dataset(file_name="test.csv").sample(n=2_000, replace=True, random_state=0)
while True:
    print(json.dumps(make_prediction(input_data=frame)["prediction_ids"]), flush=True)
"""


def handed_out(output: str) -> list[list[str]]:
    """The ids of each call a writer printed (a line cut by the kill is not one)."""
    calls_ = []
    for line in output.splitlines():
        try:
            calls_.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return calls_


def assert_whole(url: str, handed: list[list[str]]) -> int:
    """Every call in the store is whole (its chunks cover its rows exactly, no
    chunk without its call), every id handed out is recorded, the database is
    sound, and it takes a new write at once; returns how many calls it holds."""
    forget_stores()
    store = audit.get_store()
    assert store is not None
    with store.engine.connect() as connection:
        covered = dict(
            connection.execute(
                select(call_chunks.c.call_id, func.sum(call_chunks.c.n_rows)).group_by(
                    call_chunks.c.call_id
                )
            ).all()
        )
        expected = dict(connection.execute(select(calls.c.call_id, calls.c.n_rows)).all())
        if url.startswith("sqlite"):
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert covered == expected
    for ids in handed:
        assert audit.get_record(ids[0]) is not None and audit.get_record(ids[-1]) is not None
    os.environ[audit.TIMEOUT_VARIABLE] = "2"
    try:
        assert make_prediction(input_data=[{"GrLivArea": 1000}])["prediction_ids"]
    finally:
        del os.environ[audit.TIMEOUT_VARIABLE]
    return len(expected)


@pytest.mark.parametrize(
    "point", ["begin", "after calls", "after call_chunks", "commit", "returned"]
)
def test_a_writer_killed_inside_its_write_leaves_no_part_of_a_call(
    point: str, empty_store_url: str
) -> None:
    """SIGKILL when the write transaction began (SQLite: holding the write lock),
    after its calls row, after its chunks, just before COMMIT, or once the call
    returned but before its ids were handed on: the store holds the two earlier
    calls whole, plus the killed call whole only when it had committed; every id
    handed out is recorded; the lock is free for the next writer."""
    done = subprocess.run(
        [sys.executable, "-c", KILLED_AT, point], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    handed = handed_out(done.stdout)
    assert len(handed) == 2
    assert assert_whole(empty_store_url, handed) == (3 if point == "returned" else 2)


@pytest.mark.slow
def test_writers_killed_at_random_moments_leave_the_others_writing(
    empty_store_url: str, house: dict[str, Any]
) -> None:
    """Four processes write calls of 2,000 rows at once; six times, one of them
    is killed (SIGKILL) at a random moment and replaced. The others never fail,
    every call is whole, and every id any of them handed out is recorded."""
    chance = random.Random(23)
    writers = [_writer() for _ in range(4)]
    handed: list[list[str]] = []
    try:
        for _ in range(6):
            victim = writers.pop(chance.randrange(len(writers)))
            first = victim.stdout.readline()  # type: ignore[union-attr]
            time.sleep(chance.uniform(0, 0.3))  # a call and its write take about that
            victim.send_signal(signal.SIGKILL)
            handed += handed_out(first + victim.communicate()[0])
            writers.append(_writer())
    finally:
        for writer in writers:
            writer.terminate()
    for writer in writers:
        out, err = writer.communicate()
        assert "Error" not in err, err  # stopped by SIGTERM, never by a store error
        handed += handed_out(out)
    assert len(handed) >= 6
    assert assert_whole(empty_store_url, handed) >= len(handed)


def _writer() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITES_ON],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
