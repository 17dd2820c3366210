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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from regression_model.artifacts import (
    artifact_name,
    load_verified_pipeline,
    plan_path_for,
    read_verified_text,
    verify_artifact,
)
from regression_model.config.core import TRAINED_MODEL_DIR, Config, get_config
from regression_model.scoring.columns import ValidatedBatch
from regression_model.scoring.inputs import TableInput, as_table
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.schema import RowError, RowWarning
from regression_model.scoring.validation import validate_table
from regression_model.store.codec import decode_inputs, pack_call
from regression_model.store.ids import new_id, new_row_ids
from regression_model.store.location import open_store

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from regression_model.store.store import PredictionStore

logger = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    """A verified model: its manifest, its scoring plan, and (unpickled on first
    use) the fitted pipeline the plan was derived from."""

    path: Path
    manifest: dict[str, Any]
    plan: ScoringPlan

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def artifact_sha256(self) -> str:
        return str(self.manifest["artifact_sha256"])

    @cached_property
    def pipeline(self) -> Pipeline:
        """The fitted scikit-learn pipeline, verified and unpickled on first access."""
        return load_verified_pipeline(self.path)


@lru_cache(maxsize=1)
def load_model() -> LoadedModel:
    """Load, verify, compile and cache the installed version's model.

    Raises
    ------
    ModelNotTrainedError
        When no artifact exists for the installed version.
    ArtifactIntegrityError
        When the artifact or its plan does not match the manifest.
    ModelCompatibilityError
        When it was trained under another minor release of scikit-learn or
        feature-engine.

    Examples
    --------
    >>> from regression_model.predict import load_model
    >>> load_model().version == __import__("regression_model").__version__
    True
    """
    config = get_config()
    path = TRAINED_MODEL_DIR / artifact_name(config)
    manifest = verify_artifact(path)
    plan_name = plan_path_for(path).name
    if plan_name in manifest.get("files", {}):
        spec = json.loads(read_verified_text(plan_name, manifest))
        model = LoadedModel(path=path, manifest=manifest, plan=ScoringPlan.from_spec(spec))
    else:  # an artifact without a plan file: derive the plan now
        from regression_model.scoring.compiler import compile_spec

        pipeline = load_verified_pipeline(path)
        model = LoadedModel(
            path=path, manifest=manifest, plan=ScoringPlan.from_spec(compile_spec(pipeline))
        )
        model.pipeline = pipeline
    if model.plan.fallback_steps:
        model.plan.attach_pipeline(model.pipeline)
    return model


@dataclass
class ScoredBatch:
    """One call's rows after validation and scoring: the unit a store records."""

    table: TableInput
    predictions: list[float | None]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    intervals: list[list[float] | None] = field(default_factory=list)


def score_table(table: TableInput, model: LoadedModel, config: Config) -> ScoredBatch:
    """Validate and score a table; one slot per row, in order. Not recorded."""
    batch = validate_table(table, config)
    output = model.plan.score(batch)
    scored = _assemble(table, batch, output.prices, config)
    rows = batch.valid_rows
    scored.warnings = [
        RowWarning(int(rows[f.index]), f.field, f.kind, f.message)
        for f in output.findings
        if scored.predictions[int(rows[f.index])] is not None
    ]
    scored.intervals = _ranges(output.intervals, rows, scored.predictions)
    return scored


def _ranges(
    bounds: np.ndarray | None, rows: np.ndarray, predictions: list[float | None]
) -> list[list[float] | None]:
    """Each input row's price range, None where it has no price."""
    if bounds is None:
        return [None] * len(predictions)
    if len(rows) == len(predictions) and None not in predictions:
        ranges: list[list[float] | None] = bounds.tolist()  # every row priced: no gaps
        return ranges
    ranges = [None] * len(predictions)
    for row, pair in zip(rows.tolist(), bounds.tolist(), strict=True):
        if predictions[row] is not None:
            ranges[row] = pair
    return ranges


