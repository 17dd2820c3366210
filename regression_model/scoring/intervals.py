"""Price ranges at scoring time: numpy only, from numbers stored in the plan.

A house's range is ``price * exp(-q_low * sigma)`` to ``price * exp(q_high *
sigma)``: normalized, asymmetric split-conformal prediction on log price.
``sigma`` is the house's difficulty: the typical size of the model's error on
houses like it, ``log sigma = intercept + weights . features + table[category]``,
never below ``floor``. The features are what is known when a house is priced:
its predicted log price (with hinges below and above two price knots, since
the cheapest and dearest sales are priced least reliably), whether it lies
beyond the training data, and how many of its categories were too rare to be
priced on their own. Training fits the weights on cross-validated residuals
and calibrates ``q_low`` and ``q_high`` so the range holds the true price as
often as ``coverage`` says (see ``regression_model.training.intervals``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regression_model.scoring.columns import CatColumn
from regression_model.scoring.signals import BEYOND_TRAINING, RARE_CATEGORIES

__all__ = [
    "FEATURE_NAMES",
    "DifficultyFeatures",
    "IntervalModel",
]

# Names of the numeric difficulty features, in the order ``numeric`` returns them.
FEATURE_NAMES = ("log_price", "below_low_knot", "above_high_knot", BEYOND_TRAINING, RARE_CATEGORIES)


@dataclass(frozen=True)
class DifficultyFeatures:
    """What a house's difficulty is computed from.

    Parameters
    ----------
    log_knots : tuple of float
        The log prices below and above which errors grow (hinge features).
    categories : tuple of str
        Categorical columns with a weight per category (e.g. SaleCondition).
    """

    log_knots: tuple[float, float]
    categories: tuple[str, ...] = ()

    def numeric(self, log_prices: np.ndarray, signals: Mapping[str, np.ndarray]) -> np.ndarray:
        """The numeric features, one column each, in ``FEATURE_NAMES`` order."""
        low, high = self.log_knots
        zeros = np.zeros(len(log_prices))
        return np.column_stack(
            [
                log_prices,
                np.maximum(low - log_prices, 0.0),
                np.maximum(log_prices - high, 0.0),
                signals.get(BEYOND_TRAINING, zeros),
                signals.get(RARE_CATEGORIES, zeros),
            ]
        )


@dataclass
class IntervalModel:
    """The calibrated price-range model of one trained model (see module doc)."""

    coverage: float
    features: DifficultyFeatures
    intercept: float
    weights: np.ndarray
    tables: dict[str, dict[str, float]] = field(default_factory=dict)
    floor: float = 0.0
    q_low: float = 0.0
    q_high: float = 0.0

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> IntervalModel:
        """Build from the ``intervals`` section of a scoring plan spec."""
        names = sorted(spec["weights"])
        if names != sorted(FEATURE_NAMES):
            raise ValueError(f"interval features {names}, expected {sorted(FEATURE_NAMES)}")
        return cls(
            coverage=float(spec["coverage"]),
            features=DifficultyFeatures(
                log_knots=(float(spec["log_knots"][0]), float(spec["log_knots"][1])),
                categories=tuple(spec["tables"]),
            ),
            intercept=float(spec["intercept"]),
            weights=np.array([float(spec["weights"][n]) for n in FEATURE_NAMES]),
            tables={k: {str(c): float(w) for c, w in t.items()} for k, t in spec["tables"].items()},
            floor=float(spec["floor"]),
            q_low=float(spec["q_low"]),
            q_high=float(spec["q_high"]),
        )

    def sigma(
        self,
        log_prices: np.ndarray,
        signals: Mapping[str, np.ndarray],
        categories: Mapping[str, CatColumn],
    ) -> np.ndarray:
        """Each house's difficulty; ``categories`` holds every column of
        ``tables`` (a category not in its table weighs 0, as does a missing one)."""
        log_sigma = self.intercept + self.features.numeric(log_prices, signals) @ self.weights
        for column, table in self.tables.items():
            cat = categories[column]
            weights = np.array([table.get(str(c), 0.0) for c in cat.categories] + [0.0])
            log_sigma += cat.lookup(weights)
        sigma: np.ndarray = np.maximum(np.exp(log_sigma), self.floor)
        return sigma

    def row_bounds(
        self, log_price: float, signals: Mapping[str, float], values: Mapping[str, Any]
    ) -> tuple[float, float]:
        """:meth:`bounds` of one row, on Python floats; ``values`` holds the row's
        category of each column of ``tables``."""
        low_knot, high_knot = self.features.log_knots
        features = (
            log_price,
            max(low_knot - log_price, 0.0),
            max(log_price - high_knot, 0.0),
            signals.get(BEYOND_TRAINING, 0.0),
            signals.get(RARE_CATEGORIES, 0.0),
        )
        log_sigma = self.intercept + float(self.weights @ np.array(features))
        for column, table in self.tables.items():
            label = values[column]
            log_sigma += 0.0 if label is None else table.get(str(label), 0.0)
        sigma = max(_exp(log_sigma), self.floor)
        return _exp(log_price - self.q_low * sigma), _exp(log_price + self.q_high * sigma)

    def bounds(
        self,
        log_prices: np.ndarray,
        signals: Mapping[str, np.ndarray],
        categories: Mapping[str, CatColumn],
    ) -> np.ndarray:
        """``(rows, 2)``: the low and high end of each house's range, in dollars."""
        sigma = self.sigma(log_prices, signals, categories)
        bounds: np.ndarray = np.exp(
            np.column_stack([log_prices - self.q_low * sigma, log_prices + self.q_high * sigma])
        )
        return bounds


def _exp(value: float) -> float:
    """np.exp's answer for one float: inf on overflow, not an error."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf
