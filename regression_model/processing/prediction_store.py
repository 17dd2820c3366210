"""The prediction store's SQLAlchemy side: schema, migrations, reads and writes.

Imported only when a store is in use, so scoring with persistence off never
loads SQLAlchemy. The public API is ``regression_model.audit``.

Since schema 3 a call is one row of ``calls`` plus its packed chunks in
``call_chunks`` (see ``record_codec``); a prediction id names its call and row
(see ``record_ids``). Records written under schemas 1 and 2, one row each in
``predictions``, stay readable: every read looks in both places.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from regression_model.errors import PredictionStoreError
from regression_model.processing.record_codec import RecordChunk, unpack_rows
from regression_model.processing.record_ids import PREFIX_LENGTH, parse_row_id

logger = logging.getLogger("regression_model.audit")

SCHEMA_VERSION = 4


def _tables(metadata: MetaData, *, with_warnings: bool) -> tuple[Table, Table]:
    info = Table(
        "store_info",
        metadata,
        Column("key", String(64), primary_key=True),
        Column("value", String(256), nullable=False),
    )
    columns: list[Column[Any]] = [
        Column("prediction_id", String(36), primary_key=True),
        Column("call_id", String(36), nullable=False, index=True),
        Column("row_number", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
        Column("model_version", String(64), nullable=False, index=True),
        Column("artifact_sha256", String(64), nullable=False),
        Column("config_fingerprint", String(64), nullable=False),
        Column("inputs", Text, nullable=False),
        Column("prediction", Float(precision=53), nullable=True),
        Column("errors", Text, nullable=True),
    ]
    if with_warnings:
        columns.append(Column("warnings", Text, nullable=True))
    return info, Table("predictions", metadata, *columns)


def _call_tables(metadata: MetaData, *, with_intervals: bool) -> tuple[Table, Table]:
    calls = Table(
        "calls",
        metadata,
        Column("call_id", String(36), primary_key=True),
        Column("id_prefix", String(PREFIX_LENGTH), nullable=False, unique=True),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
        Column("model_version", String(64), nullable=False, index=True),
        Column("artifact_sha256", String(64), nullable=False),
        Column("config_fingerprint", String(64), nullable=False),
        Column("n_rows", Integer, nullable=False),
    )
    chunks = Table(
        "call_chunks",
        metadata,
        Column("call_id", String(36), primary_key=True),
        Column("first_row", Integer, primary_key=True),
        Column("n_rows", Integer, nullable=False),
        Column("inputs", LargeBinary, nullable=False),
        Column("predictions", LargeBinary, nullable=False),
        Column("errors", Text, nullable=True),
        Column("warnings", Text, nullable=True),
        *([Column("intervals", LargeBinary, nullable=True)] if with_intervals else []),
    )
    return calls, chunks


# The schema this version reads and writes; ``prediction_records`` is the
# per-row table of schemas 1 and 2, now only read.
metadata = MetaData()
store_info, prediction_records = _tables(metadata, with_warnings=True)
calls, call_chunks = _call_tables(metadata, with_intervals=True)


def _migrate_to_1(connection: Connection) -> None:
    """Version 1: the store_info and predictions tables, as first released."""
    first = MetaData()
    _tables(first, with_warnings=False)
    first.create_all(connection, checkfirst=True)


def _migrate_to_2(connection: Connection) -> None:
    """Version 2: a warnings column (categories never seen in training)."""
    connection.exec_driver_sql("ALTER TABLE predictions ADD COLUMN warnings TEXT")


def _migrate_to_3(connection: Connection) -> None:
    """Version 3: calls stored whole, in packed chunks; the per-row table is kept
    for the records already in it."""
    third = MetaData()
    _call_tables(third, with_intervals=False)
    third.create_all(connection, checkfirst=True)


def _migrate_to_4(connection: Connection) -> None:
    """Version 4: each chunk keeps its rows' price ranges."""
    binary = LargeBinary().compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE call_chunks ADD COLUMN intervals {binary}")


