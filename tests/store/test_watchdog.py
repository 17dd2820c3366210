"""The watchdog ends a wait on the database that outlives its bound, and only
such a wait: on real SQLite connections running a statement that never ends."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time

import pytest

from regression_model.store.watchdog import WATCHDOG

# A statement that runs until it is interrupted.
FOREVER = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


def _connection() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", check_same_thread=False)


def test_a_statement_past_its_bound_is_interrupted() -> None:
    """A statement that never ends, under a watch of 0.2 s, is interrupted
    (SQLite's interrupt), and the watch says it fired; the connection serves
    the next statement."""
    connection = _connection()
    with WATCHDOG.watching(0.2) as watch:
        WATCHDOG.attach(watch, connection.interrupt)
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            connection.execute(FOREVER)
    assert watch.fired
    assert connection.execute("SELECT 1").fetchone() == (1,)


def test_a_paused_or_ended_watch_never_fires() -> None:
    """While paused (the caller holds the data), a watch does not fire however
    long it waits; renewed, its statement runs; once its block has ended, its
    connection is never interrupted again."""
    connection = _connection()
    with WATCHDOG.watching(0.1) as watch:
        WATCHDOG.attach(watch, connection.interrupt)
        watch.pause()
        time.sleep(0.3)
        watch.renew()
        assert connection.execute("SELECT 2").fetchone() == (2,)
    time.sleep(0.3)
    assert not watch.fired
    assert connection.execute("SELECT count(*) FROM (SELECT 1 UNION SELECT 2)").fetchone() == (2,)


def test_attaching_after_the_bound_ran_out_is_refused() -> None:
    """A watch that ran out before its connection was attached (still
    connecting) refuses the connection, which then runs nothing."""
    with WATCHDOG.watching(0.05) as watch:
        time.sleep(0.3)
        assert watch.fired
        with pytest.raises(TimeoutError, match=r"no answer within 0\.05 s"):
            WATCHDOG.attach(watch, _connection().interrupt)


def _interrupted_in_child() -> bool:
    connection = _connection()
    with WATCHDOG.watching(0.2) as watch:
        WATCHDOG.attach(watch, connection.interrupt)
        try:
            connection.execute(FOREVER)
        except sqlite3.OperationalError:
            return watch.fired
    return False


def test_a_forked_child_has_a_watchdog_of_its_own() -> None:
    """After the parent's watchdog has run, a forked child's watches still fire
    (the parent's thread does not come along across fork, so the child starts
    its own)."""
    with WATCHDOG.watching(1.0):
        pass  # the parent's watchdog thread runs
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        assert pool.apply(_interrupted_in_child, ()) is True
