"""Where predictions are recorded, and the one store object per process.

The URL comes from the environment variable ``REGRESSION_MODEL_DB_URL`` (any
SQLAlchemy URL), else from ``prediction_store.url`` in config.yml, whose
``default`` is an SQLite file in the per-user data directory; ``none`` turns
persistence off.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from regression_model.errors import PredictionStoreError
from regression_model.store.urls import DISABLED, masked_url

if TYPE_CHECKING:  # SQLAlchemy loads only when a store is in use
    from regression_model.config.core import StoreConfig
    from regression_model.store.store import PredictionStore

__all__ = [
    "DISABLED",
    "TIMEOUT_VARIABLE",
    "URL_VARIABLE",
    "default_sqlite_path",
    "forget_stores",
    "masked_url",
    "open_store",
    "resolve_url",
    "timeout_seconds",
]

URL_VARIABLE = "REGRESSION_MODEL_DB_URL"
TIMEOUT_VARIABLE = "REGRESSION_MODEL_DB_TIMEOUT"


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
    """How long a call waits for a lock or a connection: environment, then config.

    Raises
    ------
    PredictionStoreError
        When ``REGRESSION_MODEL_DB_TIMEOUT`` is not a number.
    """
    raw = os.environ.get(TIMEOUT_VARIABLE)
    if raw is None:
        return settings.busy_timeout_seconds
    try:
        return float(raw)
    except ValueError as error:
        raise PredictionStoreError(
            f"{TIMEOUT_VARIABLE}={raw!r} is not a number of seconds"
        ) from error


_stores: dict[tuple[int, str, float], PredictionStore] = {}
_stores_lock = threading.Lock()


def open_store(settings: StoreConfig) -> PredictionStore | None:
    """The store for the URL in force, or None when persistence is off.

    Stores are cached per process, URL and timeout: a forked worker builds its
    own engine rather than sharing its parent's connections.
    """
    url = resolve_url(settings)
    if url == DISABLED:
        return None
    timeout = timeout_seconds(settings)
    key = (os.getpid(), url, timeout)
    with _stores_lock:
        if key not in _stores:
            from regression_model.store.store import PredictionStore

            _stores[key] = PredictionStore(url, timeout=timeout)
        return _stores[key]


def forget_stores() -> None:
    """Drop the cached stores, closing their connections (tests, URL rotation)."""
    with _stores_lock:
        for store in _stores.values():
            store.dispose()
        _stores.clear()
