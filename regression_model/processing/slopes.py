"""A slope per category: a numeric column's effect, category by category."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from regression_model.processing._frames import validated_frame

__all__ = [
    "CategorySlopes",
]


class CategorySlopes(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Give a numeric column its own slope within each common category: for each
    category ``c`` of ``category`` holding at least ``min_share`` of the training
    rows, add the column ``1[category == c] * (clip(variable) - center)``.

    A linear model then prices, say, an extra square foot differently in each
    neighbourhood. The variable is clipped to its training range, so a house
    beyond it gets no more than the largest training house's slope effect, and
    centred on its training median, so the common categories' own weights keep
    meaning the price of a typical house there. Rare categories get no column:
    they share the general slope.

    Parameters
    ----------
    category : str, optional
        The categorical column; ``None`` (with ``variable``) adds nothing.
    variable : str, optional
        The numeric column.
    min_share : float, default=0.01
        Share of the training rows a category needs for a slope of its own.

    Attributes
    ----------
    categories_ : list
        The categories that get a column, sorted by their text.
    lower_, upper_, center_ : float
        The variable's training minimum, maximum and median.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.features import CategorySlopes
    >>> frame = pd.DataFrame({"Neighborhood": ["NAmes", "NAmes", "Edwards"],
    ...                       "TotalSF": [7.0, 8.0, 9.0]})
    >>> out = CategorySlopes("Neighborhood", "TotalSF").fit(frame).transform(frame)
    >>> out["TotalSF_x_Neighborhood_NAmes"].tolist()
    [-1.0, 0.0, 0.0]
    """

    def __init__(
        self, category: str | None = None, variable: str | None = None, min_share: float = 0.01
    ) -> None:
        self.category = category
        self.variable = variable
        self.min_share = min_share

    def fit(self, X: Any, y: Any = None) -> CategorySlopes:
        """Learn the common categories and the variable's range and median."""
        frame = self._frame(X, reset=True)
        self.categories_: list[Any] = []
        self.lower_ = self.upper_ = self.center_ = 0.0
        if self.category is None or self.variable is None:
            return self
        absent = [c for c in (self.category, self.variable) if c not in frame.columns]
        if absent:
            raise ValueError(f"CategorySlopes: columns {absent} are not in the input")
        shares = frame[self.category].value_counts(normalize=True)
        self.categories_ = sorted(shares.index[shares >= self.min_share].tolist(), key=str)
        values = frame[self.variable].astype(np.float64)
        self.lower_, self.upper_ = float(values.min()), float(values.max())
        self.center_ = float(values.median())
        return self

    def transform(self, X: Any) -> Any:
        """Return a copy of ``X`` with one slope column per common category."""
        check_is_fitted(self, "categories_")
        frame = self._frame(X, reset=False)
        names = self.slope_names()
        if not names:
            return frame.copy() if isinstance(X, pd.DataFrame) else np.array(X, copy=True)
        centred = np.clip(frame[self.variable].to_numpy(np.float64), self.lower_, self.upper_)
        centred -= self.center_
        labels = frame[self.category].to_numpy()
        slopes = np.column_stack([(labels == c) * centred for c in self.categories_])
        added = pd.DataFrame(slopes, columns=names, index=frame.index)
        if not isinstance(X, pd.DataFrame):
            return np.hstack([frame.to_numpy(), slopes])
        return pd.concat([frame.copy(), added], axis=1)

    def slope_names(self) -> list[str]:
        """The added columns, in the order of ``categories_``."""
        check_is_fitted(self, "categories_")
        return [f"{self.variable}_x_{self.category}_{c}" for c in self.categories_]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Input column names, then the slope columns."""
        check_is_fitted(self, "categories_")
        names = [str(n) for n in getattr(self, "feature_names_in_", [])] or [
            f"x{i}" for i in range(self.n_features_in_)
        ]
        return np.asarray(names + self.slope_names(), dtype=object)

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        return validated_frame(self, X, reset=reset)
