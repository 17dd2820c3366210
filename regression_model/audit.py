"""Read and replay the prediction store: every scored or rejected row.

Where the store lives: ``REGRESSION_MODEL_DB_URL``, else
``prediction_store.url`` in config.yml (``none`` turns persistence off; see
``regression_model.store.location``). One record per row: ids, time, model
version and identity, the inputs as received and the price and its range or
the row's errors. Every read runs in a read transaction: it never holds a
prediction up and never creates a store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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
    "add_outcomes",
    "default_sqlite_path",
    "export_records",
    "find",
    "get_record",
    "get_store",
    "iter_records",
    "models",
    "new_id",
    "reproduce",
    "resolve_url",
]

if TYPE_CHECKING:  # SQLAlchemy loads only when a store is in use
    from collections.abc import Mapping, Sequence

    import pandas as pd

    from regression_model.monitoring.sales import OutcomeSummary
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
    """The stored record of one prediction, or None when the store holds no
    record with that id (any text is a valid lookup, on every backend alike).

    Returns
    -------
    dict or None
        ``prediction_id``, ``call_id``, ``row_number``, ``created_at`` (UTC),
        ``model_version``, ``model_identity`` (None for records written before
        identities), ``artifact_sha256``, ``config_fingerprint``, ``inputs``
        (dict), ``prediction`` (float or None), ``interval`` (``[low, high]``
        or None), ``errors`` and ``warnings`` (lists, or None).

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
    and call id, oldest first, as a list: for reads of any size,
    :func:`iter_records` streams them instead.

    Raises
    ------
    StoreQueryError
        When ``since`` or ``until`` is not a datetime (a naive one is taken as
        UTC), ``limit`` is not None or a whole number of 0 or more, or a filter
        is not text.

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


