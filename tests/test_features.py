"""Our own transformers and regressor follow scikit-learn's conventions and do
exactly what they say."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Lasso, LinearRegression
from sklearn.preprocessing import SplineTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from regression_model.processing.features import OrdinalMapper, SplineFeatures
from regression_model.processing.regressors import ResidualTrimmedRegressor


@parametrize_with_checks(
    [
        OrdinalMapper(),
        SplineFeatures(),
        SplineFeatures(["x0"], n_knots=3, extrapolation="linear"),
        ResidualTrimmedRegressor(Lasso(alpha=0.01)),
    ]
)
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    """Our transformers and regressor pass scikit-learn's estimator checks."""
    check(estimator)


def test_spline_features_append_sklearn_basis_and_copy() -> None:
    """SplineFeatures appends exactly SplineTransformer's basis columns, named
    <column>_sp<i>, keeps the input columns, and leaves the caller's frame alone."""
    frame = pd.DataFrame({"GrLivArea": [800.0, 1200.0, 1500.0, 3000.0], "Street": list("abcd")})
    before = frame.copy()
    step = SplineFeatures(["GrLivArea"], n_knots=4, degree=2).fit(frame)
    out = step.transform(frame.assign(GrLivArea=[100.0, 1200.0, 2000.0, 9000.0]))
    expected = (
        SplineTransformer(n_knots=4, degree=2, extrapolation="constant")
        .fit(frame[["GrLivArea"]])
        .transform(np.array([[100.0], [1200.0], [2000.0], [9000.0]]))
    )
    names = [f"GrLivArea_sp{i}" for i in range(5)]
    assert list(out.columns) == ["GrLivArea", "Street", *names]
    assert list(step.get_feature_names_out()) == list(out.columns)
    np.testing.assert_allclose(out[names].to_numpy(), expected)
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(ValueError, match="extrapolation"):
        SplineFeatures(["GrLivArea"], extrapolation="periodic").fit(frame)
    with pytest.raises(ValueError, match="Nope"):
        SplineFeatures(["Nope"]).fit(frame)


def test_trimmed_regressor_leaves_out_what_it_cannot_explain() -> None:
    """Two sales far off a clean line are left out of the second fit, whose
    coefficients are the clean line's; the data passed in is not modified."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, size=(200, 2))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 5 + rng.normal(0, 0.1, 200)
    y[[10, 20]] += 40
    X_before, y_before = X.copy(), y.copy()
    model = ResidualTrimmedRegressor(LinearRegression(), max_sigma=3.0).fit(X, y)
    assert sorted(np.flatnonzero(~model.inlier_mask_)) == [10, 20]
    np.testing.assert_allclose(model.coef_, [3, -2], atol=0.02)
    np.testing.assert_allclose(model.predict(X[:3]), model.estimator_.predict(X[:3]))
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    untrimmed = LinearRegression().fit(X, y)
    assert abs(untrimmed.intercept_ - 5) > abs(model.intercept_ - 5)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"ExterQual": ["TA", "Gd", "Ex"], "LotArea": [1.0, 2.0, 3.0]})


def test_maps_labels_and_leaves_other_columns() -> None:
    """Mapped column becomes integers; other columns pass unchanged."""
    out = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit_transform(_frame())
    assert out["ExterQual"].tolist() == [3, 4, 5]
    assert out["LotArea"].tolist() == [1.0, 2.0, 3.0]


def test_does_not_modify_its_input() -> None:
    """transform returns a copy; the input frame keeps its labels."""
    frame = _frame()
    mapper = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit(frame)
    mapper.transform(frame)
    assert frame.equals(_frame())


def test_unmapped_label_is_an_error_naming_column_and_label() -> None:
    """A label the mapping lacks raises, naming column and label, instead of becoming NaN."""
    mapper = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit(_frame())
    with pytest.raises(ValueError, match=r"ExterQual.*\['Po'\]"):
        mapper.transform(pd.DataFrame({"ExterQual": ["Po"], "LotArea": [1.0]}))


def test_fit_refuses_training_labels_missing_from_mapping() -> None:
    """fit checks the mapping covers every label seen in training."""
    with pytest.raises(ValueError, match="Ex"):
        OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4}}).fit(_frame())


def test_init_only_stores_and_transform_needs_fit() -> None:
    """__init__ stores its argument untouched; transform before fit raises NotFittedError."""
    mapping = {"ExterQual": {"TA": 3}}
    mapper = OrdinalMapper(mapping)
    assert mapper.mappings is mapping
    assert clone(mapper).get_params() == {"mappings": mapping}
    with pytest.raises(NotFittedError):
        mapper.transform(_frame())


def test_feature_names_out_are_the_input_names() -> None:
    """get_feature_names_out returns the fitted column names."""
    mapper = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit(_frame())
    assert list(mapper.get_feature_names_out()) == ["ExterQual", "LotArea"]
