"""Turn input rows into price predictions.

``make_prediction`` is the package's public entry point, with the reference
package's signature and result keys. Importing this module loads nothing: the
model is loaded, verified, compiled into a scoring plan and cached on the
first call.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from regression_model import tuning
from regression_model._wording import counted
from regression_model.config.core import Config, get_config
from regression_model.model import LoadedModel, load_model
from regression_model.scoring.host_process import collector_paused
from regression_model.scoring.inputs import TableInput, as_table
from regression_model.scoring.scored import ScoredBatch, group_by_row, score_table
from regression_model.store.codec import (
    columns_encoder,
    decode_inputs,
    encode_received,
    pack_call,
    pack_inputs,
    received_encoder,
)
from regression_model.store.ids import new_id, new_row_ids
from regression_model.store.location import open_store

if TYPE_CHECKING:
    from regression_model.store.store import PredictionStore

logger = logging.getLogger(__name__)


def score_records(input_data: Any) -> ScoredBatch:
    """Validate and score with the installed model, recording nothing (how
    ``audit.reproduce`` replays a stored record)."""
    config = get_config()
    return score_table(as_table(input_data, config), load_model().plan, config)


def make_prediction(*, input_data: Any) -> dict[str, Any]:
    """Predict sale prices in US dollars.

    Parameters
    ----------
    input_data : pandas.DataFrame, list of dict, or dict of lists
        House records with the data files' column names (``1stFlrSF``) or the
        reference's renamed ones (``FirstFlrSF``). Missing values are allowed
        except in the required fields (OverallQual, GrLivArea, Neighborhood,
        YrSold). The caller's object is not modified.

    Returns
    -------
    dict
        ``predictions``: one price (float) or ``None`` per input row, in
        input order; ``version``: the model version; ``errors``: ``None``
        when every row was scored, else a JSON string of a list of
        ``{"row": int, "field": str or null, "message": str}``;
        ``prediction_ids``: one UUID per input row, aligned with
        ``predictions``, under which the row is recorded in the prediction
        store (see ``regression_model.audit``); ``warnings``: ``None``, or a
        JSON string of ``{"row", "field", "kind", "message"}`` for rows priced
        beyond what the model learned (``kind``: ``out_of_range``,
        ``unusual_combination`` or ``unseen_category``); ``intervals``: one
        ``[low, high]`` price range in dollars per row, ``None`` where the row
        has no price, meant to hold the true price as often as config.yml's
        ``prediction_intervals.coverage`` says.

    Raises
    ------
    InvalidInputError
        When ``input_data`` is not a table.
    ModelNotTrainedError, ArtifactIntegrityError
        When no verified model can be loaded.
    PredictionStoreError
        When the prediction store cannot be written: no prediction is
        returned that is not recorded.

    Examples
    --------
    >>> from regression_model.predict import make_prediction
    >>> result = make_prediction(input_data=[{"OverallQual": 7, "GrLivArea": 1710,
    ...                                       "Neighborhood": "CollgCr", "YrSold": 2008}])
    >>> result["version"] == __import__("regression_model").__version__
    True
    >>> result["errors"] is None, round(result["predictions"][0], -3) > 100_000
    (True, True)
    >>> low, high = result["intervals"][0]
    >>> low < result["predictions"][0] < high
    True
    """
    config = get_config()
    with collector_paused(config.scoring_config):
        return _predict(input_data, config)


def _predict(input_data: Any, config: Config) -> dict[str, Any]:
    """make_prediction's work."""
    started = time.perf_counter()
    table = as_table(input_data, config)
    model = load_model()
    store = open_store(config.store_config)
    with _inputs_packed_aside(table, store) as packed_inputs:
        scored = score_table(table, model.plan, config)
        call_id = new_id()
        id_prefix, prediction_ids = new_row_ids(table.n_rows)
        # Each error and warning as a dict once: the result, the store and the log share them.
        errors = [e.as_dict() for e in scored.errors]
        warnings = [w.as_dict() for w in scored.warnings]
        if store is not None:
            _record(store, scored, model, call_id, id_prefix, errors, warnings, packed_inputs)
    _log_call(scored, model, call_id, prediction_ids, time.perf_counter() - started, warnings)
    return {
        "predictions": scored.predictions,
        "version": model.version,
        "errors": json.dumps(errors) if errors else None,
        "prediction_ids": prediction_ids,
        "warnings": json.dumps(warnings) if warnings else None,
        "intervals": scored.intervals,
    }


