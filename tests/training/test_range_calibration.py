"""Calibrating the price ranges: conformal quantiles and honest coverage."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regression_model.config.core import Config
from regression_model.training.range_calibration import (
    Calibration,
    conformal_quantile,
    coverage_report,
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
