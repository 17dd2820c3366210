"""The model as a scikit-learn Pipeline of named, config-driven steps.

:data:`STEPS` lists them in order, each with the config.yml key that names its
variables; a step whose variables are empty is left out. ``price_pipe``, the
reference package's module-level pipeline, is built on first access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from feature_engine.creation import MathFeatures, RelativeFeatures
from feature_engine.encoding import OneHotEncoder, RareLabelEncoder
from feature_engine.imputation import AddMissingIndicator, CategoricalImputer, MeanMedianImputer
from feature_engine.selection import DropFeatures
from feature_engine.transformation import LogCpTransformer
from feature_engine.wrappers import SklearnTransformerWrapper
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, StandardScaler

from regression_model.config.core import Config
from regression_model.config.models import ModelConfig
from regression_model.processing.features import OrdinalMapper, SplineFeatures
from regression_model.processing.imputers import FrequentCategoryImputer
from regression_model.processing.range_checks import FieldRangeChecker, JointRangeChecker
from regression_model.processing.regressors import ResidualTrimmedRegressor
from regression_model.processing.slopes import CategorySlopes
from regression_model.registry import estimator_class

# price_pipe is built on first access, by __getattr__ below.
__all__ = ["STEPS", "build_pipeline", "price_pipe"]  # noqa: F822

# A step: its name, the variables it works on (empty: leave it out), and how to
# make it. A row of STEPS turns the model config into zero or more steps.
Step = tuple[str, list[str], Callable[[], Any]]


def _names(columns: list[str]) -> list[str | int]:
    """feature-engine annotates column lists as ``list[str | int]``."""
    return list(columns)


def _ordinal_mappings(cfg: ModelConfig) -> dict[str, dict[str, int]]:
    return {
        column: group.mapping
        for group in cfg.ordinal_mappings.values()
        for column in group.variables
    }


def _joint_variables(cfg: ModelConfig) -> list[str]:
    # The numbers as the model sees them; 0/1 columns would only add noise.
    return [v for v in cfg.numerical_vars + cfg.derived_names if v not in cfg.binarize_vars]


STEPS: list[Callable[[ModelConfig], list[Step]]] = [
    # Pass-through: each numeric field's training range, for range warnings
    # (before imputation: a missing value is not out of range).
    lambda c: [("field_ranges", c.numerical_vars, lambda: FieldRangeChecker(c.numerical_vars))],
    lambda c: [
        (
            "absent_category_imputer",
            c.categorical_vars_absent_when_missing,
            lambda: CategoricalImputer(
                imputation_method="missing",
                fill_value="Missing",
                variables=_names(c.categorical_vars_absent_when_missing),
                ignore_format=True,
            ),
        )
    ],
    # Ours, not feature-engine's: it breaks a tie for most frequent instead of
    # refusing the column.
    lambda c: [
        (
            "frequent_category_imputer",
            c.categorical_vars_impute_frequent,
            lambda: FrequentCategoryImputer(c.categorical_vars_impute_frequent),
        )
    ],
    lambda c: [
        (
            "numeric_missing_indicator",
            c.numerical_vars_with_missing_indicator,
            lambda: AddMissingIndicator(
                missing_only=False, variables=_names(c.numerical_vars_with_missing_indicator)
            ),
        )
    ],
    lambda c: [
        (
            "numeric_imputer",
            c.numerical_vars,
            lambda: MeanMedianImputer(
                imputation_method="median", variables=_names(c.numerical_vars)
            ),
        )
    ],
    lambda c: [
        (
            "years_since",
            c.years_since.variables,
            lambda: RelativeFeatures(
                variables=_names([c.years_since.reference]),
                reference=_names(c.years_since.variables),
                func=["sub"],
            ),
        )
    ],
    lambda c: [
        (
            f"derived_{d.name}",
            d.variables,
            lambda d=d: MathFeatures(  # type: ignore[misc]
                variables=_names(d.variables), func=d.function, new_variables_names=[d.name]
            ),
        )
        for d in c.derived_features
    ],
    lambda c: [
        (
            "log_transform",
            c.log_transform_vars,
            lambda: LogCpTransformer(variables=_names(c.log_transform_vars), C=1),
        )
    ],
    lambda c: [
        (
            "binarize",
            c.binarize_vars,
            lambda: SklearnTransformerWrapper(
                transformer=Binarizer(threshold=0.0), variables=_names(c.binarize_vars)
            ),
        )
    ],
    lambda c: [
        (
            "ordinal_mappings",
            list(_ordinal_mappings(c)),
            lambda: OrdinalMapper(_ordinal_mappings(c)),
        )
    ],
    # Pass-through: how the training houses' numbers vary together, as the model
    # sees them (imputed, logged), for unusual-combination warnings.
    lambda c: [
        (
            "joint_range",
            _joint_variables(c),
            lambda: JointRangeChecker(_joint_variables(c), quantile=c.out_of_range.joint_quantile),
        )
    ],
    lambda c: [
        (
            f"slopes_{s.variable}_by_{s.category}",
            [s.variable],
            lambda s=s: CategorySlopes(  # type: ignore[misc]
                s.category, s.variable, min_share=s.min_share
            ),
        )
        for s in c.category_slopes
    ],
    lambda c: [
        (
            "splines",
            c.spline_features.variables,
            lambda: SplineFeatures(
                c.spline_features.variables,
                n_knots=c.spline_features.n_knots,
                degree=c.spline_features.degree,
                extrapolation=c.spline_features.extrapolation,
            ),
        )
    ],
    # Variables priced only through their splines: their straight-line term
    # goes, so beyond the training range their effect stays flat.
    lambda c: [
        (
            "drop_linear_terms",
            c.spline_only_vars,
            lambda: DropFeatures(features_to_drop=_names(c.spline_only_vars)),
        )
    ],
    lambda c: [
        (
            "rare_label_encoder",
            c.nominal_vars,
            lambda: RareLabelEncoder(
                tol=c.rare_label_tolerance,
                n_categories=1,
                replace_with="Rare",
                variables=_names(c.nominal_vars),
                ignore_format=True,
            ),
        )
    ],
    lambda c: [
        (
            "one_hot_encoder",
            c.nominal_vars,
            lambda: OneHotEncoder(variables=_names(c.nominal_vars), ignore_format=True),
        )
    ],
]


def _regressor(cfg: ModelConfig) -> TransformedTargetRegressor:
    """The estimator on log(price), returning dollars, so training and
    prediction cannot disagree on the target transform."""
    settings = cfg.estimator
    estimator = estimator_class(settings.name)(random_state=cfg.random_state, **settings.params)
    if settings.trim_residuals_sigma is not None:
        estimator = ResidualTrimmedRegressor(estimator, max_sigma=settings.trim_residuals_sigma)
    return TransformedTargetRegressor(regressor=estimator, func=np.log, inverse_func=np.exp)


def build_pipeline(config: Config) -> Pipeline:
    """Build a new, unfitted pipeline from the configuration.

    Each step's variables come from ``config.yml``; a step whose variable list
    is empty is left out. Then a standard scaler and the estimator on log price.

    Parameters
    ----------
    config : Config
        The validated configuration, from ``get_config()``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        A new pipeline; nothing is shared between calls.

    Examples
    --------
    >>> from regression_model.config.core import get_config
    >>> from regression_model.pipeline import build_pipeline
    >>> pipe = build_pipeline(get_config())
    >>> pipe.steps[0][0], pipe.steps[-1][0]
    ('field_ranges', 'regressor')
    """
    cfg = config.model_config
    steps: list[tuple[str, Any]] = [
        (name, make()) for row in STEPS for name, variables, make in row(cfg) if variables
    ]
    steps.append(("scaler", StandardScaler().set_output(transform="pandas")))
    steps.append(("regressor", _regressor(cfg)))
    return Pipeline(steps)


def __getattr__(name: str) -> Any:
    # The reference package's `price_pipe`: an unfitted pipeline, built on first
    # access (PEP 562) rather than at import.
    if name == "price_pipe":
        from regression_model.config.core import get_config

        return build_pipeline(get_config())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
