"""What monitoring reads from the store, and the transactions it reads and writes in.

A monitor run reads in one read transaction: on SQLite a plain ``BEGIN``
(never ``BEGIN IMMEDIATE``), so writers go on scoring while it reads from its
snapshot; on PostgreSQL an ordinary transaction, which blocks no writer.
Chunks stream through a server-side cursor where the driver has one, so
memory does not grow with the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from regression_model.errors import PredictionStoreError
from regression_model.store.tables import call_chunks, calls, models, prediction_records, utc

if TYPE_CHECKING:
    from regression_model.store.store import PredictionStore

__all__ = [
    "calls_by_model",
    "monitored_chunks",
    "read_transaction",
    "stored_profile",
    "unidentified_records",
    "write_transaction",
]


@contextmanager
def read_transaction(store: PredictionStore, action: str) -> Iterator[Connection]:
    """A transaction that only reads, and holds no writer up; its waits are
    bounded by the store's timeout, but not the time the caller spends on what
    it read (see :func:`monitored_chunks`).

    Raises
    ------
    PredictionStoreError
        When there is no store there.
    """
    with store._reading(action) as (connection, watch):
        if connection is None or watch is None:
            store.require_store()  # raises: "no store at ..."
            raise PredictionStoreError(f"{store.url}: the store vanished while being read")
        connection.info[_WATCH] = watch
        try:
            yield connection
        finally:
            connection.info.pop(_WATCH, None)


@contextmanager
def write_transaction(store: PredictionStore, action: str) -> Iterator[Connection]:
    """A short write transaction (recording outcomes, a run's results)."""
    store._prepare_write()
    with store._transaction(action, store._get_engine()) as (connection, _):
        yield connection


# Where a read transaction keeps its watch, for the chunk stream to pause.
_WATCH = "regression_model.watch"


def calls_by_model(
    connection: Connection, since: datetime | None, until: datetime | None
) -> list[dict[str, Any]]:
    """Per model identity with calls in ``[since, until)``: its version, when
    its model row was first seen, its records and its first and last call,
    newest model first."""
    query = (
        select(
            calls.c.model_identity,
            models.c.model_version,
            models.c.first_seen,
            func.sum(calls.c.n_rows).label("records"),
            func.min(calls.c.created_at).label("first_call"),
            func.max(calls.c.created_at).label("last_call"),
        )
        .join(models, models.c.model_identity == calls.c.model_identity)
        .group_by(calls.c.model_identity, models.c.model_version, models.c.first_seen)
    )
    if since is not None:
        query = query.where(calls.c.created_at >= utc(since))
    if until is not None:
        query = query.where(calls.c.created_at < utc(until))
    found = [
        {
            "model_identity": row.model_identity,
            "model_version": row.model_version,
            "first_seen": utc(row.first_seen),
            "records": int(row.records),
            "first_call": utc(row.first_call),
            "last_call": utc(row.last_call),
        }
        for row in connection.execute(query)
    ]
    return sorted(found, key=lambda m: (m["first_seen"], m["model_identity"]), reverse=True)


def unidentified_records(
    connection: Connection, since: datetime | None, until: datetime | None
) -> int:
    """Records in ``[since, until)`` that name no model identity (written before
    schema 5): no reference profile can be found for them."""
    total = 0
    for table, where in (
        (calls, calls.c.model_identity.is_(None)),
        (prediction_records, None),
    ):
        count = func.sum(calls.c.n_rows) if table is calls else func.count()
        query = select(func.coalesce(count, 0)).select_from(table)
        if where is not None:
            query = query.where(where)
        if since is not None:
            query = query.where(table.c.created_at >= utc(since))
        if until is not None:
            query = query.where(table.c.created_at < utc(until))
        total += int(connection.execute(query).scalar_one())
    return total


def stored_profile(connection: Connection, identity: str) -> str | None:
    """The reference profile (JSON text) the model's row keeps, or None."""
    query = select(models.c.profile).where(models.c.model_identity == identity)
    profile: str | None = connection.execute(query).scalar_one_or_none()
    return profile


def monitored_chunks(
    connection: Connection, identity: str, since: datetime, until: datetime
) -> Iterator[Any]:
    """The stored chunks of the model's calls in ``[since, until)``, oldest
    first: ``created_at``, ``call_id``, ``first_row``, ``n_rows``, ``inputs``,
    ``predictions``, ``warnings`` and ``intervals``."""
    query = (
        select(
            calls.c.created_at,
            calls.c.call_id,
            call_chunks.c.first_row,
            call_chunks.c.n_rows,
            call_chunks.c.inputs,
            call_chunks.c.predictions,
            call_chunks.c.warnings,
            call_chunks.c.intervals,
        )
        .join(call_chunks, call_chunks.c.call_id == calls.c.call_id)
        .where(
            calls.c.model_identity == identity,
            calls.c.created_at >= utc(since),
            calls.c.created_at < utc(until),
        )
        .order_by(calls.c.created_at, calls.c.call_id, call_chunks.c.first_row)
    )
    streamed = connection.execution_options(stream_results=True, yield_per=8)
    watch = connection.info.get(_WATCH)
    for chunk in streamed.execute(query):
        if watch is not None:
            watch.pause()  # the caller has the chunk: its work is not a wait
        yield chunk
        if watch is not None:
            watch.renew()
