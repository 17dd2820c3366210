"""How our transformers take their input: a DataFrame as it is, an array as a
DataFrame with scikit-learn's default column names (``x0``, ``x1``, ...)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.utils.validation import validate_data


def validated_frame(
    estimator: Any, X: Any, *, reset: bool, allow_nan: bool = False, text: bool = False
) -> pd.DataFrame:
    """Check ``X`` with scikit-learn's ``validate_data`` (recording or checking
    ``n_features_in_`` and column names) and return it as a DataFrame.

    A DataFrame may hold text, so its cells are not checked as numbers; an array
    must be numeric (any type with ``text``) and finite (NaN allowed with
    ``allow_nan``).
    """
    if isinstance(X, pd.DataFrame):
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        return X
    finite: bool | str = "allow-nan" if allow_nan else True
    dtype = None if text else "numeric"
    array = validate_data(estimator, X, reset=reset, ensure_all_finite=finite, dtype=dtype)
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
