"""Categories the data dictionary defines but training never saw, and ones it
does not define."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from regression_model import audit
from regression_model.predict import make_prediction


def test_unseen_category_is_priced_as_rare_with_a_warning(
    house: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """MSSubClass 150 (valid, absent from train.csv) is priced, and a warning naming row
    and field goes into the result, the log and the store."""
    with caplog.at_level(logging.WARNING, logger="regression_model"):
        result = make_prediction(input_data=[house, {**house, "MSSubClass": 150}])
    assert None not in result["predictions"]
    warnings = json.loads(result["warnings"])
    assert [(w["row"], w["field"]) for w in warnings] == [(1, "MSSubClass")]
    assert "never seen in training" in warnings[0]["message"]
    assert any("never seen in training" in r.getMessage() for r in caplog.records)
    record = audit.get_record(result["prediction_ids"][1])
    assert record is not None and record["warnings"] == warnings
    assert audit.get_record(result["prediction_ids"][0])["warnings"] is None  # type: ignore[index]


def test_misspelt_category_is_rejected(house: dict[str, Any]) -> None:
    """A category the data dictionary does not define is an error, not a guess."""
    result = make_prediction(input_data=[{**house, "Neighborhood": "CollegeCreek"}])
    assert result["predictions"] == [None]
    assert json.loads(result["errors"])[0]["field"] == "Neighborhood"
