"""A pipeline the compiler cannot fold says which steps fall back, and why."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from feature_engine.transformation import LogCpTransformer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from regression_model.config.core import Config
from regression_model.data import load_training_data
from regression_model.pipeline import build_pipeline
from regression_model.scoring.compiler import compile_spec
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.validators import validate_table
from regression_model.training.training_rows import training_frame


def _drop_last_category(pipeline: Pipeline, config: Config) -> None:
    pipeline.set_params(one_hot_encoder__drop_last=True)


def _min_max_scaler(pipeline: Pipeline, config: Config) -> None:
    pipeline.set_params(scaler=MinMaxScaler().set_output(transform="pandas"))


def _log_plus_one_target(pipeline: Pipeline, config: Config) -> None:
    pipeline.set_params(regressor__func=np.log1p, regressor__inverse_func=np.expm1)


def _least_squares(pipeline: Pipeline, config: Config) -> None:
    pipeline.set_params(regressor__regressor=LinearRegression())


def _base_ten_logs(pipeline: Pipeline, config: Config) -> None:
    variables = list(config.model_config.log_transform_vars)
    pipeline.set_params(log_transform=LogCpTransformer(variables=variables, C=1, base="10"))


# Variants of the shipped pipeline, one per kind of check that can fail: the
# change, the first step that then falls back, and what the reason must say.
VARIANTS = [
    (
        _drop_last_category,
        "slopes_TotalSF_by_Neighborhood",
        ["the last three steps do not fold", "one_hot_encoder drops a category"],
    ),
    (
        _min_max_scaler,
        "slopes_TotalSF_by_Neighborhood",
        ["scaler is a MinMaxScaler, not scikit-learn's StandardScaler"],
    ),
    (
        _log_plus_one_target,
        "slopes_TotalSF_by_Neighborhood",
        ["regressor does not fit the log of the price"],
    ),
    (
        _least_squares,
        "slopes_TotalSF_by_Neighborhood",
        ["regressor fits a LinearRegression, none of the linear estimators"],
    ),
    (
        _base_ten_logs,
        "log_transform",
        ["log_transform is a LogCpTransformer with settings the plan has no operation for"],
    ),
]


@pytest.mark.parametrize(
    ("change", "first", "said"), VARIANTS, ids=[change.__name__[1:] for change, _, _ in VARIANTS]
)
def test_each_failed_check_is_named_as_the_reason(
    change: Callable[[Pipeline, Config], None],
    first: str,
    said: list[str],
    config: Config,
    test_frame: pd.DataFrame,
) -> None:
    """For a real variant of the shipped pipeline that fails one of the checks a
    linear head or a step must pass, the compiled spec lists the steps that
    fall back (from the first one the plan cannot run on) and a reason naming
    the step and the check it failed; the plan's one-line summary says both;
    and the plan, with the fallback steps attached, prices test.csv as the
    pipeline does."""
    X, y, _ = training_frame(load_training_data(config), config)
    pipeline = build_pipeline(config)
    change(pipeline, config)
    pipeline.fit(X, y)
    spec = compile_spec(pipeline)
    names = [name for name, _ in pipeline.steps]
    assert spec["fallback_steps"] == names[names.index(first) :]
    for words in said:
        assert words in spec["fallback_reason"]
    plan = ScoringPlan.from_spec(spec)
    listed = ", ".join(spec["fallback_steps"])
    assert plan.fallback_summary == (
        f"falls back to the pipeline for steps [{listed}]: {spec['fallback_reason']}"
    )
    plan.attach_pipeline(pipeline)
    batch = validate_table(FrameInput(test_frame), config)
    np.testing.assert_allclose(
        plan.predict(batch), pipeline.predict(batch.frame(config)), rtol=1e-9
    )


def test_a_folded_pipeline_has_no_reason(config: Config) -> None:
    """The shipped pipeline folds whole: no fallback steps, no reason key (so
    the plan file is what it was before reasons were recorded), and the summary
    says so."""
    from regression_model.model import load_model

    spec = compile_spec(load_model().pipeline)
    assert spec["fallback_steps"] == [] and "fallback_reason" not in spec
    assert ScoringPlan.from_spec(spec).fallback_summary == "numpy plan, no fallback steps"