# The one place the schema changes: version N is reached by running step N.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
    4: _migrate_to_4,
}


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
    >>> from regression_model.processing.prediction_store import PredictionStore
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
            # timeout instead of failing mid-transaction.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except PredictionStoreError:
            raise
        except (SQLAlchemyError, OSError) as error:
            raise PredictionStoreError(
                f"prediction store {self._safe_url()} could not {action}: {error}"
            ) from error

    def _safe_url(self) -> str:
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except ArgumentError:
            return "<invalid URL>"

    def _ensure_schema(self, engine: Engine) -> None:
        """Create or migrate the schema in one transaction."""
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Serialise concurrent first uses across processes.
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(827312)")
                current = self._schema_version(connection)
                if current == 0:
                    # An empty database gets today's tables in one step; replaying
                    # every migration would reach the same schema one ALTER at a time.
                    metadata.create_all(connection)
                    logger.info("prediction store created at schema %d", SCHEMA_VERSION)
                for version in sorted(v for v in MIGRATIONS if 0 < current < v):
                    MIGRATIONS[version](connection)
                    logger.info("prediction store migrated to schema %d", version)
                if current < SCHEMA_VERSION:
                    connection.execute(
                        store_info.delete().where(store_info.c.key == "schema_version")
                    )
                    connection.execute(
                        store_info.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
                    )
                elif current > SCHEMA_VERSION:
                    raise PredictionStoreError(
                        f"prediction store {self._safe_url()} has schema {current}, newer than "
                        f"this package's {SCHEMA_VERSION}; upgrade regression-model"
                    )
        except PredictionStoreError:
            raise
        except (SQLAlchemyError, OSError) as error:
            raise PredictionStoreError(
                f"prediction store {self._safe_url()} could not be opened: {error}"
            ) from error

    @staticmethod
    def _schema_version(connection: Connection) -> int:
        if not connection.dialect.has_table(connection, "store_info"):
            return 0
        value = connection.execute(
            select(store_info.c.value).where(store_info.c.key == "schema_version")
        ).scalar_one_or_none()
        return int(value) if value is not None else 0

    def write_call(
        self,
        *,
        call_id: str,
        id_prefix: str,
        created_at: datetime,
        model_version: str,
        artifact_sha256: str,
        config_fingerprint: str,
        chunks: Sequence[RecordChunk],
    ) -> None:
        """Write one call (its row in ``calls`` and its packed chunks) in one
        transaction, or raise PredictionStoreError."""
        n_rows = sum(chunk.n_rows for chunk in chunks)
        if n_rows == 0:
            return
        with self._transaction("record the predictions") as connection:
            connection.execute(
                calls.insert().values(
                    call_id=call_id,
                    id_prefix=id_prefix,
                    created_at=_utc(created_at),
                    model_version=model_version,
                    artifact_sha256=artifact_sha256,
                    config_fingerprint=config_fingerprint,
                    n_rows=n_rows,
                )
            )
            connection.execute(
                call_chunks.insert(),
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

    def get_record(self, prediction_id: str) -> dict[str, Any] | None:
        """One record as a dict, or None when the id is unknown."""
        parsed = parse_row_id(prediction_id)
        with self._transaction("read a record") as connection:
            if parsed is not None:
                prefix, row = parsed
                found = connection.execute(
                    select(calls, *_chunk_columns())
                    .join(call_chunks, call_chunks.c.call_id == calls.c.call_id)
                    .where(
                        calls.c.id_prefix == prefix,
                        call_chunks.c.first_row <= row,
                        call_chunks.c.first_row + call_chunks.c.n_rows > row,
                    )
                ).one_or_none()
                if found is not None:
                    return _call_records(found._mapping, [row])[0]
            legacy = connection.execute(
                select(prediction_records).where(
                    prediction_records.c.prediction_id == prediction_id
                )
            ).one_or_none()
        return None if legacy is None else _legacy_record(legacy._mapping)

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
        where = _Filter(model_version, since, until, call_id)
        with self._transaction("search records") as connection:
            found = _find_legacy(connection, where, limit) + _find_calls(connection, where, limit)
        found.sort(key=lambda r: (r["created_at"], r["call_id"], r["row_number"]))
        return found if limit is None else found[:limit]

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


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _chunk_columns() -> list[ColumnElement[Any]]:
    return [
        call_chunks.c.first_row,
        call_chunks.c.n_rows.label("chunk_rows"),
        call_chunks.c.inputs,
        call_chunks.c.predictions,
        call_chunks.c.errors,
        call_chunks.c.warnings,
        call_chunks.c.intervals,
    ]


@dataclass(frozen=True)
class _Filter:
    """What ``find`` selects on; applies to the calls table and the legacy one."""

    model_version: str | None
    since: datetime | None
    until: datetime | None
    call_id: str | None

    def apply(self, query: Any, table: Table) -> Any:
        if self.model_version is not None:
            query = query.where(table.c.model_version == self.model_version)
        if self.since is not None:
            query = query.where(table.c.created_at >= _utc(self.since))
        if self.until is not None:
            query = query.where(table.c.created_at < _utc(self.until))
        if self.call_id is not None:
            query = query.where(table.c.call_id == self.call_id)
        return query


def _find_calls(connection: Connection, where: _Filter, limit: int | None) -> list[dict[str, Any]]:
    query = select(calls, *_chunk_columns()).join(
        call_chunks, call_chunks.c.call_id == calls.c.call_id
    )
    query = where.apply(query, calls).order_by(
        calls.c.created_at, calls.c.call_id, call_chunks.c.first_row
    )
    records: list[dict[str, Any]] = []
    # Chunks stream in order; stop reading once ``limit`` rows are unpacked.
    for chunk in connection.execute(query):
        first, size = chunk.first_row, chunk.chunk_rows
        wanted = size if limit is None else min(size, limit - len(records))
        records += _call_records(chunk._mapping, range(first, first + wanted))
        if limit is not None and len(records) >= limit:
            break
    return records


def _find_legacy(connection: Connection, where: _Filter, limit: int | None) -> list[dict[str, Any]]:
    query = where.apply(select(prediction_records), prediction_records).order_by(
        prediction_records.c.created_at,
        prediction_records.c.call_id,
        prediction_records.c.row_number,
    )
    if limit is not None:
        query = query.limit(limit)
    return [_legacy_record(row._mapping) for row in connection.execute(query)]


def _call_records(row: Any, rows: Sequence[int]) -> list[dict[str, Any]]:
    """Records of ``rows`` from one joined calls + call_chunks row."""
    chunk = RecordChunk(
        first_row=row["first_row"],
        n_rows=row["chunk_rows"],
        inputs=row["inputs"],
        predictions=row["predictions"],
        errors=row["errors"],
        warnings=row["warnings"],
        intervals=row["intervals"],
    )
    created_at = _utc(row["created_at"])
    return [
        {
            "prediction_id": f"{row['id_prefix']}{unpacked['row_number']:08x}",
            "call_id": row["call_id"],
            "row_number": unpacked["row_number"],
            "created_at": created_at,
            "model_version": row["model_version"],
            "artifact_sha256": row["artifact_sha256"],
            "config_fingerprint": row["config_fingerprint"],
            "inputs": unpacked["inputs"],
            "prediction": unpacked["prediction"],
            "interval": unpacked["interval"],
            "errors": unpacked["errors"],
            "warnings": unpacked["warnings"],
        }
        for unpacked in unpack_rows(chunk, rows)
    ]


def _legacy_record(row: Any) -> dict[str, Any]:
    """A record of the per-row table of schemas 1 and 2."""
    record = dict(row)
    record["created_at"] = _utc(record["created_at"])
    record["inputs"] = json.loads(record["inputs"])
    record["errors"] = json.loads(record["errors"]) if record["errors"] else None
    record["warnings"] = json.loads(record["warnings"]) if record.get("warnings") else None
    record["interval"] = None  # schemas 1 and 2 kept no price ranges
    return record
