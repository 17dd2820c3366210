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
