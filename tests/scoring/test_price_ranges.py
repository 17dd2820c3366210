"""Price ranges as the scoring plan serves them, with every price."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from regression_model.artifacts import plan_path_for
from regression_model.config.core import Config
from regression_model.predict import load_model, make_prediction
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.price_ranges import FEATURE_NAMES
from regression_model.scoring.primitives import ONE_ROW
from regression_model.scoring.signals import BEYOND_TRAINING
from regression_model.scoring.validators import validate_table
from regression_model.training.range_calibration import (
    Calibration,
    difficulty_features,
    spec_sigma,
)


def test_sigma_is_the_same_for_a_batch_a_row_and_training(
    config: Config, train_frame: pd.DataFrame
) -> None:
    """Each train.csv row's difficulty (sigma) as the plan computes it for the
    batch equals, bit for bit, what training's spec_sigma computes from the
    calibrated spec, and what the plan computes for the row alone (Python
    floats, math.exp) to 1e-12; so do the ranges the plan serves."""
    model = load_model()
    intervals = model.plan.intervals
    assert intervals is not None
    scored = model.plan.score(validate_table(FrameInput(train_frame), config))
    assert scored.intervals is not None
    stored = json.loads(plan_path_for(model.path).read_text())["intervals"]
    features = difficulty_features(config).numeric(scored.log_prices, scored.signals)
    categories = {c: scored.state[c] for c in stored["tables"]}
    batch = intervals.sigma(features, categories)
    labels = {c: np.asarray(column.values(), dtype=str) for c, column in categories.items()}
    rows = np.arange(len(features))
    training = spec_sigma(stored, Calibration(np.zeros(len(rows)), features, labels, rows))
    np.testing.assert_array_equal(training, batch)
    expected = np.exp(
        np.column_stack(
            [
                scored.log_prices - stored["q_low"] * batch,
                scored.log_prices + stored["q_high"] * batch,
            ]
        )
    )
    np.testing.assert_array_equal(scored.intervals, expected)
    for row in rows.tolist():
        signals = {name: float(values[row]) for name, values in scored.signals.items()}
        row_features = intervals.features.numeric(float(scored.log_prices[row]), signals, ONE_ROW)
        row_labels = {c: labels[c][row] for c in categories}
        alone = intervals.sigma(row_features, row_labels, ONE_ROW)
        assert alone == pytest.approx(batch[row], rel=1e-12, abs=0.0)
    assert list(FEATURE_NAMES) == sorted(stored["weights"], key=list(FEATURE_NAMES).index)


def test_each_price_comes_with_a_range_around_it(test_frame: pd.DataFrame) -> None:
    """Every priced row of test.csv has low < price < high; a rejected row's range
    is None, aligned with its price."""
    frame = test_frame.head(300).copy()
    frame.loc[7, "GrLivArea"] = -5
    result = make_prediction(input_data=frame)
    assert len(result["intervals"]) == len(result["predictions"]) == 300
    for price, bounds in zip(result["predictions"], result["intervals"], strict=True):
        if price is None:
            assert bounds is None
        else:
            low, high = bounds
            assert low < price < high
    assert result["predictions"][7] is None and result["intervals"][7] is None


def test_a_house_beyond_training_gets_a_wider_range(house: dict[str, Any]) -> None:
    """The same house with its living area beyond the largest in training is
    warned about and gets a wider range, relative to its price, than as it is."""
    result = make_prediction(input_data=[house, {**house, "GrLivArea": 9000.0}])
    (low, high), (far_low, far_high) = result["intervals"]
    typical, far = result["predictions"]
    assert (far_high - far_low) / far > (high - low) / typical
    warned = [w for w in json.loads(result["warnings"]) if w["row"] == 1]
    assert any(w["kind"] == "out_of_range" and w["field"] == "GrLivArea" for w in warned)


def test_beyond_training_signal_marks_every_warned_row(
    test_frame: pd.DataFrame, config: Config
) -> None:
    """The plan's beyond-training signal, which widens ranges, is 1 exactly on the
    rows it warns about."""
    scored = load_model().plan.score(validate_table(FrameInput(test_frame), config))
    warned = sorted({f.index for f in scored.findings})
    assert np.flatnonzero(scored.signals[BEYOND_TRAINING]).tolist() == warned
    assert 0 < len(warned) < len(test_frame) // 10
