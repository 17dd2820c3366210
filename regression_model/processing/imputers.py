"""A most-frequent-category imputer that settles ties instead of refusing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from regression_model.processing._frames import validated_frame

__all__ = [
    "FrequentCategoryImputer",
]


class FrequentCategoryImputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Fill missing values of some columns with the most frequent value seen in
    ``fit``; a tie for most frequent goes to the smallest of the tied values.

    feature-engine's ``CategoricalImputer(imputation_method="frequent")`` refuses
    a column whose two most frequent values are equally common, which stops
    training on some folds of the Ames data (``Foundation``). This imputer
    breaks the tie deterministically: among the tied values it takes the
    first in sorted order of their text (``str``), whatever the order of the
    rows, so two fits on the same rows agree.

    Parameters
    ----------
    variables : list of str, optional
        The columns to impute; ``None`` imputes every column (array input
        included).

    Attributes
    ----------
    imputer_dict_ : dict
        ``{column: value}`` written into the missing cells by ``transform``.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Raises
    ------
    ValueError
        In ``fit``, when a column to impute is absent or holds no value at all.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.features import FrequentCategoryImputer
    >>> frame = pd.DataFrame({"Foundation": ["PConc", "CBlock", None, "CBlock", "PConc"]})
    >>> FrequentCategoryImputer(["Foundation"]).fit(frame).imputer_dict_
    {'Foundation': 'CBlock'}
    """

    def __init__(self, variables: list[str] | None = None) -> None:
        self.variables = variables

    def fit(self, X: Any, y: Any = None) -> FrequentCategoryImputer:
        """Learn each column's most frequent value, ties broken by sorted text."""
        frame = self._frame(X, reset=True)
        columns = list(frame.columns) if self.variables is None else list(self.variables)
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ValueError(f"FrequentCategoryImputer: columns {absent} are not in the input")
        self.imputer_dict_ = {column: _most_frequent(frame[column]) for column in columns}
        return self

    def transform(self, X: Any) -> Any:
        """Return a copy of ``X`` with the missing cells of each column filled."""
        check_is_fitted(self, "imputer_dict_")
        frame = self._frame(X, reset=False)
        filled = frame.copy()
        for column, value in self.imputer_dict_.items():
            values = filled[column]
            if not values.isna().any():
                continue
            if pd.api.types.is_numeric_dtype(values) and isinstance(value, (int, float)):
                filled[column] = values.fillna(value)
            else:  # text or mixed: object keeps the value as it was learned
                filled[column] = values.astype(object).where(values.notna(), value)
        if isinstance(X, pd.DataFrame):
            return filled
        return filled.to_numpy()

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        return validated_frame(self, X, reset=reset, allow_nan=True, text=True)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags


def _most_frequent(values: pd.Series) -> Any:
    """The most common value; among equally common ones, the first by ``str``."""
    counts = values.dropna().value_counts()
    if counts.empty:
        raise ValueError(
            f"FrequentCategoryImputer: column {values.name!r} has no value to impute from"
        )
    tied = counts.index[counts.to_numpy() == counts.iloc[0]]
    value = min(tied, key=str)
    return value.item() if isinstance(value, np.generic) else value
