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
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

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

    inputs: list[dict[str, Any]]
    predictions: list[float | None]
    errors: list[RowError] = field(default_factory=list)

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
    inputs = _json_safe_records(frame)
    return ScoredBatch(inputs=inputs, predictions=predictions, errors=errors)


def _json_safe_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as received (after renaming), with missing values as None."""
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [{str(k): _json_safe(v) for k, v in r.items()} for r in records]


def _json_safe(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return repr(value)


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
        ``{"row": int, "field": str or null, "message": str}``.

    Raises
    ------
    InvalidInputError
        When ``input_data`` is not a table.
    ModelNotTrainedError, ArtifactIntegrityError
        When no verified model can be loaded.

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
    batch = score_frame(frame, model, config)
    _log_batch(batch, model, time.perf_counter() - started)
    errors = [e.as_dict() for e in batch.errors]
    return {
        "predictions": batch.predictions,
        "version": model.version,
        "errors": json.dumps(errors) if errors else None,
    }


def _log_batch(batch: ScoredBatch, model: LoadedModel, seconds: float) -> None:
    rejected = sorted({e.row for e in batch.errors})
    logger.info(
        "scored %d rows, rejected %d, model %s, %.1f ms",
        len(batch.predictions),
        len(rejected),
        model.version,
        seconds * 1000,
        extra={
            "model_version": model.version,
            "rows": len(batch.predictions),
            "rejected_rows": len(rejected),
            "duration_ms": round(seconds * 1000, 3),
        },
    )
    if not logger.isEnabledFor(logging.DEBUG):
        return
    by_row = batch.errors_by_row()
    for row, (inputs, price) in enumerate(zip(batch.inputs, batch.predictions, strict=True)):
        logger.debug(
            "row %d -> %s",
            row,
            price,
            extra={
                "model_version": model.version,
                "row": row,
                "inputs": inputs,
                "prediction": price,
                "errors": [e.as_dict() for e in by_row.get(row, [])],
            },
        )


__all__ = ["load_model", "make_prediction"]