def _record(
    store: PredictionStore,
    scored: ScoredBatch,
    model: LoadedModel,
    call_id: str,
    id_prefix: str,
    errors: list[dict[str, Any]],
    warnings: list[dict[str, Any]],
    packed_inputs: Future[list[bytes]] | None,
) -> None:
    """Write the call's records, with its inputs packed aside already or packed
    here; PredictionStoreError propagates, so the caller gets no prediction
    that is not recorded."""
    inputs: Callable[[int, int], bytes] | list[bytes] = (
        packed_inputs.result() if packed_inputs is not None else _inputs_encoder(scored.table)
    )
    store.write_call(
        call_id=call_id,
        id_prefix=id_prefix,
        created_at=datetime.now(timezone.utc),
        model=model.store_record,
        chunks=pack_call(
            inputs,
            scored.prices,
            group_by_row(errors),
            group_by_row(warnings),
            scored.bounds,
        ),
    )


@contextmanager
def _inputs_packed_aside(
    table: TableInput, store: PredictionStore | None
) -> Iterator[Future[list[bytes]] | None]:
    """For a large call to be stored: its inputs, packed on a thread of their
    own while the rows are priced (they do not depend on the prices), else
    None. Leaving waits for the thread, so nothing reads the caller's data
    once the call has returned or raised."""
    if store is None or table.n_rows < tuning.PACK_ASIDE_FROM_ROWS:
        yield None
        return
    with ThreadPoolExecutor(1, thread_name_prefix="regression-model-inputs") as pool:
        yield pool.submit(_pack_received, table)


def _pack_received(table: TableInput) -> list[bytes]:
    """A call's inputs, packed chunk by chunk beside the pricing. A text column
    is factorised once for the call, by whichever of validation and this
    packing needs it first, and read by both. It compresses chunk after chunk
    on this one thread: more threads gained little speed but a malloc arena
    each (predict_file's peak memory rose by a fifth)."""
    return pack_inputs(_inputs_encoder(table), table.n_rows, most_threads=1)


def _inputs_encoder(table: TableInput) -> Callable[[int, int], bytes]:
    """The packer of a call's inputs: column by column for a DataFrame, and for
    records that share their fields (in one order) from
    tuning.STORE_COLUMNS_FROM_ROWS rows, reusing the columns and text codes
    validation made; JSON lines for the other records."""
    if table.n_rows >= tuning.STORE_COLUMNS_FROM_ROWS:
        columns = table.received_columns()
        if columns is not None:
            return columns_encoder(columns, table.factorize_received)
    return received_encoder(table.received(0, table.n_rows), table.factorize_received)


def _log_call(
    scored: ScoredBatch,
    model: LoadedModel,
    call_id: str,
    prediction_ids: list[str],
    seconds: float,
    warnings: list[dict[str, Any]],
) -> None:
    rejected = len({e.row for e in scored.errors})
    logger.info(
        "scored %s, rejected %d, model %s, %.1f ms",
        counted(len(scored.predictions), "row"),
        rejected,
        model.version,
        seconds * 1000,
        extra={
            "call_id": call_id,
            "model_version": model.version,
            "rows": len(scored.predictions),
            "rejected_rows": rejected,
            "duration_ms": round(seconds * 1000, 3),
        },
    )
    if scored.warnings:
        logger.warning(
            "%s priced beyond what the model learned: %s",
            counted(len({w.row for w in scored.warnings}), "row"),
            "; ".join(f"row {w.row}: {w.message}" for w in scored.warnings[:5]),
            extra={"call_id": call_id, "warnings": warnings},
        )
    if not logger.isEnabledFor(logging.DEBUG):
        return
    by_row = group_by_row(e.as_dict() for e in scored.errors)
    # The inputs as the store keeps them, so the log and the store agree.
    n_rows = scored.table.n_rows
    inputs = decode_inputs(encode_received(scored.table.received(0, n_rows)), range(n_rows))
    for row, price in enumerate(scored.predictions):
        logger.debug(
            "row %d -> %s",
            row,
            price,
            extra={
                "model_version": model.version,
                "call_id": call_id,
                "prediction_id": prediction_ids[row],
                "row": row,
                "inputs": inputs[row],
                "prediction": price,
                "errors": by_row.get(row, []),
            },
        )


__all__ = ["load_model", "make_prediction"]
