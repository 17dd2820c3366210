"""The prediction store: one SQLAlchemy engine, writes of whole calls, reads.

Imported only when a store is in use, so scoring with persistence off never
loads SQLAlchemy. Applications read records through ``regression_model.audit``.
Every read looks in the per-call tables and in the per-row table of schemas
1 and 2 (``legacy``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Engine,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from regression_model.errors import PredictionStoreError
from regression_model.store.codec import RecordChunk
from regression_model.store.ids import parse_row_id
from regression_model.store.legacy import find_legacy, legacy_record
from regression_model.store.migrations import HEAD, ensure_schema, revision_of, upgrade_sql
from regression_model.store.models import ModelRecord, list_models, model_row, remember_model
from regression_model.store.reads import RecordFilter, call_records, chunk_columns, find_calls
from regression_model.store.tables import call_chunks, calls, prediction_records, utc
from regression_model.store.urls import masked_url

if TYPE_CHECKING:
    import pandas as pd

_INSERT_CALL = calls.insert()
_INSERT_CHUNKS = call_chunks.insert()

# A connection execution option: this transaction only reads.
_READ_ONLY = "regression_model_read_only"

__all__ = [
    "PredictionStore",
]


class PredictionStore:
    """A prediction store on one SQLAlchemy URL.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL, e.g. ``sqlite:////var/lib/app/predictions.sqlite3``
        or ``postgresql+psycopg://user@host/db``.
    timeout : float
        Seconds to wait for a lock (SQLite busy timeout, PostgreSQL
        lock_timeout) or a connection before giving up.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from regression_model.store.store import PredictionStore
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> store = PredictionStore(f"sqlite:///{folder / 'p.sqlite3'}")
    >>> store.get_record("no-such-id") is None
    True
    """

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        # Models whose row this process has seen committed: checked once each.
        self._remembered: set[str] = set()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._create_engine()
                self._ensure_schema(self._engine)
            return self._engine

    def _create_engine(self) -> Engine:
        try:
            url = make_url(self.url)
        except ArgumentError as error:
            raise PredictionStoreError(f"{self.url!r} is not a database URL: {error}") from error
        if url.get_backend_name() == "sqlite":
            return self._sqlite_engine(url.database)
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            connect_args = {
                "connect_timeout": max(1, math.ceil(self.timeout)),
                "options": f"-c lock_timeout={int(self.timeout * 1000)}",
            }
        return create_engine(url, connect_args=connect_args, pool_pre_ping=True)

    def _sqlite_engine(self, database: str | None) -> Engine:
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise PredictionStoreError(
                    f"cannot create the folder of the SQLite store {database}: {error}"
                ) from error
        # Stores are cached per process (get_store), so pooled connections are
        # never shared across a fork.
        engine = create_engine(
            f"sqlite:///{database}" if database else "sqlite://",
            connect_args={"timeout": self.timeout, "check_same_thread": False},
        )
        timeout_ms = int(self.timeout * 1000)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide where transactions
            # begin (SQLAlchemy's documented recipe for SQLite transactions).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            # Take the write lock up front: concurrent writers queue on the busy
            # timeout instead of failing mid-transaction. A long read (an export)
            # takes none, so it never holds writers up (WAL keeps its snapshot).
            if connection.get_execution_options().get(_READ_ONLY):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    @contextmanager
    def _transaction(self, action: str, read_only: bool = False) -> Iterator[Connection]:
        """One transaction; ``read_only`` on SQLite takes no write lock, so a long
        read (an export) never holds writers up."""
        try:
            with self.engine.connect() as connection:
                if read_only:
                    connection = connection.execution_options(**{_READ_ONLY: True})
                with connection.begin():
                    yield connection
        except PredictionStoreError:
            raise
        except (SQLAlchemyError, OSError) as error:
            raise PredictionStoreError(
                f"prediction store {self._safe_url()} could not {action}: {error}"
            ) from error

    def _safe_url(self) -> str:
        return masked_url(self.url)

    def _ensure_schema(self, engine: Engine) -> None:
        """Create or migrate the schema in one transaction."""
        try:
            with engine.begin() as connection:
                ensure_schema(connection, self._safe_url())
        except PredictionStoreError:
            raise
        except (SQLAlchemyError, OSError) as error:
            raise PredictionStoreError(
                f"prediction store {self._safe_url()} could not be opened: {error}"
            ) from error

    def write_call(
        self,
        *,
        call_id: str,
        id_prefix: str,
        created_at: datetime,
        model: ModelRecord,
        chunks: Sequence[RecordChunk],
    ) -> None:
        """Write one call (its row in ``calls``, its packed chunks and, on the
        model's first call, its row in ``models``) in one transaction, or raise
        PredictionStoreError."""
        n_rows = sum(chunk.n_rows for chunk in chunks)
        if n_rows == 0:
            return
        with self._transaction("record the predictions") as connection:
            if model.identity not in self._remembered:
                remember_model(connection, model)
            connection.execute(
                # Parameters beside a plain insert, not .values(): the statement
                # is then the same each call and SQLAlchemy's compiled cache
                # serves it, instead of coercing every value anew.
                _INSERT_CALL,
                {
                    "call_id": call_id,
                    "id_prefix": id_prefix,
                    "created_at": utc(created_at),
                    "model_version": model.version,
                    "artifact_sha256": model.artifact_sha256,
                    "config_fingerprint": model.config_fingerprint,
                    "model_identity": model.identity,
                    "n_rows": n_rows,
                },
            )
            connection.execute(
                _INSERT_CHUNKS,
                [
                    {
                        "call_id": call_id,
                        "first_row": chunk.first_row,
                        "n_rows": chunk.n_rows,
                        "inputs": chunk.inputs,
                        "predictions": chunk.predictions,
                        "errors": chunk.errors,
                        "warnings": chunk.warnings,
                        "intervals": chunk.intervals,
                    }
                    for chunk in chunks
                ],
            )
        self._remembered.add(model.identity)

    def get_record(self, prediction_id: str) -> dict[str, Any] | None:
        """One record as a dict, or None when the id is unknown."""
        parsed = parse_row_id(prediction_id)
        with self._transaction("read a record") as connection:
            if parsed is not None:
                prefix, row = parsed
                found = connection.execute(
                    select(calls, *chunk_columns())
                    .join(call_chunks, call_chunks.c.call_id == calls.c.call_id)
                    .where(
                        calls.c.id_prefix == prefix,
                        call_chunks.c.first_row <= row,
                        call_chunks.c.first_row + call_chunks.c.n_rows > row,
                    )
                ).one_or_none()
                if found is not None:
                    return call_records(found._mapping, [row])[0]
            return legacy_record(connection, prediction_id)

    def find(
        self,
        *,
        model_version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        call_id: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Records filtered by model version, time range [since, until) and call,
        ordered by time, call and row."""
        where = RecordFilter(model_version, since, until, call_id)
        with self._transaction("search records") as connection:
            found = find_legacy(connection, where, limit) + find_calls(connection, where, limit)
        found.sort(key=lambda r: (r["created_at"], r["call_id"], r["row_number"]))
        return found if limit is None else found[:limit]

    def upgrade(self) -> str:
        """Bring the schema to this package's (as first use would) and return
        the revision it is at."""
        with self._transaction("read its schema", read_only=True) as connection:
            return revision_of(connection) or HEAD

    def upgrade_sql(self) -> str:
        """The SQL that would bring the schema to this package's, without
        running it or changing the store."""
        engine = self._create_engine()
        try:
            with engine.connect() as connection:
                current = revision_of(connection)
                stamped = connection.dialect.has_table(connection, "alembic_version")
        except (SQLAlchemyError, OSError) as error:
            raise PredictionStoreError(
                f"prediction store {self._safe_url()} could not be read: {error}"
            ) from error
        finally:
            engine.dispose()
        if current == HEAD and stamped:
            return f"-- the store is at schema {int(HEAD)}: nothing to run\n"
        return upgrade_sql(self.url, current, stamped)

    def export(
        self,
        write: Callable[[pd.DataFrame], None],
        where: RecordFilter,
        fields: Mapping[str, str],
        limit: int | None = None,
    ) -> int:
        """Hand the selected records to ``write`` as flat frames, a stored chunk
        at a time, inputs one column per name of ``fields`` typed by its kind
        (see ``export``); returns how many rows it wrote."""
        from regression_model.store.export import record_frames

        written = 0
        with self._transaction("export records", read_only=True) as connection:
            for frame in record_frames(connection, where, fields, limit):
                write(frame)
                written += len(frame)
        return written

    def models(self) -> list[dict[str, Any]]:
        """Every model that wrote to the store (identity, version, first seen,
        manifest, plan), first seen first."""
        with self._transaction("list its models") as connection:
            return list_models(connection)

    def model(self, identity: str) -> dict[str, Any] | None:
        """The stored row of the model with that identity, or None."""
        with self._transaction("read a model") as connection:
            return model_row(connection, identity)

    def count(self) -> int:
        """How many records the store holds."""
        with self._transaction("count records") as connection:
            legacy = connection.execute(
                select(func.count()).select_from(prediction_records)
            ).scalar_one()
            packed = connection.execute(
                select(func.coalesce(func.sum(calls.c.n_rows), 0))
            ).scalar_one()
        return int(legacy) + int(packed)

    def dispose(self) -> None:
        """Close pooled connections (tests and long-running apps rotating URLs)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
