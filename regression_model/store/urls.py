"""Store URLs as the package reads, checks and prints them.

A URL is used as given, query arguments included: the checks here only refuse
what would be misread. A scheme the store does not run on is named with the
ones it does; an SQLite URL with a host (``sqlite://tmp/x.sqlite3``, one slash
short) would otherwise write ``./x.sqlite3``; SQLite URI arguments
(``?mode=ro``) are read only with ``uri=true`` and a ``file:`` path, and would
otherwise be ignored or become part of the file's name. SQLAlchemy is imported
only when a URL is checked, never when this module is.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from regression_model.errors import PredictionStoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = [
    "DISABLED",
    "SUPPORTED",
    "check_url",
    "masked_url",
    "read_only_requested",
    "sqlite_file",
]

# The URL that turns persistence off.
DISABLED = "none"

# The databases the store runs on: backend -> its drivers (module to import).
SUPPORTED = {
    "sqlite": {"pysqlite": "sqlite3"},
    "postgresql": {"psycopg": "psycopg", "psycopg2": "psycopg2"},
}
_FORMS = (
    "SQLite (sqlite:////absolute/path.sqlite3 or sqlite:///relative/path.sqlite3) or "
    "PostgreSQL (postgresql+psycopg://user@host/database, with the postgres extra)"
)
# Arguments the sqlite3 module takes itself; any other query argument is SQLite's.
_DRIVER_ARGUMENTS = {
    "uri",
    "timeout",
    "isolation_level",
    "detect_types",
    "check_same_thread",
    "cached_statements",
}
_TRUE = {"1", "true", "yes", "on"}


def masked_url(url: str) -> str:
    """A store URL fit to print: its password hidden.

    Examples
    --------
    >>> from regression_model.store.urls import masked_url
    >>> masked_url("postgresql+psycopg://app:secret@db.internal/predictions")
    'postgresql+psycopg://app:***@db.internal/predictions'
    """
    if url == DISABLED:
        return url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<invalid URL>"
    # Rendering escapes the path (file: becomes file%3A): only when it must.
    return url if parsed.password is None else parsed.render_as_string(hide_password=True)


def check_url(text: str, source: str = "the store URL") -> URL:
    """The SQLAlchemy URL ``text``, once it is one the store can use as given.

    ``source`` names where it came from (a variable or a config key), for the
    message.

    Raises
    ------
    PredictionStoreError
        One line naming ``source``, what is wrong and what is accepted.

    Examples
    --------
    >>> from regression_model.store.urls import check_url
    >>> check_url("sqlite:////var/lib/app/predictions.sqlite3").database
    '/var/lib/app/predictions.sqlite3'
    >>> from regression_model.errors import PredictionStoreError
    >>> try:
    ...     check_url("mysql://app@db/predictions", "REGRESSION_MODEL_DB_URL")
    ... except PredictionStoreError as error:
    ...     print(error)  # doctest: +ELLIPSIS
    REGRESSION_MODEL_DB_URL='mysql://app@db/predictions' is not accepted: the store runs on ...
    >>> try:
    ...     check_url("sqlite://tmp/x.sqlite3")
    ... except PredictionStoreError as error:
    ...     print(str(error).split("(")[-1])
    did you mean sqlite:////tmp/x.sqlite3?)
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except ArgumentError:
        raise PredictionStoreError(
            f"{source} is not a database URL: give {_FORMS}; none turns it off"
        ) from None
    shown = f"{source}={masked_url(text)!r}"
    backend, _, driver = url.drivername.partition("+")
    if backend not in SUPPORTED:
        raise PredictionStoreError(
            f"{shown} is not accepted: the store runs on {_FORMS}; none turns it off"
        )
    driver = driver or url.get_driver_name()
    module = SUPPORTED[backend].get(driver)
    if module is None:
        raise PredictionStoreError(
            f"{shown} is not accepted: the driver {driver!r} is not one the store runs on "
            f"({', '.join(f'{backend}+{d}' for d in SUPPORTED[backend])})"
        )
    if importlib.util.find_spec(module) is None:
        raise PredictionStoreError(
            f"{shown} needs the {module} driver, which is not installed: install the "
            "postgres extra (pip install 'ames-price-model[postgres]')"
        )
    if backend == "sqlite":
        _check_sqlite(url, shown)
    return url


def _check_sqlite(url: URL, shown: str) -> None:
    if url.host or url.username or url.password or url.port:
        path = "/".join(part for part in (url.host, url.database) if part)
        raise PredictionStoreError(
            f"{shown} names a host ({url.host!r}), and SQLite has none: an SQLite URL "
            "has three slashes before a relative path and four before an absolute one "
            f"(did you mean sqlite:////{path}?)"
        )
    sqlite_arguments = sorted(set(url.query) - _DRIVER_ARGUMENTS)
    uri = _uri(url)
    if sqlite_arguments and not uri:
        raise PredictionStoreError(
            f"{shown}: SQLite reads {', '.join(sqlite_arguments)} only from a URI: add "
            "uri=true and name the file as file:PATH, e.g. "
            "sqlite:///file:/path/predictions.sqlite3?mode=ro&uri=true"
        )
    if uri and not (url.database or "").startswith("file:"):
        raise PredictionStoreError(
            f"{shown}: with uri=true the database is a file: URI, e.g. "
            "sqlite:///file:/path/predictions.sqlite3?mode=ro&uri=true (else SQLite "
            "would take the arguments as part of the file's name)"
        )


def _uri(url: URL) -> bool:
    return str(url.query.get("uri", "")).lower() in _TRUE


def sqlite_file(url: URL) -> Path | None:
    """The file an SQLite URL names, or None (in memory, or not SQLite).

    Examples
    --------
    >>> from sqlalchemy.engine import make_url
    >>> from regression_model.store.urls import sqlite_file
    >>> sqlite_file(make_url("sqlite:///file:/data/my%20store.sqlite3?mode=ro&uri=true"))
    PosixPath('/data/my store.sqlite3')
    >>> sqlite_file(make_url("sqlite://")) is None
    True
    """
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if not _uri(url):
        return Path(url.database)
    parts = urlsplit(url.database)
    path = unquote(parts.path)
    if path in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(path)


def read_only_requested(url: URL) -> str | None:
    """The URI argument that opens an SQLite store read-only (``mode=ro`` or
    ``immutable=1``), or None."""
    if url.get_backend_name() != "sqlite" or not _uri(url):
        return None
    if url.query.get("mode") == "ro":
        return "mode=ro"
    if str(url.query.get("immutable", "")).lower() in _TRUE:
        return "immutable=1"
    return None
