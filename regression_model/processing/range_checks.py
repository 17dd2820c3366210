"""Checks that tell when a house lies beyond what the model learned.

Both are pass-through steps of the pipeline: ``transform`` returns a copy of
its input, so prices do not depend on them. What they learn in ``fit`` (the
training range of each field, the spread of the training houses) is compiled
into the scoring plan, which warns about every priced row they flag; their
``check`` methods give the same verdicts from Python, for cross-validation
reports and tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from regression_model.mahalanobis import JointDistance
from regression_model.messages import beyond_range, unusual_combination
from regression_model.processing._frames import validated_frame

__all__ = [
    "NAMED_FIELDS",
    "FieldRangeChecker",
    "JointRangeChecker",
]

# How many fields a joint warning names: those adding most to the distance.
NAMED_FIELDS = 3


class _PassThrough(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Shared by the checks: validate, remember the columns, hand back a copy."""

    variables: list[str] | None

    def transform(self, X: Any) -> Any:
        """Return a copy of ``X``: the check changes no value."""
        check_is_fitted(self, "variables_")
        self._frame(X, reset=False)
        return X.copy() if isinstance(X, pd.DataFrame) else np.array(X, copy=True)

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        allow_nan = self.__sklearn_tags__().input_tags.allow_nan
        return validated_frame(self, X, reset=reset, allow_nan=allow_nan)

    def _values(self, frame: pd.DataFrame) -> np.ndarray:
        absent = [v for v in self.variables_ if v not in frame.columns]
        if absent:
            raise ValueError(f"{type(self).__name__}: columns {absent} are not in the input")
        values: np.ndarray = frame[self.variables_].to_numpy(dtype=np.float64)
        return values

    def _variables(self, frame: pd.DataFrame) -> list[str]:
        return [str(c) for c in frame.columns] if self.variables is None else list(self.variables)


class FieldRangeChecker(_PassThrough):
    """Learn each numeric field's training range; flag values beyond it.

    Parameters
    ----------
    variables : list of str, optional
        The numeric columns to check; ``None`` checks every column.

    Attributes
    ----------
    variables_ : list of str
        The checked columns.
    lower_, upper_ : ndarray of float
        The smallest and largest value of each column in training (missing
        values ignored).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.range_checks import FieldRangeChecker
    >>> train = pd.DataFrame({"GrLivArea": [900.0, 1500.0, 4676.0]})
    >>> checker = FieldRangeChecker(["GrLivArea"]).fit(train)
    >>> checker.check(pd.DataFrame({"GrLivArea": [1200.0, 5095.0]}))
    [(1, 'GrLivArea', 'GrLivArea 5,095 is above the largest value in training (4,676)')]
    """

    def __init__(self, variables: list[str] | None = None) -> None:
        self.variables = variables

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing value is not out of range
        return tags

    def fit(self, X: Any, y: Any = None) -> FieldRangeChecker:
        """Learn the smallest and largest training value of each column."""
        frame = self._frame(X, reset=True)
        self.variables_ = self._variables(frame)
        values = self._values(frame)
        self.lower_ = np.nanmin(values, axis=0) if len(values) else np.full(values.shape[1], np.nan)
        self.upper_ = np.nanmax(values, axis=0) if len(values) else np.full(values.shape[1], np.nan)
        return self

    def check(self, X: Any) -> list[tuple[int, str, str]]:
        """``(row, field, message)`` for each value beyond its training range,
        rows numbered by position in ``X``."""
        check_is_fitted(self, "variables_")
        values = self._values(self._frame(X, reset=False))
        found = []
        with np.errstate(invalid="ignore"):
            below, above = values < self.lower_, values > self.upper_
        for row, column in zip(*np.nonzero(below | above), strict=True):
            found.append((int(row), self.variables_[column], self.describe(values, row, column)))
        return sorted(found)

    def describe(self, values: np.ndarray, row: int, column: int) -> str:
        """The warning for one value beyond its range."""
        return beyond_range(
            self.variables_[column],
            float(values[row, column]),
            float(self.lower_[column]),
            float(self.upper_[column]),
        )


