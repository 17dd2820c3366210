"""The package's own transformers, following scikit-learn's conventions.

``__init__`` only stores its arguments; ``fit`` learns attributes ending in
``_`` and returns ``self``; ``transform`` checks it is fitted, copies its
input and never modifies the caller's frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from regression_model.processing._frames import validated_frame


class OrdinalMapper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Map ordered labels of some columns to numbers.

    Parameters
    ----------
    mappings : dict of str to dict, optional
        ``{column: {label: number}}``. Columns not named pass through
        unchanged. ``None`` maps nothing.

    Attributes
    ----------
    mappings_ : dict of str to dict
        The mappings applied by ``transform``.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Raises
    ------
    ValueError
        In ``fit`` or ``transform``, when a mapped column holds a label its
        mapping lacks, or a missing value: the message names the column and
        the labels, since mapping them to NaN would hide the problem.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.features import OrdinalMapper
    >>> frame = pd.DataFrame({"ExterQual": ["TA", "Gd"], "LotArea": [8450, 9600]})
    >>> OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4}}).fit_transform(frame)
       ExterQual  LotArea
    0          3     8450
    1          4     9600
    """

    def __init__(self, mappings: Mapping[str, Mapping[Any, int]] | None = None) -> None:
        self.mappings = mappings

    def fit(self, X: Any, y: Any = None) -> OrdinalMapper:
        """Check the mapped columns exist and every label in them is mapped."""
        frame = self._validated(X, reset=True)
        self.mappings_ = {col: dict(m) for col, m in (self.mappings or {}).items()}
        self._check_labels(frame)
        return self

    def transform(self, X: Any) -> Any:
        """Return a copy of ``X`` with the mapped columns replaced by numbers."""
        check_is_fitted(self, "mappings_")
        frame = self._validated(X, reset=False)
        if not isinstance(frame, pd.DataFrame):
            return np.array(frame, copy=True)
        self._check_labels(frame)
        out = frame.copy()
        for column, mapping in self.mappings_.items():
            out[column] = frame[column].map(mapping).astype("int64")
        return out

    def _validated(self, X: Any, *, reset: bool) -> Any:
        if isinstance(X, pd.DataFrame):
            # validate_data records or checks n_features_in_ and column names;
            # the frame itself may hold strings, so skip the numeric array check.
            validate_data(self, X, reset=reset, skip_check_array=True)
            return X
        return validate_data(self, X, reset=reset, dtype=None)

    def _check_labels(self, frame: Any) -> None:
        if not self.mappings_:
            return
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(
                "OrdinalMapper with mappings needs a pandas DataFrame with named columns"
            )
        missing = [c for c in self.mappings_ if c not in frame.columns]
        if missing:
            raise ValueError(f"OrdinalMapper: columns {missing} are not in the input")
        for column, mapping in self.mappings_.items():
            values = frame[column]
            unmapped = values[values.isna() | ~values.isin(list(mapping))]
            if len(unmapped):
                labels = sorted({str(v) for v in unmapped.unique()})
                raise ValueError(
                    f"OrdinalMapper: column {column!r} holds labels {labels} that its "
                    f"mapping {sorted(mapping)} lacks; add them to the mapping in config.yml"
                )

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        return tags


class SplineFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Add B-spline basis columns of some numeric columns, so a linear model
    can price a curve (a quality grade worth more at the top of the scale, an
    area whose value levels off) rather than a straight line.

    A thin wrapper around scikit-learn's ``SplineTransformer`` (uniform knots
    between each column's training minimum and maximum) which returns the
    input frame with the basis columns appended, named ``<column>_sp<i>``.

    Parameters
    ----------
    variables : list of str, optional
        The numeric columns to expand; ``None`` or empty adds nothing.
    n_knots : int, default=5
        Knots per column, the boundaries included.
    degree : int, default=3
        Degree of the spline pieces.
    extrapolation : {"constant", "linear"}, default="constant"
        Beyond the training range the curve stays at its end value
        ("constant") or continues along its end tangent ("linear"). Constant
        is the safe choice for prices: a cubic's tangent extended to a house
        twice the largest one seen can run to absurd values.

    Attributes
    ----------
    spline_ : sklearn.preprocessing.SplineTransformer or None
        The fitted transformer (None when there are no variables).
    variables_ : list of str
        The expanded columns.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.features import SplineFeatures
    >>> frame = pd.DataFrame({"GrLivArea": [800.0, 1500.0, 3000.0], "LotArea": [1.0, 2.0, 3.0]})
    >>> out = SplineFeatures(["GrLivArea"], n_knots=3, degree=1).fit_transform(frame)
    >>> list(out.columns)
    ['GrLivArea', 'LotArea', 'GrLivArea_sp0', 'GrLivArea_sp1', 'GrLivArea_sp2']
    """

    def __init__(
        self,
        variables: list[str] | None = None,
        n_knots: int = 5,
        degree: int = 3,
        extrapolation: str = "constant",
    ) -> None:
        self.variables = variables
        self.n_knots = n_knots
        self.degree = degree
        self.extrapolation = extrapolation

    def fit(self, X: Any, y: Any = None) -> SplineFeatures:
        """Place the knots of each variable over its training range."""
        frame = self._frame(X, reset=True)
        self.variables_ = list(self.variables or [])
        missing = [v for v in self.variables_ if v not in frame.columns]
        if missing:
            raise ValueError(f"SplineFeatures: columns {missing} are not in the input")
        self.spline_ = None
        if self.variables_:
            from sklearn.preprocessing import SplineTransformer

            if self.extrapolation not in ("constant", "linear"):
                raise ValueError(
                    f"SplineFeatures: extrapolation must be 'constant' or 'linear', "
                    f"not {self.extrapolation!r}"
                )
            self.spline_ = SplineTransformer(
                n_knots=self.n_knots, degree=self.degree, extrapolation=self.extrapolation
            ).fit(frame[self.variables_].to_numpy(dtype=np.float64))
        return self

    def transform(self, X: Any) -> Any:
        """Return a copy of ``X`` (a DataFrame, or an array for array input)
        with the basis columns appended."""
        check_is_fitted(self, "variables_")
        frame = self._frame(X, reset=False)
        if self.spline_ is None:
            basis = np.empty((len(frame), 0))
        else:
            basis = self.spline_.transform(frame[self.variables_].to_numpy(dtype=np.float64))
        if not isinstance(X, pd.DataFrame):
            return np.hstack([frame.to_numpy(), basis])
        names = self._basis_names()
        added = pd.DataFrame(basis, columns=names, index=frame.index)
        return pd.concat([frame.copy(), added], axis=1)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Input column names, then ``<column>_sp<i>`` for each basis column."""
        check_is_fitted(self, "variables_")
        names = [str(n) for n in getattr(self, "feature_names_in_", self._default_names())]
        return np.asarray(names + self._basis_names(), dtype=object)

    def basis_names(self, variable: str) -> list[str]:
        """The basis columns of one expanded variable, in order."""
        per_column = self.n_knots + self.degree - 1
        return [f"{variable}_sp{i}" for i in range(per_column)]

    def _basis_names(self) -> list[str]:
        return [name for v in self.variables_ for name in self.basis_names(v)]

    def _default_names(self) -> list[str]:
        return [f"x{i}" for i in range(self.n_features_in_)]

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        return validated_frame(self, X, reset=reset)


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
