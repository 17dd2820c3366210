"""Read and replay the prediction store: every scored or rejected row.

Where it lives is named by the environment variable ``REGRESSION_MODEL_DB_URL``
(any SQLAlchemy URL), else by ``prediction_store.url`` in config.yml, whose
``default`` is an SQLite file in the per-user data directory. The value
``none`` turns persistence off (see ``regression_model.store.location``).

One record per row: prediction id, call id, time, model version, artifact
sha256, config fingerprint, the inputs as received (after renaming), and the
price or the row's errors. A call is stored whole, its inputs packed column by
column, and each prediction id names its call and row: a call of 100k rows is
a few rows in the database, not 100k. A call is written in one transaction; if
that fails, ``make_prediction`` raises ``PredictionStoreError`` and returns
nothing, so no prediction goes unrecorded.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from regression_model.config.core import Config, get_config
from regression_model.errors import PredictionStoreError
from regression_model.store import location
from regression_model.store.ids import new_id
from regression_model.store.location import (
    DISABLED,
    TIMEOUT_VARIABLE,
    URL_VARIABLE,
    default_sqlite_path,
    open_store,
)

__all__ = [
    "DISABLED",
    "TIMEOUT_VARIABLE",
    "URL_VARIABLE",
    "default_sqlite_path",
    "find",
    "get_record",
    "get_store",
    "new_id",
    "reproduce",
    "resolve_url",
]

if TYPE_CHECKING:  # SQLAlchemy loads only when a store is in use
    from regression_model.store.store import PredictionStore


def get_store(config: Config | None = None) -> PredictionStore | None:
    """The store predictions go to, or None when persistence is off.

    Examples
    --------
    >>> from regression_model import audit
    >>> audit.get_store() is not None  # the tests' own SQLite file
    True
    """
    return open_store((config or get_config()).store_config)


def resolve_url(config: Config | None = None) -> str:
    """The store URL in force: environment, then config, then the default file."""
    return location.resolve_url((config or get_config()).store_config)


def _require_store() -> PredictionStore:
    store = get_store()
    if store is None:
        raise PredictionStoreError(
            f"persistence is off ({URL_VARIABLE}=none): there are no records to read"
        )
    return store


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
        ``prediction_id``, ``stored`` and ``recomputed`` (prices),
        ``stored_interval`` and ``recomputed_interval`` (price ranges),
        ``match`` (True when both agree, False, or None when not
        comparable) and ``reason``.

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
        "stored_interval": record.get("interval"),
        "recomputed_interval": None,
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
    answer["recomputed_interval"] = batch.intervals[0]
    answer["match"] = _same(record["prediction"], recomputed, rel_tol) and _same_interval(
        record.get("interval"), batch.intervals[0], rel_tol
    )
    if not answer["match"]:
        answer["reason"] = "the installed model gives another result for the stored inputs"
    return answer


def _same(stored: float | None, recomputed: float | None, rel_tol: float) -> bool:
    if stored is None or recomputed is None:
        return stored is None and recomputed is None
    return math.isclose(stored, recomputed, rel_tol=rel_tol)


def _same_interval(
    stored: list[float] | None, recomputed: list[float] | None, rel_tol: float
) -> bool:
    if stored is None or recomputed is None:
        return stored is None and recomputed is None
    return all(_same(a, b, rel_tol) for a, b in zip(stored, recomputed, strict=True))
