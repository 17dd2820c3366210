"""Calibrate the price ranges on cross-validated residuals in log space.

Normalized, asymmetric split-conformal prediction (Papadopoulos et al.; the
method of crepes' ``ConformalPredictiveSystem`` with difficulty estimates):

1. Each training row's out-of-fold residual ``r = log(actual) - log(predicted)``
   comes from repeated k-fold CV, with its difficulty features computed by the
   fold's own scoring plan (so a row beyond the other folds' range counts as
   beyond training, as a new house would).
2. A ridge regression of ``log |r|`` on those features gives each row a
   difficulty ``sigma`` (cross-fitted over houses, so no row's sigma saw its
   own residual), never below the ``floor_quantile`` of the fitted sigmas.
3. ``q_high`` is the conformal quantile of ``r / sigma`` at ``1 - alpha / 2``,
   ``q_low`` that of ``-r / sigma``, with the finite-sample correction
   ``ceil((n + 1) * level)``: each tail misses about ``alpha / 2`` of the time.

The stored weights come from all rows; only numbers go into the scoring plan
(see ``regression_model.scoring.price_ranges``). MAPIE and crepes were evaluated
for this and reproduce these quantiles on the same residuals (a test checks
crepes does), but neither is needed: scoring must run from stored numbers,
and the calibration itself is an order statistic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regression_model.config.core import Config
from regression_model.scoring.columns import CatColumn
from regression_model.scoring.price_ranges import FEATURE_NAMES, DifficultyFeatures, IntervalModel

__all__ = [
    "BAND_NAMES",
    "PRICE_BANDS",
    "SIGMA_FOLDS",
    "SMALLEST_RESIDUAL",
    "Calibration",
    "band_of",
    "calibrate",
    "conformal_quantile",
    "coverage_report",
    "difficulty_features",
    "spec_sigma",
]

# Cross-fitting folds for the calibration scores, and the smallest |residual|
# whose log is taken (a perfect prediction would otherwise give -inf).
SIGMA_FOLDS = 5
SMALLEST_RESIDUAL = 1e-4


@dataclass
class Calibration:
    """Cross-validated rows to calibrate on: residual, features, categories."""

    residuals: np.ndarray  # (rows,)
    features: np.ndarray  # (rows, len(FEATURE_NAMES))
    labels: dict[str, np.ndarray]  # column -> category of each row (object)
    houses: np.ndarray  # (rows,): which training house each row is (seeds repeat them)

    def subset(self, rows: np.ndarray) -> Calibration:
        return Calibration(
            self.residuals[rows],
            self.features[rows],
            {k: v[rows] for k, v in self.labels.items()},
            self.houses[rows],
        )


def difficulty_features(config: Config) -> DifficultyFeatures:
    """The features config.yml names for the difficulty model."""
    settings = config.model_config.prediction_intervals
    low, high = settings.price_knots
    return DifficultyFeatures(
        log_knots=(math.log(low), math.log(high)), categories=tuple(settings.by_category)
    )


def conformal_quantile(scores: np.ndarray, level: float, n_houses: int | None = None) -> float:
    """The ``ceil((n + 1) * level)``-th smallest score (``inf`` when n is too
    small), with ``n`` the number of distinct houses when scores repeat them.

    Examples
    --------
    >>> import numpy as np
    >>> from regression_model.training.range_calibration import conformal_quantile
    >>> conformal_quantile(np.arange(1.0, 20.0), 0.9)  # the 18th of 19
    18.0
    """
    n = len(scores) if n_houses is None else n_houses
    # Rounded first: (n + 1) * 0.95 must give 475 for n = 499, not 475.00000000000006.
    rank = math.ceil(round((n + 1) * level, 9))
    if rank > n:
        return math.inf
    # The same share of the scores when each house appears len(scores) / n times.
    index = -(-rank * len(scores) // n) - 1
    return float(np.partition(scores, index)[index])


def _design(calibration: Calibration, levels: Mapping[str, list[str]]) -> np.ndarray:
    """Numeric features, then one 0/1 column per category of each column."""
    dummies = [
        (calibration.labels[column] == level).astype(np.float64)
        for column, names in levels.items()
        for level in names
    ]
    return np.column_stack([calibration.features, *dummies])


def _fit_log_sigma(
    calibration: Calibration, levels: Mapping[str, list[str]], ridge: float
) -> tuple[float, np.ndarray]:
    """Ridge regression of log |residual| on the standardised design; returns
    the intercept and weights on the unstandardised design."""
    from sklearn.linear_model import Ridge

    design = _design(calibration, levels)
    mean, scale = design.mean(axis=0), design.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    target = np.log(np.maximum(np.abs(calibration.residuals), SMALLEST_RESIDUAL))
    fitted = Ridge(alpha=ridge).fit((design - mean) / scale, target)
    weights = fitted.coef_ / scale
    return float(fitted.intercept_ - weights @ mean), weights


def _fitted_sigma(
    calibration: Calibration, levels: Mapping[str, list[str]], intercept: float, weights: np.ndarray
) -> np.ndarray:
    """The sigma a fit of :func:`_fit_log_sigma` gives rows, without the floor
    (from the design it was fitted on: the calibration's own arithmetic)."""
    sigma: np.ndarray = np.exp(intercept + _design(calibration, levels) @ weights)
    return sigma


def _levels(calibration: Calibration, columns: tuple[str, ...]) -> dict[str, list[str]]:
    return {c: sorted({str(v) for v in calibration.labels[c]}) for c in columns}


def calibrate(calibration: Calibration, config: Config) -> dict[str, Any]:
    """The ``intervals`` section of a scoring plan spec."""
    settings = config.model_config.prediction_intervals
    features = difficulty_features(config)
    levels = _levels(calibration, features.categories)
    crossed = _cross_fitted_sigma(calibration, levels, settings.ridge)
    intercept, weights = _fit_log_sigma(calibration, levels, settings.ridge)
    fitted = _fitted_sigma(calibration, levels, intercept, weights)
    floor = float(np.quantile(fitted, settings.floor_quantile))
    scores = calibration.residuals / np.maximum(crossed, floor)
    n_houses = len(np.unique(calibration.houses))
    level = 1 - (1 - settings.coverage) / 2
    numeric = dict(zip(FEATURE_NAMES, weights[: len(FEATURE_NAMES)].tolist(), strict=True))
    tables: dict[str, dict[str, float]] = {}
    position = len(FEATURE_NAMES)
    for column, names in levels.items():
        tables[column] = dict(
            zip(names, weights[position : position + len(names)].tolist(), strict=True)
        )
        position += len(names)
    return {
        "coverage": settings.coverage,
        "log_knots": list(features.log_knots),
        "intercept": intercept,
        "weights": numeric,
        "tables": tables,
        "floor": floor,
        "q_low": conformal_quantile(-scores, level, n_houses),
        "q_high": conformal_quantile(scores, level, n_houses),
        "calibration_rows": len(scores),
        "calibration_houses": n_houses,
    }


def _cross_fitted_sigma(
    calibration: Calibration, levels: Mapping[str, list[str]], ridge: float
) -> np.ndarray:
    """Each row's sigma from a model fitted without its house."""
    houses = np.unique(calibration.houses)
    groups = np.array_split(np.random.default_rng(0).permutation(houses), SIGMA_FOLDS)
    sigma = np.empty(len(calibration.residuals))
    for group in groups:
        held = np.isin(calibration.houses, group)
        intercept, weights = _fit_log_sigma(calibration.subset(~held), levels, ridge)
        sigma[held] = _fitted_sigma(calibration.subset(held), levels, intercept, weights)
    return sigma


def spec_sigma(spec: Mapping[str, Any], calibration: Calibration) -> np.ndarray:
    """The sigma a calibrated spec gives rows: the scoring plan's own
    computation (:meth:`~regression_model.scoring.price_ranges.IntervalModel.sigma`)
    on their numeric features and categories."""
    model = IntervalModel.from_spec(spec)
    categories = {c: CatColumn.from_values(calibration.labels[c].tolist()) for c in model.tables}
    sigma: np.ndarray = model.sigma(calibration.features, categories)
    return sigma


PRICE_BANDS = (0.0, 100_000.0, 150_000.0, 200_000.0, 300_000.0, math.inf)
BAND_NAMES = ("under $100k", "$100k-150k", "$150k-200k", "$200k-300k", "$300k and over")


def band_of(prices: np.ndarray) -> pd.Categorical:
    """The price band of each price (the model card's bands)."""
    return pd.cut(prices, PRICE_BANDS, labels=list(BAND_NAMES), right=False)


def coverage_report(
    calibrations: list[Calibration],
    log_predicted: np.ndarray,
    log_actual: np.ndarray,
    fold: np.ndarray,
    beyond: np.ndarray,
    config: Config,
) -> dict[str, Any]:
    """Coverage and width of the ranges under repeated CV, calibrated honestly:
    each fold's ranges come from a calibration on the same seed's other folds.

    ``calibrations[s]`` holds seed ``s``'s rows in training order; the other
    arrays are ``(seeds, rows)`` (``log_actual``: ``(rows,)``).
    """
    covered = np.zeros_like(log_predicted, dtype=bool)
    width = np.zeros_like(log_predicted)
    for s, calibration in enumerate(calibrations):
        for f in np.unique(fold[s]):
            test = fold[s] == f
            spec = calibrate(calibration.subset(~test), config)
            sigma = spec_sigma(spec, calibration.subset(test))
            low = log_predicted[s, test] - spec["q_low"] * sigma
            high = log_predicted[s, test] + spec["q_high"] * sigma
            covered[s, test] = (low <= log_actual[test]) & (log_actual[test] <= high)
            width[s, test] = (np.exp(high) - np.exp(low)) / np.exp(log_predicted[s, test])
    bands = np.broadcast_to(np.asarray(band_of(np.exp(log_actual))), covered.shape)
    by_band = {
        str(name): {
            "rows": int((bands[0] == name).sum()),
            "coverage": float(covered[bands == name].mean()),
            "median_width": float(np.median(width[bands == name])),
        }
        for name in BAND_NAMES
    }
    return {
        "nominal": config.model_config.prediction_intervals.coverage,
        "coverage": float(covered.mean()),
        "coverage_per_seed": [float(c) for c in covered.mean(axis=1)],
        "median_width": float(np.median(width)),
        "by_band": by_band,
        "beyond_training": {
            "rows_per_seed": float(beyond.sum(axis=1).mean()),
            "coverage": float(covered[beyond].mean()) if beyond.any() else None,
            "median_width": float(np.median(width[beyond])) if beyond.any() else None,
        },
    }
