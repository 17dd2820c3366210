"""The prediction store: every scored or rejected row, kept and replayable.

Where it lives is named by the environment variable ``REGRESSION_MODEL_DB_URL``
(any SQLAlchemy URL), else by ``prediction_store.url`` in config.yml, whose
``default`` is an SQLite file in the per-user data directory. The value
``none`` turns persistence off.

One record per row: prediction id, call id, time, model version, artifact
sha256, config fingerprint, the inputs as received (after renaming), and the
price or the row's errors. A call's records are written in one transaction;
if that fails, ``make_prediction`` raises ``PredictionStoreError`` and returns
nothing, so no prediction goes unrecorded.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
from sqlalchemy.pool import NullPool

from regression_model.config.core import get_config
from regression_model.errors import PredictionStoreError

logger = logging.getLogger("regression_model.audit")

URL_VARIABLE = "REGRESSION_MODEL_DB_URL"
TIMEOUT_VARIABLE = "REGRESSION_MODEL_DB_TIMEOUT"
DISABLED = "none"
SCHEMA_VERSION = 1

metadata = MetaData()

store_info = Table(
    "store_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

predictions = Table(
    "predictions",
    metadata,
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
)


def _migrate_to_1(connection: Connection) -> None:
    """Version 1: the store_info and predictions tables."""
    metadata.create_all(connection, checkfirst=True)


# The one place the schema changes: version N is reached by running step N.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migrate_to_1}


def default_sqlite_path() -> Path:
    """The per-user SQLite file used when nothing else is configured.

    Examples
    --------
    >>> from regression_model.audit import default_sqlite_path
    >>> default_sqlite_path().name
    'predictions.sqlite3'
    """
    import platformdirs

    return Path(platformdirs.user_data_dir("regression-model", appauthor=False)) / (
        "predictions.sqlite3"
    )


def resolve_url() -> str:
    """The store URL in force: environment, then config, then the default file.

    Examples
    --------
    >>> import os
    >>> from regression_model.audit import resolve_url
    >>> os.environ["REGRESSION_MODEL_DB_URL"] = "none"
    >>> resolve_url()
    'none'
    >>> del os.environ["REGRESSION_MODEL_DB_URL"]
    """
    configured = os.environ.get(URL_VARIABLE) or get_config().store_config.url
    if configured.strip().lower() == DISABLED:
        return DISABLED
    if configured == "default":
        return f"sqlite:///{default_sqlite_path()}"
    return configured


def _timeout_seconds() -> float:
    raw = os.environ.get(TIMEOUT_VARIABLE)
    if raw is None:
        return get_config().store_config.busy_timeout_seconds
    try:
        return float(raw)
    except ValueError as error:
        raise PredictionStoreError(
            f"{TIMEOUT_VARIABLE}={raw!r} is not a number of seconds"
        ) from error


@dataclass(frozen=True)
class RowRecord:
    """What is stored for one input row."""

    prediction_id: str
    row_number: int
    inputs_json: str
    prediction: float | None
    errors: list[dict[str, Any]]


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
    >>> from regression_model.audit import PredictionStore
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
        # NullPool: a connection per use, so forked worker processes never share one.
        engine = create_engine(
            f"sqlite:///{database}" if database else "sqlite://",
            poolclass=NullPool,
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
        rows: Sequence[RowRecord],
    ) -> None:
        """Write one call's records in one transaction, or raise PredictionStoreError."""
        if not rows:
            return
        payload = [
            {
                "prediction_id": row.prediction_id,
                "call_id": call_id,
                "row_number": row.row_number,
                "created_at": created_at,
                "model_version": model_version,
                "artifact_sha256": artifact_sha256,
                "config_fingerprint": config_fingerprint,
                "inputs": row.inputs_json,
                "prediction": row.prediction,
                "errors": json.dumps(row.errors) if row.errors else None,
            }
            for row in rows
        ]
        with self._transaction("record the predictions") as connection:
            connection.execute(predictions.insert(), payload)

    def get_record(self, prediction_id: str) -> dict[str, Any] | None:
        """One record as a dict, or None when the id is unknown."""
        with self._transaction("read a record") as connection:
            row = connection.execute(
                select(predictions).where(predictions.c.prediction_id == prediction_id)
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
        query = select(predictions)
        if model_version is not None:
            query = query.where(predictions.c.model_version == model_version)
        if since is not None:
            query = query.where(predictions.c.created_at >= _utc(since))
        if until is not None:
            query = query.where(predictions.c.created_at < _utc(until))
        if call_id is not None:
            query = query.where(predictions.c.call_id == call_id)
        query = query.order_by(
            predictions.c.created_at, predictions.c.call_id, predictions.c.row_number
        )
        if limit is not None:
            query = query.limit(limit)
        with self._transaction("search records") as connection:
            return [_as_dict(row._mapping) for row in connection.execute(query)]

    def count(self) -> int:
        """How many records the store holds."""
        with self._transaction("count records") as connection:
            return int(
                connection.execute(select(func.count()).select_from(predictions)).scalar_one()
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
    return record


_stores: dict[tuple[int, str, float], PredictionStore] = {}
_stores_lock = threading.Lock()


def get_store() -> PredictionStore | None:
    """The store for the URL in force, or None when persistence is off.

    Stores are cached per process, URL and timeout: a forked worker builds
    its own engine rather than sharing its parent's connections.
    """
    url = resolve_url()
    if url == DISABLED:
        return None
    timeout = _timeout_seconds()
    key = (os.getpid(), url, timeout)
    with _stores_lock:
        if key not in _stores:
            _stores[key] = PredictionStore(url, timeout=timeout)
        return _stores[key]


def _require_store() -> PredictionStore:
    store = get_store()
    if store is None:
        raise PredictionStoreError(
            f"persistence is off ({URL_VARIABLE}=none): there are no records to read"
        )
    return store


def new_id() -> str:
    """A new random UUID, as text."""
    return str(uuid.uuid4())


def get_record(prediction_id: str) -> dict[str, Any] | None:
    """The stored record of one prediction, or None.

    Returns
    -------
    dict or None
        ``prediction_id``, ``call_id``, ``row_number``, ``created_at`` (UTC),
        ``model_version``, ``artifact_sha256``, ``config_fingerprint``,
        ``inputs`` (dict), ``prediction`` (float or None), ``errors`` (list or
        None).

    Examples
    --------
    >>> from regression_model import audit
    >>> from regression_model.predict import make_prediction
    >>> result = make_prediction(input_data=[{"OverallQual": 6, "GrLivArea": 1200,
    ...                                       "Neighborhood": "NAmes", "YrSold": 2009}])
    >>> record = audit.get_record(result["prediction_ids"][0])
    >>> record["prediction"] == result["predictions"][0], record["inputs"]["GrLivArea"]
    (True, 1200)
    """
    return _require_store().get_record(prediction_id)


def find(
    *,
    model_version: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    call_id: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored records filtered by model version, time range ``[since, until)``
    and call id, oldest first.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> from regression_model import audit
    >>> recent = audit.find(since=datetime.now(timezone.utc) - timedelta(days=1), limit=5)
    >>> isinstance(recent, list)
    True
    """
    return _require_store().find(
        model_version=model_version, since=since, until=until, call_id=call_id, limit=limit
    )


def reproduce(prediction_id: str, *, rel_tol: float = 1e-9) -> dict[str, Any]:
    """Re-score a stored record's inputs with the installed model.

    The replay is not itself recorded. When the installed model is not the
    one that made the record (another version or artifact), nothing is
    compared: ``match`` is None and ``reason`` says why.

    Returns
    -------
    dict
        ``prediction_id``, ``stored``, ``recomputed``, ``match`` (True,
        False, or None when not comparable) and ``reason``.

    Raises
    ------
    KeyError
        When no record has that id.

    Examples
    --------
    >>> from regression_model import audit
    >>> from regression_model.predict import make_prediction
    >>> result = make_prediction(input_data=[{"OverallQual": 6, "GrLivArea": 1200,
    ...                                       "Neighborhood": "NAmes", "YrSold": 2009}])
    >>> audit.reproduce(result["prediction_ids"][0])["match"]
    True
    """
    from regression_model.predict import load_model, score_records

    record = get_record(prediction_id)
    if record is None:
        raise KeyError(f"no prediction {prediction_id!r} in the store")
    model = load_model()
    answer: dict[str, Any] = {
        "prediction_id": prediction_id,
        "stored": record["prediction"],
        "recomputed": None,
        "match": None,
        "reason": None,
    }
    if (record["model_version"], record["artifact_sha256"]) != (
        model.version,
        model.artifact_sha256,
    ):
        answer["reason"] = (
            f"recorded by model {record['model_version']} (artifact "
            f"{record['artifact_sha256'][:12]}), installed model is {model.version} (artifact "
            f"{model.artifact_sha256[:12]}): install the recording version to replay it"
        )
        return answer
    batch = score_records([record["inputs"]])
    recomputed = batch.predictions[0]
    answer["recomputed"] = recomputed
    stored = record["prediction"]
    if stored is None or recomputed is None:
        answer["match"] = stored is None and recomputed is None
    else:
        answer["match"] = math.isclose(stored, recomputed, rel_tol=rel_tol)
    if not answer["match"]:
        answer["reason"] = "the installed model gives another result for the stored inputs"
    return answer
