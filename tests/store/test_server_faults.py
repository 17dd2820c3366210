"""A PostgreSQL server that goes down, comes back, freezes or holds a lock: each
call ends with a bounded one-line PredictionStoreError, nothing is handed out
unrecorded, and the same process recovers once the server is back. Each test
runs a server of its own (tests/databases.py), which it stops and freezes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from regression_model import audit
from regression_model.errors import PredictionStoreError
from regression_model.predict import make_prediction
from tests.databases import new_postgres_database, private_postgres

# How long a test waits for a call on a frozen server before thawing it: far
# beyond the call's bound (timeout 2 s + 1 s), so only a call with no bound
# is still waiting then.
PATIENCE_SECONDS = 30


class Outcome:
    """What a call running on a thread came to, and whether it had ended by a
    given moment."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.value = call()
        except BaseException as error:  # reported to the test
            self.error = error

    def ended_within(self, seconds: float) -> bool:
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def wait(self) -> None:
        self._thread.join()


@pytest.fixture()
def bounded(monkeypatch: pytest.MonkeyPatch) -> float:
    """REGRESSION_MODEL_DB_TIMEOUT=2 for the test."""
    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, "2")
    return 2.0


def test_first_use_with_the_server_down_recovers_when_it_is_up(
    monkeypatch: pytest.MonkeyPatch, bounded: float, house: dict[str, Any]
) -> None:
    """The first call, with the server down, fails (its tables cannot be created);
    once the server is up, the next call of the same process creates them and
    records, with no new process."""
    with private_postgres() as server:
        monkeypatch.setenv(audit.URL_VARIABLE, server.url)
        server.stop()
        with pytest.raises(PredictionStoreError, match="could not be opened"):
            make_prediction(input_data=[house])
        server.start()
        ids = make_prediction(input_data=[house])["prediction_ids"]
        assert audit.get_record(ids[0]) is not None


def test_server_stopped_and_started_mid_stream(
    monkeypatch: pytest.MonkeyPatch, bounded: float, house: dict[str, Any]
) -> None:
    """Calls going on while the server stops fail with a one-line error naming
    the server, and hand out nothing; once it is started again, the same process
    records again (its pooled connections, broken by the restart, are replaced),
    and every id it was handed is in the store."""
    with private_postgres() as server:
        monkeypatch.setenv(audit.URL_VARIABLE, server.url)
        handed_out = [make_prediction(input_data=[house] * 3)["prediction_ids"] for _ in range(3)]
        server.stop()
        for _ in range(3):
            with pytest.raises(PredictionStoreError) as info:
                make_prediction(input_data=[house])
            assert f"127.0.0.1:{server.port}" in str(info.value)
            assert "\n" not in str(info.value)
        server.start()
        handed_out += [make_prediction(input_data=[house] * 3)["prediction_ids"] for _ in range(3)]
        for ids in handed_out:
            assert all(audit.get_record(i) is not None for i in ids)
        assert audit.get_store().count() == 18  # type: ignore[union-attr]


@pytest.mark.parametrize("pooled", [True, False], ids=["pooled_connection", "new_connection"])
@pytest.mark.parametrize("operation", ["write", "read"])
def test_frozen_server_gives_a_bounded_one_line_error(
    operation: str,
    pooled: bool,
    monkeypatch: pytest.MonkeyPatch,
    bounded: float,
    house: dict[str, Any],
) -> None:
    """With the server's processes stopped (SIGSTOP), a call (a prediction, or a
    read) ends with a one-line PredictionStoreError saying the database did not
    answer within the timeout, while the server is still frozen, whether the
    call's connection was pooled or new; no id is handed out; after SIGCONT the
    same process records again."""
    with private_postgres() as server:
        monkeypatch.setenv(audit.URL_VARIABLE, server.url)
        first = make_prediction(input_data=[house])["prediction_ids"]
        store = audit.get_store()
        assert store is not None
        if not pooled:
            store.dispose()
        call: Callable[[], Any] = {
            "write": lambda: make_prediction(input_data=[house]),
            "read": lambda: audit.find(limit=5),
        }[operation]
        server.freeze()
        try:
            outcome = Outcome(call)
            ended_while_frozen = outcome.ended_within(PATIENCE_SECONDS)
        finally:
            server.thaw()
        outcome.wait()
        assert ended_while_frozen, "the call waited for the frozen server with no bound"
        assert isinstance(outcome.error, PredictionStoreError), outcome.value
        message = str(outcome.error)
        assert "\n" not in message
        assert "did not answer within 2 s" in message or "timeout" in message, message
        again = make_prediction(input_data=[house])["prediction_ids"]
        assert audit.get_record(again[0]) is not None and audit.get_record(first[0]) is not None


def test_a_lock_held_past_the_timeout_ends_a_write_not_a_read(
    monkeypatch: pytest.MonkeyPatch, bounded: float, house: dict[str, Any]
) -> None:
    """While another session holds the calls table in EXCLUSIVE mode (it blocks
    writers, not readers), a prediction fails after the lock timeout with a
    one-line error and nothing recorded, and every read still answers."""
    from sqlalchemy import create_engine, text

    with new_postgres_database() as url:
        monkeypatch.setenv(audit.URL_VARIABLE, url)
        ids = make_prediction(input_data=[house])["prediction_ids"]
        holder = create_engine(url)
        with holder.connect() as connection:
            connection.execute(text("LOCK TABLE calls IN EXCLUSIVE MODE"))
            with pytest.raises(
                PredictionStoreError, match=r"due to (lock|statement) timeout \(2 s"
            ) as info:
                make_prediction(input_data=[house, house])
            assert "\n" not in str(info.value)
            assert audit.get_record(ids[0]) is not None
            assert [r["prediction_id"] for r in audit.find()] == ids
            assert audit.get_store().count() == 1  # type: ignore[union-attr]
            connection.rollback()
        holder.dispose()
        assert audit.get_store().count() == 1  # type: ignore[union-attr]
