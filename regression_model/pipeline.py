"""The model as a scikit-learn Pipeline of named, config-driven steps."""

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
from sklearn.linear_model import ElasticNet, Lasso, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, StandardScaler

from regression_model.config.core import Config
from regression_model.processing.features import (
    CategorySlopes,
    FrequentCategoryImputer,
    OrdinalMapper,
    SplineFeatures,
)
from regression_model.processing.range_checks import FieldRangeChecker, JointRangeChecker
from regression_model.processing.regressors import ResidualTrimmedRegressor

ESTIMATORS: dict[str, Any] = {"Lasso": Lasso, "Ridge": Ridge, "ElasticNet": ElasticNet}


def build_pipeline(config: Config) -> Pipeline:
    """Build a new, unfitted pipeline from the configuration.

    Each step's variables come from ``config.yml``; a step whose variable list
    is empty is left out. The last step fits the estimator on log(price) and
    returns dollars, so training and prediction cannot disagree on the target
    transform.

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
    steps: list[tuple[str, Any]] = []

    def add(name: str, variables: list[str], make: Callable[[], Any]) -> None:
        # feature-engine refuses an empty variable list: such a step is left out.
        if variables:
            steps.append((name, make()))

    # Pass-through: learns each numeric field's training range, so scoring can
    # warn about a value beyond it (before imputation: a missing value is not).
    add("field_ranges", cfg.numerical_vars, lambda: FieldRangeChecker(cfg.numerical_vars))
    add(
        "absent_category_imputer",
        cfg.categorical_vars_absent_when_missing,
        lambda: CategoricalImputer(
            imputation_method="missing",
            fill_value="Missing",
            variables=_names(cfg.categorical_vars_absent_when_missing),
            ignore_format=True,
        ),
    )
    add(
        "frequent_category_imputer",
        cfg.categorical_vars_impute_frequent,
        # Ours, not feature-engine's: it breaks a tie for most frequent instead of
        # refusing the column.
        lambda: FrequentCategoryImputer(cfg.categorical_vars_impute_frequent),
    )
    add(
        "numeric_missing_indicator",
        cfg.numerical_vars_with_missing_indicator,
        lambda: AddMissingIndicator(
            missing_only=False, variables=_names(cfg.numerical_vars_with_missing_indicator)
        ),
    )
    add(
        "numeric_imputer",
        cfg.numerical_vars,
        lambda: MeanMedianImputer(imputation_method="median", variables=_names(cfg.numerical_vars)),
    )
    add(
        "years_since",
        cfg.years_since.variables,
        lambda: RelativeFeatures(
            variables=_names([cfg.years_since.reference]),
            reference=_names(cfg.years_since.variables),
            func=["sub"],
        ),
    )
    for derived in cfg.derived_features:
        add(
            f"derived_{derived.name}",
            derived.variables,
            lambda d=derived: MathFeatures(  # type: ignore[misc]
                variables=_names(d.variables), func=d.function, new_variables_names=[d.name]
            ),
        )
    add(
        "log_transform",
        cfg.log_transform_vars,
        lambda: LogCpTransformer(variables=_names(cfg.log_transform_vars), C=1),
    )
    add(
        "binarize",
        cfg.binarize_vars,
        lambda: SklearnTransformerWrapper(
            transformer=Binarizer(threshold=0.0), variables=_names(cfg.binarize_vars)
        ),
    )
    mappings = {
        column: group.mapping
        for group in cfg.ordinal_mappings.values()
        for column in group.variables
    }
    add("ordinal_mappings", list(mappings), lambda: OrdinalMapper(mappings))
    # Pass-through: learns how the training houses' numbers vary together, as
    # the model sees them (imputed, logged), to warn about unusual combinations.
    joint = [v for v in cfg.numerical_vars + cfg.derived_names if v not in cfg.binarize_vars]
    add(
        "joint_range",
        joint,
        lambda: JointRangeChecker(joint, quantile=cfg.out_of_range.joint_quantile),
    )
    for slope in cfg.category_slopes:
        add(
            f"slopes_{slope.variable}_by_{slope.category}",
            [slope.variable],
            lambda s=slope: CategorySlopes(s.category, s.variable, min_share=s.min_share),  # type: ignore[misc]
        )
    splines = cfg.spline_features
    add(
        "splines",
        splines.variables,
        lambda: SplineFeatures(
            splines.variables,
            n_knots=splines.n_knots,
            degree=splines.degree,
            extrapolation=splines.extrapolation,
        ),
    )
    # Variables priced only through their splines: their straight-line term goes,
    # so beyond the training range their effect stays flat.
    add(
        "drop_linear_terms",
        cfg.spline_only_vars,
        lambda: DropFeatures(features_to_drop=_names(cfg.spline_only_vars)),
    )
    add(
        "rare_label_encoder",
        cfg.nominal_vars,
        lambda: RareLabelEncoder(
            tol=cfg.rare_label_tolerance,
            n_categories=1,
            replace_with="Rare",
            variables=_names(cfg.nominal_vars),
            ignore_format=True,
        ),
    )
    add(
        "one_hot_encoder",
        cfg.nominal_vars,
        lambda: OneHotEncoder(variables=_names(cfg.nominal_vars), ignore_format=True),
    )
    steps.append(("scaler", StandardScaler().set_output(transform="pandas")))
    estimator = ESTIMATORS[cfg.estimator.name](
        random_state=cfg.random_state, **cfg.estimator.params
    )
    if cfg.estimator.trim_residuals_sigma is not None:
        estimator = ResidualTrimmedRegressor(
            estimator, max_sigma=cfg.estimator.trim_residuals_sigma
        )
    steps.append(
        (
            "regressor",
            TransformedTargetRegressor(regressor=estimator, func=np.log, inverse_func=np.exp),
        )
    )
    return Pipeline(steps)


def _names(columns: list[str]) -> list[str | int]:
    """feature-engine annotates column lists as ``list[str | int]``."""
    return list(columns)
