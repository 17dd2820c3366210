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

from regression_model.processing.features import (
    CategorySlopes,
    FrequentCategoryImputer,
    OrdinalMapper,
    SplineFeatures,
)
from regression_model.processing.range_checks import FieldRangeChecker, JointRangeChecker
from regression_model.processing.regressors import ResidualTrimmedRegressor


@parametrize_with_checks(
    [
        OrdinalMapper(),
        SplineFeatures(),
        SplineFeatures(["x0"], n_knots=3, extrapolation="linear"),
        ResidualTrimmedRegressor(Lasso(alpha=0.01)),
        FrequentCategoryImputer(),
        CategorySlopes(),
        FieldRangeChecker(),
        JointRangeChecker(quantile=0.9),
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


def test_frequent_imputer_breaks_a_tie_by_sorted_text_whatever_the_row_order() -> None:
    """Two categories tie for most frequent (feature-engine refuses such a column):
    the imputer takes the first in sorted order, for every order of the rows, and
    fills only the missing cells of a copy."""
    frame = pd.DataFrame(
        {"Foundation": ["PConc", "CBlock", None, "CBlock", "PConc", "Slab"], "n": range(6)}
    )
    before = frame.copy()
    for seed in range(5):
        shuffled = frame.sample(frac=1.0, random_state=seed)
        imputer = FrequentCategoryImputer(["Foundation"]).fit(shuffled)
        assert imputer.imputer_dict_ == {"Foundation": "CBlock"}
    out = imputer.transform(frame)
    assert out["Foundation"].tolist() == ["PConc", "CBlock", "CBlock", "CBlock", "PConc", "Slab"]
    pd.testing.assert_frame_equal(frame, before)
    assert list(imputer.get_feature_names_out()) == ["Foundation", "n"]


def test_frequent_imputer_refuses_a_column_with_no_value() -> None:
    """An all-missing column has nothing to impute from: the error names it."""
    with pytest.raises(ValueError, match="Foundation"):
        FrequentCategoryImputer(["Foundation"]).fit(pd.DataFrame({"Foundation": [None, None]}))


def test_training_a_fold_with_a_tied_category_succeeds(config: Any, train_frame: Any) -> None:
    """The rows of a fold where Foundation's two most common values tie (the case
    that stopped training before) fit, and the tie goes to the sorted first."""
    from regression_model.pipeline import build_pipeline
    from regression_model.processing.validation import validate_inputs

    X, _ = validate_inputs(input_data=train_frame, config=config)
    y = train_frame["SalePrice"]
    counts = X["Foundation"].value_counts()
    top, second = counts.index[0], counts.index[1]
    surplus = X.index[X["Foundation"] == top][: counts.iloc[0] - counts.iloc[1]]
    rows = X.index.difference(surplus)
    assert (X.loc[rows, "Foundation"].value_counts().iloc[:2] == counts.iloc[1]).all()
    fitted = build_pipeline(config).fit(X.loc[rows], y.loc[rows])
    chosen = fitted.named_steps["frequent_category_imputer"].imputer_dict_["Foundation"]
    assert chosen == min(top, second)


def test_field_range_checker_names_each_value_beyond_training() -> None:
    """Values below the smallest or above the largest training value are flagged,
    with the row, field and both numbers; missing values and values inside are not."""
    train = pd.DataFrame({"GrLivArea": [334.0, 1500.0, 5642.0], "YrSold": [2006.0, 2008.0, 2010.0]})
    checker = FieldRangeChecker(["GrLivArea", "YrSold"]).fit(train)
    new = pd.DataFrame({"GrLivArea": [6000.0, np.nan, 300.0], "YrSold": [2008.0, 2011.0, 2010.0]})
    assert checker.check(new) == [
        (0, "GrLivArea", "GrLivArea 6,000 is above the largest value in training (5,642)"),
        (1, "YrSold", "YrSold 2,011 is above the largest value in training (2,010)"),
        (2, "GrLivArea", "GrLivArea 300 is below the smallest value in training (334)"),
    ]
    pd.testing.assert_frame_equal(checker.transform(new), new)


def test_joint_range_checker_flags_a_combination_each_value_of_which_is_common() -> None:
    """Area and rooms rise together in training; a row with a small area and many
    rooms (each inside its own range) lies far off, and the fields adding most to
    its distance are named; a typical row is not flagged."""
    rng = np.random.default_rng(0)
    area = rng.normal(1500, 300, 1000)
    train = pd.DataFrame(
        {
            "GrLivArea": area,
            "TotRmsAbvGrd": area / 200 + rng.normal(0, 0.4, 1000),
            "LotArea": rng.normal(9000, 1000, 1000),
        }
    )
    checker = JointRangeChecker(quantile=0.99).fit(train)
    new = pd.DataFrame(
        {"GrLivArea": [1500.0, 1000.0], "TotRmsAbvGrd": [7.5, 9.5], "LotArea": [9000.0] * 2}
    )
    assert all(new[c].between(train[c].min(), train[c].max()).all() for c in new)
    found = checker.check(new)
    assert [(row, sorted(fields.split(", ")[:2])) for row, fields, _ in found] == [
        (1, ["GrLivArea", "TotRmsAbvGrd"])
    ]
    assert "99.0% of them lie within" in found[0][2]
    distances = checker.distances(train.to_numpy())
    assert np.mean(distances <= checker.threshold_) == pytest.approx(0.99, abs=0.002)


def test_category_slopes_give_common_categories_a_clipped_centred_slope() -> None:
    """Categories with at least min_share of the rows get a column equal to the
    variable, clipped to its training range and centred on its median, on their
    own rows and 0 elsewhere; a rare or unseen category gets none; the input is
    not modified."""
    train = pd.DataFrame(
        {"Neighborhood": ["A"] * 5 + ["B"] * 4 + ["C"], "TotalSF": np.arange(10.0)}
    )
    step = CategorySlopes("Neighborhood", "TotalSF", min_share=0.2).fit(train)
    assert step.categories_ == ["A", "B"]
    assert (step.lower_, step.upper_, step.center_) == (0.0, 9.0, 4.5)
    new = pd.DataFrame({"Neighborhood": ["A", "B", "C", "Z"], "TotalSF": [20.0, 1.0, 5.0, 5.0]})
    before = new.copy()
    out = step.transform(new)
    names = ["TotalSF_x_Neighborhood_A", "TotalSF_x_Neighborhood_B"]
    assert list(step.get_feature_names_out()) == ["Neighborhood", "TotalSF", *names]
    assert out[names].to_numpy().tolist() == [[4.5, 0.0], [0.0, -3.5], [0.0, 0.0], [0.0, 0.0]]
    pd.testing.assert_frame_equal(new, before)
