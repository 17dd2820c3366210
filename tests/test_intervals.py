"""Price ranges: calibrated by conformal prediction, served by the scoring plan."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regression_model.artifacts import plan_path_for
from regression_model.config.core import Config
from regression_model.predict import load_model, make_prediction
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.intervals import FEATURE_NAMES
from regression_model.scoring.signals import BEYOND_TRAINING
from regression_model.scoring.validation import validate_table
from regression_model.training.intervals import (
    Calibration,
    conformal_quantile,
    coverage_report,
    difficulty_features,
    spec_sigma,
)


@given(
    n=st.integers(min_value=2, max_value=600),
    seed=st.integers(min_value=0, max_value=2**16),
    lower=st.sampled_from([2.5, 5, 10, 25]),
)
def test_conformal_quantiles_equal_crepes(n: int, seed: int, lower: float) -> None:
    """On random residuals and difficulties, our two tail quantiles of r / sigma
    equal crepes' conformal predictive system at the same percentiles (infinite
    when too few rows, as crepes' y_min / y_max)."""
    from crepes import ConformalPredictiveSystem

    rng = np.random.default_rng(seed)
    residuals = rng.standard_t(4, n) * 0.1
    sigmas = np.exp(rng.normal(-2.0, 0.3, n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # crepes: "too few examples"
        system = ConformalPredictiveSystem().fit(residuals, sigmas=sigmas)
        low, high = system.predict(
            np.zeros(1),
            sigmas=np.ones(1),
            lower_percentiles=[lower],
            higher_percentiles=[100 - lower],
        )[0]
    scores = residuals / sigmas
    assert -conformal_quantile(-scores, 1 - lower / 100) == pytest.approx(low)
    assert conformal_quantile(scores, 1 - lower / 100) == pytest.approx(high)


def test_repeated_houses_give_the_quantile_of_one_copy() -> None:
    """Scores of the same houses stacked once per CV seed give the quantile of a
    single copy when the number of houses is passed."""
    scores = np.random.default_rng(0).normal(size=999)
    stacked = np.tile(scores, 5)
    for level in (0.8, 0.9, 0.95, 0.975):
        assert conformal_quantile(stacked, level, n_houses=999) == conformal_quantile(scores, level)


def _synthetic(n: int, seed: int) -> tuple[list[Calibration], np.ndarray, np.ndarray]:
    """Rows whose log error grows tenfold with the 'beyond training' flag."""
    rng = np.random.default_rng(seed)
    log_predicted = rng.normal(12.0, 0.3, (3, n))
    beyond = rng.random((3, n)) < 0.2
    residuals = rng.normal(0, 1, (3, n)) * np.where(beyond, 0.5, 0.05)
    calibrations = []
    for s in range(3):
        features = np.column_stack(
            [log_predicted[s], np.zeros(n), np.zeros(n), beyond[s].astype(float), np.zeros(n)]
        )
        labels = {"SaleCondition": np.array(["Normal"] * n)}
        calibrations.append(Calibration(residuals[s], features, labels, np.arange(n)))
    return calibrations, log_predicted, residuals


def test_coverage_report_calibrates_each_fold_on_the_others(config: Config) -> None:
    """On synthetic CV rows whose errors are ten times larger when beyond training,
    the honest per-fold calibration covers close to the nominal share overall and
    among the beyond-training rows, whose ranges are much wider."""
    n = 2000
    calibrations, log_predicted, residuals = _synthetic(n, seed=1)
    fold = np.tile(np.arange(n) % 5, (3, 1))
    beyond = np.array([c.features[:, 3] > 0 for c in calibrations])
    log_actual = log_predicted[0] + residuals[0]
    # Every seed shares the same actual prices; make each seed's predictions agree.
    log_predicted = log_actual[None, :] - residuals
    report = coverage_report(calibrations, log_predicted, log_actual, fold, beyond, config)
    nominal = config.model_config.prediction_intervals.coverage
    assert report["coverage"] == pytest.approx(nominal, abs=0.015)
    assert report["beyond_training"]["coverage"] == pytest.approx(nominal, abs=0.04)
    assert report["beyond_training"]["median_width"] > 5 * report["median_width"]


def test_plan_ranges_equal_the_training_formula(config: Config, train_frame: pd.DataFrame) -> None:
    """The ranges the shipped plan serves for every train.csv row equal those the
    calibrated spec gives from training's own design of the same rows."""
    model = load_model()
    scored = model.plan.score(validate_table(FrameInput(train_frame), config))
    assert scored.intervals is not None
    stored = json.loads(plan_path_for(model.path).read_text())["intervals"]
    features = difficulty_features(config).numeric(scored.log_prices, scored.signals)
    labels = {c: np.asarray(scored.state[c].values(), dtype=str) for c in stored["tables"]}
    rows = np.arange(len(features))
    sigma = spec_sigma(stored, Calibration(np.zeros(len(rows)), features, labels, rows))
    low = scored.log_prices - stored["q_low"] * sigma
    high = scored.log_prices + stored["q_high"] * sigma
    expected = np.exp(np.column_stack([low, high]))
    np.testing.assert_allclose(scored.intervals, expected, rtol=1e-12)
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
