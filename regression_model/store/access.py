"""How a store is reached: its engine, its schema made ready, and transactions
that read or write, each bounded and each failing as one line.

A write first makes the schema ready (created or migrated, in one
transaction); a failure leaves nothing cached, so the next call tries again.
A read never writes: it takes no write lock (SQLite ``BEGIN``, PostgreSQL
``REPEATABLE READ READ ONLY``), creates no file and no table (a store that is
not there reads as empty, and ``require_store`` says so), and opens an SQLite
file this process may not write read-only (``engines.read_only_url``). Only a
store at an older schema is migrated on first read, as first use always did.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from regression_model.errors import PredictionStoreError
from regression_model.store.engines import READ_ONLY, read_only_url, store_engine
from regression_model.store.migrations import HEAD, ensure_schema, refuse_newer, revision_of
from regression_model.store.urls import check_url, masked_url, read_only_requested, sqlite_file
from regression_model.store.variables import TIMEOUT_VARIABLE
from regression_model.store.watchdog import WATCHDOG, Watch, connecting

__all__ = ["StoreAccess"]

# How long past its timeout a wait on a silent database is ended.
MARGIN_SECONDS = 1.0


class StoreAccess:
    """The engine and transactions of the store at ``url`` (see the module)."""

    def __init__(self, url: str, timeout: float = 30.0, durability: str = "full") -> None:
        self.url = url
        self.timeout = timeout
        self.durability = durability
        self._url = check_url(url)
        self._file = sqlite_file(self._url)
        self._engine: Engine | None = None
        self._read_only: str | None = None  # how it is opened, when read-only
        self._schema_ready = False
        self._engine_lock = threading.Lock()
        self._schema_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine, its schema created or migrated as a write needs it."""
        self._prepare_write()
        return self._get_engine()

    def _get_engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                url = self._url
                why = self._read_only_reason()
                if why is not None and read_only_requested(url) is None and self._file:
                    url, argument = read_only_url(url, self._file)
                    why = f"{why}; opened with {argument}"
                self._read_only = None if why is None else f"read-only ({why})"
                self._engine = store_engine(
                    url,
                    timeout=self.timeout,
                    durability=self.durability,
                    read_only=why is not None,
                )
            return self._engine

    def _read_only_reason(self) -> str | None:
        """Why the store is opened read-only (a URL that says so, or an SQLite
        file this process may not write), or None."""
        requested = read_only_requested(self._url)
        if requested is not None:
            return f"{requested} in its URL"
        if self._file is None or not self._file.exists():
            return None
        if not os.access(self._file, os.W_OK):
            return "the file is not writable by this process"
        if not os.access(self._file.absolute().parent, os.W_OK):
            return "its folder is not writable by this process"
        return None

    def _prepare_write(self) -> None:
        """Make the schema ready for writing, once; raise on a read-only store."""
        if self._schema_ready and self._read_only is None:
            return
        with self._schema_lock:
            engine = self._get_engine()
            if self._read_only is not None:
                raise PredictionStoreError(
                    f"prediction store {self._where()} is {self._read_only}: nothing can be "
                    "recorded in it, and its schema cannot be upgraded"
                )
            if self._schema_ready:
                return
            if self._file is not None:
                self._make_folder()
            with self._transaction("be opened", engine) as (connection, _):
                ensure_schema(connection, self._safe_url())
            self._schema_ready = True

    def _make_folder(self) -> None:
        assert self._file is not None
        try:
            self._file.absolute().parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise PredictionStoreError(
                f"cannot create the folder of the SQLite store {self._file}: {error}"
            ) from error

    def _prepare_read(self) -> Engine | None:
        """The engine to read with, or None when there is no store there."""
        if self._schema_ready:
            return self._get_engine()
        if self._file is not None and not self._file.exists():
            return None
        engine = self._get_engine()
        with self._transaction("read its schema", engine, read_only=True) as (connection, _):
            current = revision_of(connection)
            stamped = connection.dialect.has_table(connection, "alembic_version")
        if current is None:
            return None
        if current != HEAD or not stamped:
            refuse_newer(current, self._safe_url())
            if self._read_only is not None:
                raise PredictionStoreError(
                    f"prediction store {self._where()} is at schema {int(current)}, older "
                    f"than this package's {int(HEAD)}, and {self._read_only}: upgrade a "
                    "writable copy first (regression-model store upgrade)"
                )
            self._prepare_write()  # migrate, as first use always did
        self._schema_ready = True
        return engine

    def require_store(self) -> None:
        """Raise unless a store is there: for commands that only read, so that a
        mistyped path says so instead of showing an empty store."""
        if self._prepare_read() is None:
            what = "no such file" if self._file is not None else "no prediction store tables"
            raise PredictionStoreError(
                f"no store at {self._where()} ({what}): nothing has been recorded there; "
                "check the URL"
            )

    def _where(self) -> str:
        return str(self._file) if self._file is not None else self._safe_url()

    def _safe_url(self) -> str:
        return masked_url(self.url)

    @contextmanager
    def _transaction(
        self, action: str, engine: Engine, read_only: bool = False
    ) -> Iterator[tuple[Connection, Watch]]:
        """One transaction, its waits bounded by the timeout (the watch is
        renewed before each wait); ``read_only`` takes no write lock."""
        with WATCHDOG.watching(self.timeout + MARGIN_SECONDS) as watch:
            try:
                token = connecting.set(watch)
                try:
                    connected = engine.connect()
                finally:
                    connecting.reset(token)
                with connected as connection:
                    if read_only:
                        connection = connection.execution_options(**self._read_options())
                    with connection.begin():
                        yield connection, watch
            except PredictionStoreError:
                raise
            except (SQLAlchemyError, OSError) as error:
                raise self._failure(action, error, watch) from error

    def _read_options(self) -> dict[str, Any]:
        if self._url.get_backend_name() == "postgresql":
            return {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        return {READ_ONLY: True}

    def _failure(self, action: str, error: BaseException, watch: Watch) -> PredictionStoreError:
        """The one-line error of a failed transaction: its cause, and what to do."""
        where = f"prediction store {self._safe_url()} could not {action}"
        if watch.fired:
            return PredictionStoreError(
                f"{where}: the database did not answer within {self.timeout:g} s "
                f"({TIMEOUT_VARIABLE}); the next call tries again"
            )
        cause = error.orig if isinstance(error, DBAPIError) else error
        text = " ".join(str(cause).split()) or type(cause).__name__
        return PredictionStoreError(f"{where}: {text}{self._hint(text)}")

    def _hint(self, cause: str) -> str:
        if any(what in cause for what in ("statement timeout", "lock timeout", "timeout expired")):
            return f" ({self.timeout:g} s, {TIMEOUT_VARIABLE}): the next call tries again"
        if "locked" in cause:
            return (
                f"; another writer held the lock for {self.timeout:g} s ({TIMEOUT_VARIABLE}): "
                "the next call tries again"
            )
        if "disk is full" in cause or "No space left" in cause:
            return "; free space on its disk: the next call tries again"
        if self._file is not None and ("readonly" in cause or "unable to open" in cause):
            return self._sqlite_open_hint()
        return ""

    def _sqlite_open_hint(self) -> str:
        assert self._file is not None
        wal = self._file.with_name(self._file.name + "-wal")
        shm = self._file.with_name(self._file.name + "-shm")
        folder = self._file.absolute().parent
        if self._read_only is None:
            return f"; check that {folder} exists and this process may write it"
        if wal.exists() and wal.stat().st_size > 0:
            return (
                f"; it is {self._read_only}, and its write-ahead log {wal} holds commits "
                "not yet in the file, which SQLite cannot merge there: copy the store with "
                f"sqlite3 {self._file} '.backup COPY' and read the copy"
            )
        if not shm.exists() and not os.access(folder, os.W_OK):
            return (
                f"; it is {self._read_only}, and SQLite cannot keep the shared index of a "
                "WAL store in a folder it may not write: give its plain path, or "
                f"sqlite:///file:{self._file.absolute()}?immutable=1&uri=true (nothing may "
                "write it meanwhile)"
            )
        return f"; it is {self._read_only}"

    def dispose(self) -> None:
        """Close pooled connections (tests and long-running apps rotating URLs)."""
        with self._engine_lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
                self._read_only = None
        self._schema_ready = False