class JointRangeChecker(_PassThrough):
    """Flag rows whose combination of values is unlike the training rows', by
    their Mahalanobis distance from the training mean.

    The covariance is estimated with Ledoit-Wolf shrinkage on standardised
    columns, so it stays invertible when columns are nearly collinear (a
    house's total area and its floors' areas). A row is flagged when its
    distance exceeds the ``quantile`` of the training rows' own distances.

    Parameters
    ----------
    variables : list of str, optional
        The numeric columns, as the model sees them (imputed, logged); ``None``
        uses every column. They must hold no missing value.
    quantile : float, default=0.995
        Share of the training rows that lie within the threshold.

    Attributes
    ----------
    variables_ : list of str
        The columns the distance is measured on.
    mean_, scale_ : ndarray of float
        Standardisation of each column.
    whitening_ : ndarray of shape (n_columns, n_columns)
        ``W`` with ``distance = ||(x - mean_) / scale_ @ W||``.
    threshold_ : float
        The distance beyond which a row is flagged.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from regression_model.processing.range_checks import JointRangeChecker
    >>> rng = np.random.default_rng(0)
    >>> area = rng.normal(1500, 300, 500)
    >>> rooms = area / 200 + rng.normal(0, 0.5, 500)
    >>> train = pd.DataFrame({"GrLivArea": area, "TotRmsAbvGrd": rooms})
    >>> checker = JointRangeChecker(quantile=0.99).fit(train)
    >>> [row for row, _, _ in checker.check(pd.DataFrame({"GrLivArea": [1500.0, 900.0],
    ...                                                   "TotRmsAbvGrd": [7.5, 12.0]}))]
    [1]
    """

    def __init__(self, variables: list[str] | None = None, quantile: float = 0.995) -> None:
        self.variables = variables
        self.quantile = quantile

    def fit(self, X: Any, y: Any = None) -> JointRangeChecker:
        """Learn the standardisation, the shrunk covariance and the threshold."""
        from sklearn.covariance import LedoitWolf

        if not 0 < self.quantile <= 1:
            raise ValueError(f"quantile must be in (0, 1], got {self.quantile!r}")
        frame = self._frame(X, reset=True)
        self.variables_ = self._variables(frame)
        values = self._values(frame)
        if np.isnan(values).any():
            raise ValueError("JointRangeChecker: the columns must hold no missing value")
        self.mean_ = values.mean(axis=0)
        scale = values.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        standard = (values - self.mean_) / self.scale_
        precision = np.linalg.pinv(LedoitWolf().fit(standard).covariance_, hermitian=True)
        self.whitening_ = _whitening(precision)
        self.threshold_ = float(np.quantile(self.distances(values), self.quantile))
        return self

    def distances(self, values: np.ndarray) -> np.ndarray:
        """Each row's Mahalanobis distance from the training mean."""
        return self._distance().of_rows(values)

    def _distance(self) -> JointDistance:
        return JointDistance(self.mean_, self.scale_, self.whitening_)

    def check(self, X: Any) -> list[tuple[int, str, str]]:
        """``(row, fields, message)`` for each row beyond the threshold; ``fields``
        names the columns adding most to its distance, comma-separated."""
        check_is_fitted(self, "variables_")
        values = self._values(self._frame(X, reset=False))
        distances = self.distances(values)
        found = []
        for row in np.flatnonzero(distances > self.threshold_).tolist():
            fields = self.main_fields(values[row])
            found.append((row, ", ".join(fields), self.describe(fields, distances[row])))
        return found

    def main_fields(self, row: np.ndarray) -> list[str]:
        """The columns adding most to one row's squared distance."""
        return self._distance().main_fields(row[None, :], self.variables_, NAMED_FIELDS)[0]

    def describe(self, fields: list[str], distance: float) -> str:
        """The warning for one flagged row."""
        return unusual_combination(fields, float(distance), self.quantile, self.threshold_)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _whitening(precision: np.ndarray) -> np.ndarray:
    """``W`` with ``W @ W.T == precision`` (a symmetric square root, which exists
    for any positive semi-definite matrix, unlike a Cholesky factor)."""
    eigenvalues, vectors = np.linalg.eigh(precision)
    root: np.ndarray = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    return root
