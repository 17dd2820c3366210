"""Repeated cross-validation: every row scored once per seed, by a model that
never saw it, and the figures computed from those scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regression_model.config.core import Config
from regression_model.pipeline import build_pipeline
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.validators import validate_table
from regression_model.training.evaluation import (
    CrossValidation,
    accuracy,
    cross_validate,
    cv_folds,
    quiet_fit,
    range_report,
)
from regression_model.training.training_rows import training_frame


@pytest.mark.slow
def test_every_row_is_scored_by_a_model_fitted_without_it(
    config: Config, train_frame: pd.DataFrame
) -> None:
    """On 400 rows of train.csv and two seeds: each row gets one finite price per
    seed, from the fold that holds it, equal to a pipeline fitted on the other
    folds' rows; rows that may not be fitted on are still scored."""
    raw = train_frame.head(400).reset_index(drop=True)
    X, y, _ = training_frame(raw, config)
    batch = validate_table(FrameInput(raw), config)
    fit_rows = np.ones(len(y), dtype=bool)
    fit_rows[[3, 50]] = False
    cv = cross_validate(config, batch, X, y, fit_rows=fit_rows, seeds=[7, 8])
    assert cv.log_predicted.shape == (2, 400) and np.isfinite(cv.log_predicted).all()
    for s, seed in enumerate([7, 8]):
        for fold, (_, test) in enumerate(cv_folds(config, seed).split(X)):
            assert (cv.fold[s, test] == fold).all()
        train, test = next(cv_folds(config, seed).split(X))
        train = train[fit_rows[train]]
        with quiet_fit():
            fitted = build_pipeline(config).fit(X.iloc[train], y.iloc[train])
        alone = fitted.predict(X.iloc[test])
        np.testing.assert_allclose(np.exp(cv.log_predicted[s, test]), alone, rtol=1e-9)


def _cv(residuals: np.ndarray, fold: np.ndarray) -> CrossValidation:
    actual = np.full(residuals.shape[1], 12.0)
    return CrossValidation(
        seeds=list(range(len(residuals))),
        log_actual=actual,
        log_predicted=actual[None, :] - residuals,
        fold=fold,
        beyond_range=np.abs(residuals) > 0.5,
        signals={},
        labels={},
    )


def test_accuracy_is_pooled_and_fold_mean_with_and_without_flagged_rows() -> None:
    """Pooled RMSLE weighs every row once; the fold mean averages each fold's
    RMSLE; the flagged rows count in the headline and not in the figure beside."""
    residuals = np.array([[0.1, -0.1, 0.1, -0.1, 1.0, 0.0]])
    fold = np.array([[0, 0, 1, 1, 1, 0]])
    flagged = np.array([False, False, False, False, True, False])
    report = accuracy(_cv(residuals, fold), flagged)
    every = report["all_rows"]["per_seed"][0]
    assert every["pooled"] == pytest.approx(np.sqrt((4 * 0.01 + 1.0) / 6))
    fold_zero, fold_one = np.sqrt(0.02 / 3), np.sqrt(1.02 / 3)
    assert every["fold_mean"] == pytest.approx((fold_zero + fold_one) / 2)
    without = report["without_flagged"]["per_seed"][0]
    assert without["pooled"] == pytest.approx(np.sqrt(0.04 / 5))
    assert report["all_rows"]["rows"] == 6 and report["without_flagged"]["rows"] == 5


def test_range_report_scores_the_rows_beyond_training_apart() -> None:
    """Rows flagged beyond training are counted per seed and scored apart."""
    residuals = np.array([[0.1, -0.1, 0.8, 0.0], [0.1, 0.9, 0.1, 0.0]])
    report = range_report(_cv(residuals, np.zeros((2, 4), dtype=int)))
    assert report["rows"] == 1.0
    assert report["rmsle_beyond"] == pytest.approx((0.8 + 0.9) / 2)
    within_one = np.sqrt((0.01 + 0.01) / 3)
    within_two = np.sqrt((0.01 + 0.01) / 3)
    assert report["rmsle_within"] == pytest.approx((within_one + within_two) / 2)
