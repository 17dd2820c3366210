"""Replaying one stored record with the model that made it, and comparing.

The installed model replays the record when it has the record's identity
(records written before identities are matched on the pickle's sha256);
otherwise the recording version replays in its own environment (see
``replay_inputs``). Price and range are compared to a relative tolerance, the
row's errors as ``[field, message]`` pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from regression_model.errors import ReplayUnavailableError
from regression_model.replay import RecordedModel, replay_inputs

if TYPE_CHECKING:
    from regression_model.store.store import PredictionStore

__all__ = ["replay_record"]

INSTALLED = "installed model"


@dataclass(frozen=True)
class Replayed:
    """One record re-scored: its price, range and errors, and by what."""

    price: float | None
    interval: list[float] | None
    errors: list[dict[str, Any]] | None
    replayed_by: str


def replay_record(
    record: dict[str, Any], store: PredictionStore, *, rel_tol: float = 1e-9
) -> dict[str, Any]:
    """Re-score a stored ``record`` (as ``get_record`` returns it) with the model
    that made it and compare; ``store`` holds its model's manifest. The answer
    is what ``audit.reproduce`` returns.

    Examples
    --------
    >>> from regression_model import audit
    >>> from regression_model.predict import make_prediction
    >>> from regression_model.replay.records import replay_record
    >>> result = make_prediction(input_data=[{"OverallQual": 6, "GrLivArea": 1200,
    ...                                       "Neighborhood": "NAmes", "YrSold": 2009}])
    >>> record = audit.get_record(result["prediction_ids"][0])
    >>> replay_record(record, audit.get_store())["match"]
    True
    """
    from regression_model.model import load_model

    answer: dict[str, Any] = {
        "prediction_id": record["prediction_id"],
        "stored": record["prediction"],
        "recomputed": None,
        "stored_interval": record.get("interval"),
        "recomputed_interval": None,
        "stored_errors": _error_messages(record["errors"]),
        "recomputed_errors": None,
        "replayed_by": None,
        "match": None,
        "reason": None,
    }
    model = load_model()
    try:
        replayed = (
            _replay_here(record)
            if _made_by(record, model.identity, model.artifact_sha256)
            else _replay_elsewhere(record, store)
        )
    except ReplayUnavailableError as unavailable:
        answer["reason"] = str(unavailable)
        return answer
    return _compare(answer, replayed, rel_tol)


def _made_by(record: dict[str, Any], identity: str, artifact_sha256: str) -> bool:
    """Whether the model with this identity made the record (records from
    before identities carry only the pickle's sha256)."""
    if record.get("model_identity"):
        return bool(record["model_identity"] == identity)
    return bool(record["artifact_sha256"] == artifact_sha256)


def _replay_here(record: dict[str, Any]) -> Replayed:
    from regression_model.predict import score_records

    batch = score_records([record["inputs"]])
    return Replayed(
        price=batch.predictions[0],
        interval=batch.intervals[0],
        errors=[e.as_dict() for e in batch.errors],
        replayed_by=INSTALLED,
    )


def _replay_elsewhere(record: dict[str, Any], store: PredictionStore) -> Replayed:
    stored_model = store.model(record["model_identity"]) if record.get("model_identity") else None
    libraries = stored_model["manifest"].get("libraries") if stored_model else None
    model = RecordedModel(
        version=record["model_version"],
        identity=record.get("model_identity") or None,
        artifact_sha256=record["artifact_sha256"],
    )
    batch = replay_inputs(model, [record["inputs"]], libraries=libraries)
    return Replayed(
        price=batch.predictions[0],
        interval=batch.intervals[0],
        errors=batch.errors[0],
        replayed_by=str(batch.environment),
    )


def _compare(answer: dict[str, Any], replayed: Replayed, rel_tol: float) -> dict[str, Any]:
    answer["recomputed"] = replayed.price
    answer["recomputed_interval"] = replayed.interval
    answer["recomputed_errors"] = _error_messages(replayed.errors)
    answer["replayed_by"] = replayed.replayed_by
    differs = [
        name
        for name, same in (
            ("price", _same(answer["stored"], replayed.price, rel_tol)),
            ("price range", _same_interval(answer["stored_interval"], replayed.interval, rel_tol)),
            ("errors", answer["stored_errors"] == answer["recomputed_errors"]),
        )
        if not same
    ]
    answer["match"] = not differs
    if differs:
        answer["reason"] = (
            f"the recording model gives another {' and '.join(differs)} for the stored inputs"
        )
    return answer


def _error_messages(errors: list[dict[str, Any]] | None) -> list[list[Any]] | None:
    """A row's rejections as sorted ``[field, message]`` pairs (the row number
    differs between the recorded call and a one-row replay)."""
    if not errors:
        return None
    return sorted([error.get("field"), error["message"]] for error in errors)


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
