"""Where predictions are recorded, and the one store object per process.

The URL comes from the environment variable ``REGRESSION_MODEL_DB_URL`` (an
SQLAlchemy URL on SQLite or PostgreSQL, used as given), else from
``prediction_store.url`` in config.yml, whose ``default`` is an SQLite file in
the per-user data directory; ``none`` turns persistence off. The timeout and
the durability come from ``REGRESSION_MODEL_DB_TIMEOUT`` and
``REGRESSION_MODEL_DB_DURABILITY``, else from config.yml. Each setting is
checked when it is read: a bad value is a one-line ``PredictionStoreError``
naming the variable and what it accepts.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from regression_model.errors import PredictionStoreError
from regression_model.store.urls import DISABLED, masked_url
from regression_model.store.variables import DURABILITY_VARIABLE, TIMEOUT_VARIABLE, URL_VARIABLE

if TYPE_CHECKING:  # SQLAlchemy loads only when a store is in use
    from regression_model.config.core import StoreConfig
    from regression_model.store.store import PredictionStore

__all__ = [
    "DISABLED",
    "DURABILITY_VARIABLE",
    "MAX_TIMEOUT_SECONDS",
    "TIMEOUT_VARIABLE",
    "URL_VARIABLE",
    "default_sqlite_path",
    "durability",
    "forget_stores",
    "masked_url",
    "open_store",
    "resolve_url",
    "timeout_seconds",
]

# A wait longer than a day is a hang (and both databases count in 32-bit milliseconds).
MAX_TIMEOUT_SECONDS = 86_400.0
# The durability settings, as the messages explain them.
_DURABILITIES = {
    "full": "a returned price survives power loss; the default",
    "normal": "the last prices before a power loss may be lost; faster on slow disks",
}


def default_sqlite_path() -> Path:
    """The per-user SQLite file used when nothing else is configured.

    Examples
    --------
    >>> from regression_model.store.location import default_sqlite_path
    >>> default_sqlite_path().name
    'predictions.sqlite3'
    """
    import platformdirs

    folder = Path(platformdirs.user_data_dir("regression-model", appauthor=False))
    return folder / "predictions.sqlite3"


def resolve_url(settings: StoreConfig) -> str:
    """The store URL in force: environment, then config, then the default file.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> from regression_model.config.core import get_config
    >>> from regression_model.store.location import resolve_url
    >>> with mock.patch.dict(os.environ, {"REGRESSION_MODEL_DB_URL": "none"}):
    ...     resolve_url(get_config().store_config)
    'none'
    """
    configured = os.environ.get(URL_VARIABLE) or settings.url
    if configured.strip().lower() == DISABLED:
        return DISABLED
    if configured == "default":
        return f"sqlite:///{default_sqlite_path()}"
    return configured


def timeout_seconds(settings: StoreConfig) -> float:
    """How long any wait for the database may last: environment, then config.

    Raises
    ------
    PredictionStoreError
        When ``REGRESSION_MODEL_DB_TIMEOUT`` is not a number of seconds greater
        than 0 and at most a day.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> from regression_model.config.core import get_config
    >>> from regression_model.store.location import timeout_seconds
    >>> from regression_model.errors import PredictionStoreError
    >>> with mock.patch.dict(os.environ, {"REGRESSION_MODEL_DB_TIMEOUT": "nan"}):
    ...     try:
    ...         timeout_seconds(get_config().store_config)
    ...     except PredictionStoreError as error:
    ...         print(error)  # doctest: +NORMALIZE_WHITESPACE
    REGRESSION_MODEL_DB_TIMEOUT='nan' is not accepted: give a number of seconds greater than 0 and
    at most 86400, e.g. 30
    """
    raw = os.environ.get(TIMEOUT_VARIABLE)
    if raw is None:
        return settings.busy_timeout_seconds
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS:  # nan and inf fail this too
        raise PredictionStoreError(
            f"{TIMEOUT_VARIABLE}={raw!r} is not accepted: give a number of seconds greater "
            f"than 0 and at most {MAX_TIMEOUT_SECONDS:.0f}, e.g. 30"
        )
    return seconds


def durability(settings: StoreConfig) -> str:
    """``full`` or ``normal``: environment, then config.

    Raises
    ------
    PredictionStoreError
        When ``REGRESSION_MODEL_DB_DURABILITY`` is neither.
    """
    raw = os.environ.get(DURABILITY_VARIABLE)
    if raw is None:
        return settings.durability
    if raw not in _DURABILITIES:
        accepted = " or ".join(f"{name} ({what})" for name, what in _DURABILITIES.items())
        raise PredictionStoreError(
            f"{DURABILITY_VARIABLE}={raw!r} is not accepted: give {accepted}"
        )
    return raw


_stores: dict[tuple[int, str, float, str], PredictionStore] = {}
_stores_lock = threading.Lock()


def open_store(settings: StoreConfig) -> PredictionStore | None:
    """The store for the URL in force, or None when persistence is off.

    Stores are cached per process, URL, timeout and durability: a forked
    worker builds its own engine rather than sharing its parent's connections.
    A URL is checked when it is first seen.

    Raises
    ------
    PredictionStoreError
        When a setting is not one the store accepts (one line, naming it).
    """
    url = resolve_url(settings)
    if url == DISABLED:
        return None
    key = (os.getpid(), url, timeout_seconds(settings), durability(settings))
    with _stores_lock:
        if key not in _stores:
            from regression_model.store.store import PredictionStore
            from regression_model.store.urls import check_url

            source = URL_VARIABLE if os.environ.get(URL_VARIABLE) else "prediction_store.url"
            check_url(url, source)
            _stores[key] = PredictionStore(url, timeout=key[2], durability=key[3])
        return _stores[key]


def forget_stores() -> None:
    """Drop the cached stores, closing their connections (tests, URL rotation)."""
    with _stores_lock:
        for store in _stores.values():
            store.dispose()
        _stores.clear()
