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
often as ``coverage`` says (see ``regression_model.training.range_calibration``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regression_model.scoring.primitives import COLUMNS, ONE_ROW, Primitives, table_weight
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

    def numeric(
        self, log_prices: Any, signals: Mapping[str, Any], xp: Primitives = COLUMNS
    ) -> np.ndarray:
        """The numeric features in ``FEATURE_NAMES`` order: a column each (rows
        by features), or for one row (``xp`` ``ONE_ROW``, ``log_prices`` its
        float) a vector."""
        low, high = self.log_knots
        zeros = xp.zeros(1 if xp.one_row else len(log_prices))
        features: np.ndarray = xp.side_by_side(
            [
                log_prices,
                xp.maximum(low - log_prices, 0.0),
                xp.maximum(log_prices - high, 0.0),
                signals.get(BEYOND_TRAINING, zeros),
                signals.get(RARE_CATEGORIES, zeros),
            ]
        )
        return features


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

    def __post_init__(self) -> None:
        rules = [(column, table_weight(table)) for column, table in self.tables.items()]
        self._tables = {
            xp.one_row: [(column, xp.weighing(rule)) for column, rule in rules]
            for xp in (COLUMNS, ONE_ROW)
        }

    def sigma(
        self, features: np.ndarray, categories: Mapping[str, Any], xp: Primitives = COLUMNS
    ) -> Any:
        """Each house's difficulty, from its numeric features (as
        :meth:`DifficultyFeatures.numeric` gives them) and its category of
        each column of ``tables`` (a column, or one row's label)."""
        log_sigma = self.intercept + xp.weighted(features, self.weights)
        for column, weigh in self._tables[xp.one_row]:
            log_sigma += weigh(categories[column])
        return xp.maximum(xp.exp(log_sigma), self.floor)

    def bounds(
        self,
        log_prices: Any,
        signals: Mapping[str, Any],
        categories: Mapping[str, Any],
        xp: Primitives = COLUMNS,
    ) -> Any:
        """The low and high end of each house's range, in dollars: ``(rows,
        2)``, or for one row (``xp`` ``ONE_ROW``) a pair of floats.
        ``categories`` holds every column of ``tables``."""
        features = self.features.numeric(log_prices, signals, xp)
        sigma = self.sigma(features, categories, xp)
        return xp.ends(log_prices - self.q_low * sigma, log_prices + self.q_high * sigma)
