"""The prediction store's SQLAlchemy side: schema, migrations, reads and writes.

Imported only when a store is in use, so scoring with persistence off never
loads SQLAlchemy. The public API is ``regression_model.audit``.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
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

logger = logging.getLogger("regression_model.audit")

SCHEMA_VERSION = 2


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


# The schema this version reads and writes.
metadata = MetaData()
store_info, prediction_records = _tables(metadata, with_warnings=True)


def _migrate_to_1(connection: Connection) -> None:
    """Version 1: the store_info and predictions tables, as first released."""
    first = MetaData()
    _tables(first, with_warnings=False)
    first.create_all(connection, checkfirst=True)


def _migrate_to_2(connection: Connection) -> None:
    """Version 2: a warnings column (categories never seen in training)."""
    connection.exec_driver_sql("ALTER TABLE predictions ADD COLUMN warnings TEXT")


# The one place the schema changes: version N is reached by running step N.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migrate_to_1, 2: _migrate_to_2}


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
                for version in sorted(v for v in MIGRATIONS if v > current):
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
        created_at: datetime,
        model_version: str,
        artifact_sha256: str,
        config_fingerprint: str,
        prediction_ids: Sequence[str],
        inputs_json: Sequence[str],
        predictions: Sequence[float | None],
        errors: Mapping[int, list[dict[str, Any]]],
        warnings: Mapping[int, list[dict[str, Any]]] | None = None,
    ) -> None:
        """Write one call's records (row i: ``prediction_ids[i]``, ``inputs_json[i]``,
        ``predictions[i]``, ``errors.get(i)``) in one transaction, or raise
        PredictionStoreError."""
        if not prediction_ids:
            return
        error_json = {row: json.dumps(errs) for row, errs in errors.items() if errs}
        warning_json = {row: json.dumps(w) for row, w in (warnings or {}).items() if w}
        with self._transaction("record the predictions") as connection:
            if connection.dialect.name == "sqlite":
                # Straight to the driver's executemany: the ORM-free fast path for
                # batches of 100k rows. The time is written in SQLAlchemy's own
                # SQLite DATETIME text format (naive UTC), so reads parse it back.
                stamp = _utc(created_at).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
                connection.exec_driver_sql(
                    f"INSERT INTO {prediction_records.name} (prediction_id, call_id, row_number, "
                    "created_at, model_version, artifact_sha256, config_fingerprint, inputs, "
                    "prediction, errors, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            pid,
                            call_id,
                            row,
                            stamp,
                            model_version,
                            artifact_sha256,
                            config_fingerprint,
                            text,
                            price,
                            error_json.get(row),
                            warning_json.get(row),
                        )
                        for row, (pid, text, price) in enumerate(
                            zip(prediction_ids, inputs_json, predictions, strict=True)
                        )
                    ],
                )
                return
            connection.execute(
                prediction_records.insert(),
                [
                    {
                        "prediction_id": pid,
                        "call_id": call_id,
                        "row_number": row,
                        "created_at": created_at,
                        "model_version": model_version,
                        "artifact_sha256": artifact_sha256,
                        "config_fingerprint": config_fingerprint,
                        "inputs": text,
                        "prediction": price,
                        "errors": error_json.get(row),
                        "warnings": warning_json.get(row),
                    }
                    for row, (pid, text, price) in enumerate(
                        zip(prediction_ids, inputs_json, predictions, strict=True)
                    )
                ],
            )

    def get_record(self, prediction_id: str) -> dict[str, Any] | None:
        """One record as a dict, or None when the id is unknown."""
        with self._transaction("read a record") as connection:
            row = connection.execute(
                select(prediction_records).where(
                    prediction_records.c.prediction_id == prediction_id
                )
            ).one_or_none()
        return None if row is None else _as_dict(row._mapping)

    def find(
        self,
        *,
        model_version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        call_id: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Records filtered by model version, time range [since, until) and call."""
        query = select(prediction_records)
        if model_version is not None:
            query = query.where(prediction_records.c.model_version == model_version)
        if since is not None:
            query = query.where(prediction_records.c.created_at >= _utc(since))
        if until is not None:
            query = query.where(prediction_records.c.created_at < _utc(until))
        if call_id is not None:
            query = query.where(prediction_records.c.call_id == call_id)
        query = query.order_by(
            prediction_records.c.created_at,
            prediction_records.c.call_id,
            prediction_records.c.row_number,
        )
        if limit is not None:
            query = query.limit(limit)
        with self._transaction("search records") as connection:
            return [_as_dict(row._mapping) for row in connection.execute(query)]

    def count(self) -> int:
        """How many records the store holds."""
        with self._transaction("count records") as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(prediction_records)
                ).scalar_one()
            )

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


def _as_dict(row: Any) -> dict[str, Any]:
    record = dict(row)
    record["created_at"] = _utc(record["created_at"])
    record["inputs"] = json.loads(record["inputs"])
    record["errors"] = json.loads(record["errors"]) if record["errors"] else None
    record["warnings"] = json.loads(record["warnings"]) if record.get("warnings") else None
    return record
