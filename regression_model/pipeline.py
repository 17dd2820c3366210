"""The model as a scikit-learn Pipeline of named, config-driven steps.

:func:`build_pipeline` lists the steps in the order they run, section by
section, as the reference package's ``pipeline.py`` does: range checks and
imputation, derived features, the joint check and curves, encoding, then the
scaler and the estimator. Every step takes its variables from ``config.yml``;
a step whose variables are empty is left out. ``price_pipe``, the reference
package's module-level pipeline, is built on first access.
"""

from __future__ import annotations

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
from regression_model.config.settings import ModelConfig
from regression_model.processing.features import OrdinalMapper, SplineFeatures
from regression_model.processing.imputers import FrequentCategoryImputer
from regression_model.processing.range_checks import FieldRangeChecker, JointRangeChecker
from regression_model.processing.regressors import ResidualTrimmedRegressor
from regression_model.processing.slopes import CategorySlopes
from regression_model.registry import estimator_class

# price_pipe is built on first access, by __getattr__ below.
__all__ = ["build_pipeline", "price_pipe"]  # noqa: F822

# A pipeline step: its name and its (unfitted) transformer or estimator.
Step = tuple[str, Any]


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
    return Pipeline(
        [
            *_ranges_and_imputation(cfg),
            *_derived_features(cfg),
            *_joint_check_and_curves(cfg),
            *_encoding(cfg),
            ("scaler", StandardScaler().set_output(transform="pandas")),
            ("regressor", _regressor(cfg)),
        ]
    )


def _ranges_and_imputation(c: ModelConfig) -> list[Step]:
    """Each numeric field's training range, then every missing value filled."""
    steps: list[Step] = []
    if c.numerical_vars:
        # Pass-through: each numeric field's training range, for range warnings
        # (before imputation: a missing value is not out of range).
        steps.append(("field_ranges", FieldRangeChecker(c.numerical_vars)))
    if absent := c.categorical_vars_absent_when_missing:
        imputer = CategoricalImputer(
            imputation_method="missing",
            fill_value="Missing",
            variables=_names(absent),
            ignore_format=True,
        )
        steps.append(("absent_category_imputer", imputer))
    if frequent := c.categorical_vars_impute_frequent:
        # Ours, not feature-engine's: it breaks a tie for most frequent instead
        # of refusing the column.
        steps.append(("frequent_category_imputer", FrequentCategoryImputer(frequent)))
    if indicated := c.numerical_vars_with_missing_indicator:
        indicator = AddMissingIndicator(missing_only=False, variables=_names(indicated))
        steps.append(("numeric_missing_indicator", indicator))
    if c.numerical_vars:
        median = MeanMedianImputer(imputation_method="median", variables=_names(c.numerical_vars))
        steps.append(("numeric_imputer", median))
    return steps


def _derived_features(c: ModelConfig) -> list[Step]:
    """Ages at sale, sums and products of fields, logs, 0/1 flags, and ordered
    labels as numbers."""
    steps: list[Step] = []
    if c.years_since.variables:
        ages = RelativeFeatures(
            variables=_names([c.years_since.reference]),
            reference=_names(c.years_since.variables),
            func=["sub"],
        )
        steps.append(("years_since", ages))
    for d in c.derived_features:  # config.yml gives each at least two variables
        combined = MathFeatures(
            variables=_names(d.variables), func=d.function, new_variables_names=[d.name]
        )
        steps.append((f"derived_{d.name}", combined))
    if c.log_transform_vars:
        steps.append(
            ("log_transform", LogCpTransformer(variables=_names(c.log_transform_vars), C=1))
        )
    if c.binarize_vars:
        binarizer = SklearnTransformerWrapper(
            transformer=Binarizer(threshold=0.0), variables=_names(c.binarize_vars)
        )
        steps.append(("binarize", binarizer))
    if mappings := _ordinal_mappings(c):
        steps.append(("ordinal_mappings", OrdinalMapper(mappings)))
    return steps


def _joint_check_and_curves(c: ModelConfig) -> list[Step]:
    """How the training houses' numbers vary together, then the curves: a slope
    per category, splines, and the straight-line terms the splines replace."""
    steps: list[Step] = []
    if joint := _joint_variables(c):
        # Pass-through: how the training houses' numbers vary together, as the
        # model sees them (imputed, logged), for unusual-combination warnings.
        checker = JointRangeChecker(joint, quantile=c.out_of_range.joint_quantile)
        steps.append(("joint_range", checker))
    for s in c.category_slopes:
        slopes = CategorySlopes(s.category, s.variable, min_share=s.min_share)
        steps.append((f"slopes_{s.variable}_by_{s.category}", slopes))
    if splined := c.spline_features.variables:
        splines = SplineFeatures(
            splined,
            n_knots=c.spline_features.n_knots,
            degree=c.spline_features.degree,
            extrapolation=c.spline_features.extrapolation,
        )
        steps.append(("splines", splines))
    if c.spline_only_vars:
        # Variables priced only through their splines: their straight-line term
        # goes, so beyond the training range their effect stays flat.
        steps.append(
            ("drop_linear_terms", DropFeatures(features_to_drop=_names(c.spline_only_vars)))
        )
    return steps


def _encoding(c: ModelConfig) -> list[Step]:
    """Rare categories pooled as "Rare", then one 0/1 column per category."""
    if not c.nominal_vars:
        return []
    rare = RareLabelEncoder(
        tol=c.rare_label_tolerance,
        n_categories=1,
        replace_with="Rare",
        variables=_names(c.nominal_vars),
        ignore_format=True,
    )
    one_hot = OneHotEncoder(variables=_names(c.nominal_vars), ignore_format=True)
    return [("rare_label_encoder", rare), ("one_hot_encoder", one_hot)]


def _regressor(cfg: ModelConfig) -> TransformedTargetRegressor:
    """The estimator on log(price), returning dollars, so training and
    prediction cannot disagree on the target transform."""
    settings = cfg.estimator
    estimator = estimator_class(settings.name)(random_state=cfg.random_state, **settings.params)
    if settings.trim_residuals_sigma is not None:
        estimator = ResidualTrimmedRegressor(estimator, max_sigma=settings.trim_residuals_sigma)
    return TransformedTargetRegressor(regressor=estimator, func=np.log, inverse_func=np.exp)


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


def __getattr__(name: str) -> Any:
    # The reference package's `price_pipe`: an unfitted pipeline, built on first
    # access (PEP 562) rather than at import.
    if name == "price_pipe":
        from regression_model.config.core import get_config

        return build_pipeline(get_config())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
