"""A regressor refitted without the training rows it cannot explain."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import Lasso
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "ResidualTrimmedRegressor",
]


class ResidualTrimmedRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Fit, drop the training rows with extreme residuals, fit again.

    A handful of Ames sales (foreclosures, sales between relatives, commercial
    lots) sit far from any price the house's attributes explain. Fitted on,
    they pull the coefficients every other house is priced with. This fits
    ``estimator`` once, keeps the rows whose residual lies within
    ``max_sigma`` standard deviations of the mean residual, and refits on
    them. Prediction is the refitted estimator's. Unlike scikit-learn's
    ``RANSACRegressor``, which fits random small subsets, this is one
    deterministic refit on nearly all rows.

    Parameters
    ----------
    estimator : regressor, default=Lasso()
        The regressor to fit twice (cloned; the argument is not modified).
    max_sigma : float, default=3.0
        Rows with ``|residual - mean| > max_sigma * std`` are left out of the
        second fit.

    Attributes
    ----------
    estimator_ : regressor
        The estimator refitted on the kept rows.
    inlier_mask_ : ndarray of bool, shape (n_samples,)
        Which training rows the second fit used.
    coef_, intercept_ : ndarray, float
        The refitted estimator's, when it has them (linear models).
    n_features_in_ : int
        Number of features seen in fit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from regression_model.processing.regressors import ResidualTrimmedRegressor
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> y = 2 * X.ravel() + 1
    >>> y[7] = 100.0  # one sale nothing explains
    >>> model = ResidualTrimmedRegressor(LinearRegression(), max_sigma=2.0).fit(X, y)
    >>> int((~model.inlier_mask_).sum()), round(float(model.coef_[0]), 6)
    (1, 2.0)
    """

    def __init__(self, estimator: Any = None, max_sigma: float = 3.0) -> None:
        self.estimator = estimator
        self.max_sigma = max_sigma

    def fit(self, X: Any, y: Any) -> ResidualTrimmedRegressor:
        """Fit on all rows, then refit on the rows within ``max_sigma``."""
        X, y = validate_data(self, X, y, y_numeric=True)
        if not self.max_sigma > 0:
            raise ValueError(f"max_sigma must be positive, got {self.max_sigma!r}")
        base = Lasso() if self.estimator is None else self.estimator
        residuals = y - clone(base).fit(X, y).predict(X)
        spread = float(np.std(residuals))
        keep = np.abs(residuals - residuals.mean()) <= self.max_sigma * spread
        if spread == 0.0 or keep.sum() < 2:
            keep = np.ones(len(y), dtype=bool)
        self.inlier_mask_ = keep
        self.estimator_ = clone(base).fit(X[keep], y[keep])
        if hasattr(self.estimator_, "coef_"):
            self.coef_ = self.estimator_.coef_
            self.intercept_ = self.estimator_.intercept_
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The refitted estimator's prediction."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.asarray(self.estimator_.predict(X))