def _assemble(
    table: TableInput, batch: ValidatedBatch, prices: np.ndarray, config: Config
) -> ScoredBatch:
    predictions: list[float | None] = [None] * table.n_rows
    errors = list(batch.errors)
    bounds = config.model_config.plausible_price
    usable = np.isfinite(prices) & (prices >= bounds.min) & (prices <= bounds.max)
    for position, price, ok in zip(
        batch.valid_rows.tolist(), prices.tolist(), usable.tolist(), strict=True
    ):
        if ok:
            predictions[position] = price
        else:  # never hand out NaN or an absurd price
            errors.append(
                RowError(
                    position,
                    None,
                    f"the model's price {price:,.0f} is outside the plausible range "
                    f"{bounds.min:,.0f} to {bounds.max:,.0f} dollars: the inputs are far from "
                    "the houses it learned from (Ames sales 2006-2010)",
                )
            )
    if len(errors) != len(batch.errors):
        errors.sort(key=lambda e: e.row)
    return ScoredBatch(table=table, predictions=predictions, errors=errors)


def score_records(input_data: Any) -> ScoredBatch:
    """Validate and score without recording: the replay path of ``audit.reproduce``."""
    config = get_config()
    return score_table(as_table(input_data, config), load_model(), config)


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
        JSON string of ``{"row", "field", "message"}`` for rows priced with
        a category never seen in training.

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
    """
    started = time.perf_counter()
    config = get_config()
    table = as_table(input_data, config)
    model = load_model()
    store = open_store(config.store_config)
    scored = score_table(table, model, config)
    call_id = new_id()
    id_prefix, prediction_ids = new_row_ids(table.n_rows)
    if store is not None:
        _record(store, scored, model, call_id, id_prefix)
    _log_call(scored, model, call_id, prediction_ids, time.perf_counter() - started)
    errors = [e.as_dict() for e in scored.errors]
    warnings = [w.as_dict() for w in scored.warnings]
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
) -> None:
    """Write the call's records; PredictionStoreError propagates, so the caller
    gets no prediction that is not recorded."""
    store.write_call(
        call_id=call_id,
        id_prefix=id_prefix,
        created_at=datetime.now(timezone.utc),
        model_version=model.version,
        artifact_sha256=model.artifact_sha256,
        config_fingerprint=str(model.manifest.get("config_fingerprint", "")),
        chunks=pack_call(
            scored.table.encode_rows,
            scored.predictions,
            _group(scored.errors),
            _group(scored.warnings),
            scored.intervals,
        ),
    )


def _group(items: list[RowError] | list[RowWarning]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(item.row, []).append(item.as_dict())
    return grouped


def _log_call(
    scored: ScoredBatch,
    model: LoadedModel,
    call_id: str,
    prediction_ids: list[str],
    seconds: float,
) -> None:
    by_row = _group(scored.errors)
    logger.info(
        "scored %d rows, rejected %d, model %s, %.1f ms",
        len(scored.predictions),
        len(by_row),
        model.version,
        seconds * 1000,
        extra={
            "call_id": call_id,
            "model_version": model.version,
            "rows": len(scored.predictions),
            "rejected_rows": len(by_row),
            "duration_ms": round(seconds * 1000, 3),
        },
    )
    if scored.warnings:
        logger.warning(
            "%d rows priced beyond what the model learned: %s",
            len({w.row for w in scored.warnings}),
            "; ".join(f"row {w.row}: {w.message}" for w in scored.warnings[:5]),
            extra={"call_id": call_id, "warnings": [w.as_dict() for w in scored.warnings]},
        )
    if not logger.isEnabledFor(logging.DEBUG):
        return
    # The inputs as the store keeps them, so the log and the store agree.
    n_rows = scored.table.n_rows
    inputs = decode_inputs(scored.table.encode_rows(0, n_rows), range(n_rows))
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