def iter_records(
    *,
    model_version: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    call_id: str | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The records :func:`find` selects, one at a time, in one read
    transaction: memory stays that of one stored chunk (up to 10,000 records)
    whatever the store's size, and predictions go on being recorded meanwhile,
    however long the reader takes. Records of store schemas 1 and 2 come
    first, then calls by time, call and row.

    Examples
    --------
    >>> from regression_model import audit
    >>> from regression_model.predict import make_prediction
    >>> result = make_prediction(input_data=[{"OverallQual": 6, "GrLivArea": 1200,
    ...                                       "Neighborhood": "NAmes", "YrSold": 2009}])
    >>> call = audit.get_record(result["prediction_ids"][0])["call_id"]
    >>> [r["prediction_id"] for r in audit.iter_records(call_id=call)] == result["prediction_ids"]
    True
    """
    from regression_model.store.reads import RecordFilter, checked_limit

    where = RecordFilter.checked(model_version, since, until, call_id)
    return _require_store().iter_records(where, checked_limit(limit))


def export_records(
    target: str | Path | IO[Any],
    fmt: str | None = None,
    *,
    model_version: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    call_id: str | None = None,
    limit: int | None = None,
) -> int:
    """Write stored records as a flat table (Parquet, CSV or JSON lines) that
    SQL engines, spreadsheets and DuckDB read without this package.

    One row per record: ``prediction_id``, ``call_id``, ``row_number``,
    ``created_at``, ``model_version``, ``model_identity``,
    ``artifact_sha256``, ``config_fingerprint``, ``prediction``, ``lower``,
    ``upper``, ``errors`` and ``warnings`` (JSON text), ``inputs_unparsed``
    (JSON: values the field's type cannot hold, and fields outside the input
    contract), ``inputs_absent`` (JSON: contract fields the record lacked),
    then one typed column per input field. The export streams, a stored chunk
    at a time, and a file target appears whole or not at all. Filters are
    those of :func:`find`.

    Parameters
    ----------
    target : path or file object
        Where to write; the format is ``fmt``, else told by the file's suffix.
    fmt : {"parquet", "csv", "jsonl"}, optional
        Parquet needs the ``[parquet]`` extra (pyarrow).

    Returns
    -------
    int
        How many records were written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from regression_model import audit
    >>> from regression_model.predict import make_prediction
    >>> result = make_prediction(input_data=[{"OverallQual": 6, "GrLivArea": 1200,
    ...                                       "Neighborhood": "NAmes", "YrSold": 2009}])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "records.csv"
    >>> audit.export_records(path, call_id=audit.get_record(result["prediction_ids"][0])["call_id"])
    1
    >>> row = pd.read_csv(path).iloc[0]
    >>> float(row["prediction"]), float(row["GrLivArea"]), row["Neighborhood"]
    (137447.79208313927, 1200.0, 'NAmes')
    """
    from regression_model.files.record_export import write_records
    from regression_model.store.reads import RecordFilter

    where = RecordFilter.checked(model_version, since, until, call_id)
    return write_records(_require_store(), target, fmt, where, limit)


def models() -> list[dict[str, Any]]:
    """Every model that wrote to the store, first seen first: its
    ``model_identity``, ``model_version``, ``first_seen``, ``manifest`` (data
    hash, fingerprints, library pins, metrics) and scoring ``plan``.

    Examples
    --------
    >>> from regression_model import audit
    >>> from regression_model.model import load_model
    >>> load_model().identity in {m["model_identity"] for m in audit.models()}
    True
    """
    return _require_store().models()


def reproduce(prediction_id: str, *, rel_tol: float = 1e-9) -> dict[str, Any]:
    """Re-score a stored record's inputs with the model that made it, and
    compare price, price range and errors.

    When the installed model has the record's identity (or, for older
    records, artifact sha256), it replays here; else in an isolated, cached
    environment of the recording version and its recorded libraries, from the
    package index (see ``regression_model.replay``). It is not itself recorded.

    Returns
    -------
    dict
        ``prediction_id``; ``stored`` and ``recomputed`` (prices);
        ``stored_interval`` and ``recomputed_interval`` (price ranges);
        ``stored_errors`` and ``recomputed_errors`` (the row's rejections);
        ``replayed_by`` (``"installed model"`` or the isolated environment's
        folder); ``match``: True when all three agree, False, or None when
        the recording model could not be run; ``reason``: why not True.

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
    >>> answer = audit.reproduce(result["prediction_ids"][0])
    >>> answer["match"], answer["replayed_by"]
    (True, 'installed model')
    """
    from regression_model.replay.records import replay_record

    record = get_record(prediction_id)
    if record is None:
        raise KeyError(f"no prediction {prediction_id!r} in the store")
    return replay_record(record, _require_store(), rel_tol=rel_tol)


def add_outcomes(
    outcomes: pd.DataFrame | Sequence[Mapping[str, Any]] | str | Path,
) -> OutcomeSummary:
    """Record the sale prices of predicted houses, for monitoring's realized
    accuracy (``regression-model monitor``).

    Parameters
    ----------
    outcomes : DataFrame, list of dict, or path of a CSV or Parquet file
        ``prediction_id`` (as ``make_prediction`` returned it), ``sale_price``
        (dollars, above 0) and optionally ``sold_on`` (an ISO date); other
        columns are not read.

    Returns
    -------
    OutcomeSummary
        ``rows``; ``added``; ``already_recorded`` (the same sale recorded
        before: adding is idempotent); ``rejected``, one dict per rejected
        row: ``row`` (0-based), ``prediction_id`` and ``message`` (not a
        prediction id, no such prediction in the store, not a price, not a
        date, or a different sale already recorded for it: an outcome is
        never replaced).

    Raises
    ------
    InputFileError, InvalidInputError
        When the table itself cannot be read, or lacks a column.

    Rows are recorded 50,000 at a time, each batch in its own transaction, so a
    long file never holds scoring up; a run that fails midway can be repeated.

    Examples
    --------
    >>> from regression_model import audit
    >>> from regression_model.predict import make_prediction
    >>> result = make_prediction(input_data=[{"OverallQual": 6, "GrLivArea": 1200,
    ...                                       "Neighborhood": "NAmes", "YrSold": 2009}])
    >>> sale = {"prediction_id": result["prediction_ids"][0], "sale_price": 141000}
    >>> summary = audit.add_outcomes([sale, {"prediction_id": "nope", "sale_price": 1}])
    >>> summary.added, summary.rejected[0]["message"]
    (1, "prediction_id 'nope' is not a prediction id (a UUID make_prediction returned)")
    >>> audit.add_outcomes([sale]).already_recorded
    1
    """
    from regression_model.monitoring.sales import record_outcomes

    return record_outcomes(_require_store(), outcomes)
