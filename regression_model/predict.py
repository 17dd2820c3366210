"""Turn input rows into price predictions.

``make_prediction`` is the package's public entry point, with the reference
package's signature and result keys. Importing this module loads nothing: the
model is loaded, verified and cached on the first call.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from regression_model import audit
from regression_model.config.core import TRAINED_MODEL_DIR, Config, get_config
from regression_model.processing.data_manager import (
    artifact_name,
    load_verified_pipeline,
    read_manifest,
)
from regression_model.processing.inputs import as_frame
from regression_model.processing.validation import RowError, validate_inputs

logger = logging.getLogger("regression_model.predict")


@dataclass(frozen=True)
class LoadedModel:
    """A verified pipeline with the manifest that vouches for it."""

    pipeline: Pipeline
    manifest: dict[str, Any]
    path: Path

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def artifact_sha256(self) -> str:
        return str(self.manifest["artifact_sha256"])


@lru_cache(maxsize=1)
def load_model() -> LoadedModel:
    """Load, verify and cache the installed version's model.

    Raises
    ------
    ModelNotTrainedError
        When no artifact exists for the installed version.
    ArtifactIntegrityError
        When the artifact does not match its manifest.

    Examples
    --------
    >>> from regression_model.predict import load_model
    >>> load_model().version == __import__("regression_model").__version__
    True
    """
    config = get_config()
    path = TRAINED_MODEL_DIR / artifact_name(config)
    pipeline = load_verified_pipeline(path)
    return LoadedModel(pipeline=pipeline, manifest=read_manifest(path), path=path)


@dataclass
class ScoredBatch:
    """One call's rows after validation and scoring: the unit a store records."""

    frame: pd.DataFrame
    predictions: list[float | None]
    errors: list[RowError] = field(default_factory=list)

    def inputs_json(self) -> list[str]:
        """Each row as received (after renaming) as a JSON object; missing and
        non-finite numbers are null (the row's errors name any bad value)."""
        if not len(self.frame):
            return []
        if len(self.frame.columns) == 0:
            return ["{}"] * len(self.frame)
        text = self.frame.to_json(orient="records", lines=True, date_format="iso")
        return text.rstrip("\n").split("\n")

    def inputs(self) -> list[dict[str, Any]]:
        """Each row as received, as JSON-compatible dicts."""
        return [json.loads(line) for line in self.inputs_json()]

    def errors_by_row(self) -> dict[int, list[RowError]]:
        grouped: dict[int, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped


def score_frame(frame: pd.DataFrame, model: LoadedModel, config: Config) -> ScoredBatch:
    """Validate and score a normalised frame; one slot per row, in order."""
    valid, errors = validate_inputs(input_data=frame, config=config)
    predictions: list[float | None] = [None] * len(frame)
    if len(valid):
        prices = np.asarray(model.pipeline.predict(valid), dtype="float64")
        for position, price in zip(valid.index, prices, strict=True):
            if math.isfinite(price) and price > 0:
                predictions[int(position)] = float(price)
            else:  # never hand out NaN or a non-positive price
                errors.append(
                    RowError(int(position), None, f"the model produced no usable price ({price})")
                )
    errors.sort(key=lambda e: e.row)
    return ScoredBatch(frame=frame, predictions=predictions, errors=errors)


def score_records(input_data: Any) -> ScoredBatch:
    """Validate and score without recording: the replay path of ``audit.reproduce``."""
    config = get_config()
    return score_frame(as_frame(input_data, config), load_model(), config)


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
        store (see ``regression_model.audit``).

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
    frame = as_frame(input_data, config)
    model = load_model()
    store = audit.get_store()
    batch = score_frame(frame, model, config)
    call_id = audit.new_id()
    prediction_ids = [audit.new_id() for _ in batch.predictions]
    if store is not None:
        _record(store, batch, model, call_id, prediction_ids)
    _log_batch(batch, model, call_id, prediction_ids, time.perf_counter() - started)
    errors = [e.as_dict() for e in batch.errors]
    return {
        "predictions": batch.predictions,
        "version": model.version,
        "errors": json.dumps(errors) if errors else None,
        "prediction_ids": prediction_ids,
    }


def _record(
    store: audit.PredictionStore,
    batch: ScoredBatch,
    model: LoadedModel,
    call_id: str,
    prediction_ids: list[str],
) -> None:
    """Write the call's records; PredictionStoreError propagates, so the caller
    gets no prediction that is not recorded."""
    by_row = batch.errors_by_row()
    rows = [
        audit.RowRecord(
            prediction_id=prediction_id,
            row_number=row,
            inputs_json=inputs,
            prediction=price,
            errors=[e.as_dict() for e in by_row.get(row, [])],
        )
        for row, (prediction_id, inputs, price) in enumerate(
            zip(prediction_ids, batch.inputs_json(), batch.predictions, strict=True)
        )
    ]
    store.write_call(
        call_id=call_id,
        created_at=datetime.now(timezone.utc),
        model_version=model.version,
        artifact_sha256=model.artifact_sha256,
        config_fingerprint=str(model.manifest.get("config_fingerprint", "")),
        rows=rows,
    )


def _log_batch(
    batch: ScoredBatch,
    model: LoadedModel,
    call_id: str,
    prediction_ids: list[str],
    seconds: float,
) -> None:
    rejected = sorted({e.row for e in batch.errors})
    logger.info(
        "scored %d rows, rejected %d, model %s, %.1f ms",
        len(batch.predictions),
        len(rejected),
        model.version,
        seconds * 1000,
        extra={
            "call_id": call_id,
            "model_version": model.version,
            "rows": len(batch.predictions),
            "rejected_rows": len(rejected),
            "duration_ms": round(seconds * 1000, 3),
        },
    )
    if not logger.isEnabledFor(logging.DEBUG):
        return
    by_row = batch.errors_by_row()
    for row, (inputs, price) in enumerate(zip(batch.inputs(), batch.predictions, strict=True)):
        logger.debug(
            "row %d -> %s",
            row,
            price,
            extra={
                "model_version": model.version,
                "call_id": call_id,
                "prediction_id": prediction_ids[row],
                "row": row,
                "inputs": inputs,
                "prediction": price,
                "errors": [e.as_dict() for e in by_row.get(row, [])],
            },
        )


__all__ = ["load_model", "make_prediction"]
