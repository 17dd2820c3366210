"""build_pipeline: a new, config-driven pipeline with the target transform inside."""

from __future__ import annotations

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.utils.validation import check_is_fitted

from regression_model.config.core import CONFIG_FILE_PATH, Config, parse_config
from regression_model.pipeline import build_pipeline


def test_each_call_returns_a_new_unfitted_pipeline(config: Config) -> None:
    """Two calls share no step object, and neither is fitted."""
    first, second = build_pipeline(config), build_pipeline(config)
    for (name_a, step_a), (name_b, step_b) in zip(first.steps, second.steps, strict=True):
        assert name_a == name_b
        assert step_a is not step_b
    regressor = first.steps[-1][1]
    assert not hasattr(regressor, "regressor_")


def test_steps_are_named_and_target_transform_is_inside(config: Config) -> None:
    """Steps carry the config's names; the last step fits log(price) and returns dollars."""
    pipe = build_pipeline(config)
    names = [name for name, _ in pipe.steps]
    assert names[:5] == [
        "field_ranges",
        "absent_category_imputer",
        "frequent_category_imputer",
        "numeric_missing_indicator",
        "numeric_imputer",
    ]
    assert "derived_TotalSF" in names and "ordinal_mappings" in names
    # The joint check sees the numbers as the model does: after the last step that
    # changes a number, before the slopes and the spline basis are added.
    assert names.index("joint_range") < names.index("slopes_TotalSF_by_Neighborhood")
    assert names.index("slopes_TotalSF_by_Neighborhood") == names.index("splines") - 1
    assert names.index("drop_linear_terms") == names.index("splines") + 1
    last = pipe.steps[-1][1]
    assert isinstance(last, TransformedTargetRegressor)
    assert last.func is np.log and last.inverse_func is np.exp


def test_empty_variable_group_drops_its_step() -> None:
    """A step whose variable list is empty in config is left out."""
    text = CONFIG_FILE_PATH.read_text(encoding="utf-8")
    text = text.replace(
        "binarize_vars:\n  - LowQualFinSF\n  - ThreeSsnPortch\n  - ScreenPorch\n  - PoolArea\n",
        "binarize_vars:\n",
    )
    names = [name for name, _ in build_pipeline(parse_config(text)).steps]
    assert "binarize" not in names and "log_transform" in names


def test_fitted_pipeline_learns_imputation_for_every_feature(config: Config) -> None:
    """After fitting on train.csv, every feature has an imputation value."""
    from regression_model.predict import load_model

    pipe = load_model().pipeline
    check_is_fitted(pipe.steps[-1][1])
    learned: set[str] = set()
    for name in ("absent_category_imputer", "frequent_category_imputer", "numeric_imputer"):
        learned |= set(pipe.named_steps[name].imputer_dict_)
    assert set(config.model_config.features) <= learned
