"""The package's own transformers, following scikit-learn's conventions, and
the reference package's two (``TemporalVariableTransformer``, ``Mapper``) at
their import path.

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


# Defined elsewhere, importable here: our estimators as before, and the
# reference package's transformers at the path apps import them from.
from regression_model.processing.imputers import FrequentCategoryImputer  # noqa: E402
from regression_model.processing.reference_steps import (  # noqa: E402
    Mapper,
    TemporalVariableTransformer,
)
from regression_model.processing.slopes import CategorySlopes  # noqa: E402

__all__ = [
    "CategorySlopes",
    "FrequentCategoryImputer",
    "Mapper",
    "OrdinalMapper",
    "SplineFeatures",
    "TemporalVariableTransformer",
]
