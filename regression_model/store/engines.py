"""The SQLAlchemy engine of a store: its bounds, its durability, and how an
SQLite file this process may not write (an auditor's copy) is opened.

Every connection is bounded: SQLite by its busy timeout, PostgreSQL by
``connect_timeout``, ``lock_timeout`` and ``statement_timeout``; and, for a
database that stops answering, by the ``watchdog``, which this module tells
how to end a connection's wait. A pooled PostgreSQL connection is pinged at
checkout under that bound (SQLAlchemy's pre-ping would run before the watch
knows the connection), so one left broken by a restart is replaced unseen.

Durability (``full`` or ``normal``): see ``DURABILITY``.
"""

from __future__ import annotations

import math
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DisconnectionError

from regression_model.store.watchdog import WATCHDOG, connecting

__all__ = ["DURABILITY", "READ_ONLY", "read_only_url", "store_engine"]

# What each durability setting does on each backend.
DURABILITY = {
    # A commit is on disk before the call returns: a returned price survives
    # power loss (SQLite syncs the WAL at every commit; PostgreSQL as configured,
    # by default synchronous_commit=on).
    "full": {"sqlite": "PRAGMA synchronous = FULL", "postgresql": ""},
    # A commit survives the process's crash, but the last ones before a power
    # loss or an OS crash may be lost (SQLite syncs at checkpoints only;
    # PostgreSQL's synchronous_commit=off).
    "normal": {"sqlite": "PRAGMA synchronous = NORMAL", "postgresql": "-c synchronous_commit=off"},
}

# A connection execution option: this transaction only reads.
READ_ONLY = "regression_model_read_only"
# Set in a pooled connection's info once it has served a checkout: from then
# on it is pinged at checkout.
_USED = "regression_model_used"


def _milliseconds(seconds: float) -> int:
    # At least 1: 0 means "no limit" to both databases.
    return max(1, math.ceil(seconds * 1000))


def store_engine(url: URL, *, timeout: float, durability: str, read_only: bool) -> Engine:
    """A new engine on ``url``, its connections bounded by ``timeout`` seconds."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, timeout, durability, read_only)
    return _postgres_engine(url, timeout, durability)


def _sqlite_engine(url: URL, timeout: float, durability: str, read_only: bool) -> Engine:
    # Stores are cached per process (location.open_store), so pooled
    # connections are never shared across a fork.
    engine = create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False})
    pragmas = [f"PRAGMA busy_timeout = {_milliseconds(timeout)}"]
    if not read_only:
        pragmas += ["PRAGMA journal_mode = WAL", DURABILITY[durability]["sqlite"]]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions
        # begin (SQLAlchemy's documented recipe for SQLite transactions).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A write takes the write lock up front: concurrent writers queue on the
        # busy timeout instead of failing mid-transaction. A read takes none,
        # so it never holds a writer up (WAL keeps its snapshot).
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        watch = connecting.get()
        if watch is not None:
            WATCHDOG.attach(watch, dbapi_connection.interrupt)

    return engine


def _postgres_engine(url: URL, timeout: float, durability: str) -> Engine:
    limit = _milliseconds(timeout)
    options = f"-c lock_timeout={limit} -c statement_timeout={limit}"
    options = " ".join(filter(None, [options, DURABILITY[durability]["postgresql"]]))
    # The URL's own arguments come last, so they win: it is used as given.
    given = url.query.get("options")
    connect_args: dict[str, Any] = {
        "options": " ".join(filter(None, [options, str(given) if given else ""]))
    }
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = max(1, math.ceil(timeout))
    engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        watch = connecting.get()
        if watch is not None:
            WATCHDOG.attach(watch, lambda: _shut(dbapi_connection))
        if not record.info.get(_USED):
            record.info[_USED] = True
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if watch is not None and watch.fired:
                raise  # the server does not answer: no new connection would help
            # Broken since its last use (a server restart): the pool replaces it.
            raise DisconnectionError(str(error)) from error

    return engine


def _shut(dbapi_connection: Any) -> None:
    """End a PostgreSQL connection's wait: shut its socket down, so the driver
    sees the connection close (cancelling would need the server to answer)."""
    duplicate = socket.socket(fileno=os.dup(dbapi_connection.fileno()))
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    finally:
        duplicate.close()


def read_only_url(url: URL, path: Path) -> tuple[URL, str]:
    """A URL that reads the SQLite store at ``path``, which this process may
    not write, and the argument it opens it with.

    ``mode=ro`` lets SQLite read it alongside writers, through the shared WAL
    index (``-shm``). Where there is none and none can be made (a read-only
    folder), a store with no pending WAL is read as ``immutable=1``: nothing
    may write it meanwhile, which a folder no one may write ensures.
    """
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    no_index = (
        _header_byte(path, 18) == 2  # in WAL mode
        and not shm.exists()
        and not os.access(path.absolute().parent, os.W_OK)
    )
    pending = wal.exists() and wal.stat().st_size > 0
    argument = "immutable=1" if no_index and not pending else "mode=ro"
    name, value = argument.split("=")
    database = f"file:{quote(str(path.absolute()))}"
    return URL.create("sqlite", database=database, query={"uri": "true", name: value}), argument


def _header_byte(path: Path, offset: int) -> int:
    try:
        with path.open("rb") as handle:
            header = handle.read(offset + 1)
    except OSError:
        return -1
    return header[offset] if len(header) > offset else -1
