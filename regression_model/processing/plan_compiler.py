"""Derive a scoring plan spec (plain JSON data) from a fitted pipeline.

Each step of a known type becomes operations built from its fitted
attributes; the first unknown step and all after it become fallback steps
that run through ``Pipeline.predict``. See ``plan.py`` for the run-time side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from feature_engine.creation import MathFeatures, RelativeFeatures
from feature_engine.encoding import OneHotEncoder, RareLabelEncoder
from feature_engine.imputation import AddMissingIndicator, CategoricalImputer, MeanMedianImputer
from feature_engine.transformation import LogCpTransformer
from feature_engine.wrappers import SklearnTransformerWrapper
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, StandardScaler

from regression_model.processing.features import OrdinalMapper
from regression_model.processing.plan import SPEC_FORMAT

_LINEAR = (Lasso, Ridge, ElasticNet, LinearRegression)
_REDUCERS = ("sum", "prod", "mean", "max", "min")


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so the spec is JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _step_operations(step: Any) -> list[dict[str, Any]] | None:
    """Operations equivalent to one fitted step, or None for an unknown step."""
    kind = type(step)
    if kind is CategoricalImputer:
        return [
            {"op": "fill_category", "column": v, "value": _plain(value)}
            for v, value in step.imputer_dict_.items()
        ]
    if kind is MeanMedianImputer:
        return [
            {"op": "fill_number", "column": v, "value": float(value)}
            for v, value in step.imputer_dict_.items()
        ]
    if kind is AddMissingIndicator:
        return [
            {"op": "missing_indicator", "column": v, "target": f"{v}_na"} for v in step.variables_
        ]
    if kind is RelativeFeatures and list(step.func) == ["sub"]:
        return [
            {"op": "subtract", "target": f"{v}_sub_{r}", "left": v, "right": r}
            for v in step.variables_
            for r in step.reference
        ]
    if kind is MathFeatures and isinstance(step.func, str) and step.func in _REDUCERS:
        (target,) = step.new_variables_names
        return [
            {
                "op": "combine",
                "target": target,
                "columns": list(step.variables_),
                "function": step.func,
            }
        ]
    if kind is LogCpTransformer and step.base == "e":
        shifts = step.C_ if isinstance(step.C_, dict) else dict.fromkeys(step.variables_, step.C_)
        return [
            {"op": "log_shift", "column": v, "shift": float(shifts[v])} for v in step.variables_
        ]
    if kind is SklearnTransformerWrapper and type(step.transformer_) is Binarizer:
        threshold = float(step.transformer_.threshold)
        return [{"op": "binarize", "column": v, "threshold": threshold} for v in step.variables_]
    if kind is OrdinalMapper:
        return [
            {
                "op": "map_categories",
                "column": v,
                "mapping": {str(k): float(n) for k, n in m.items()},
            }
            for v, m in step.mappings_.items()
        ]
    if kind is RareLabelEncoder:
        return [
            {
                "op": "rare_labels",
                "column": v,
                "frequent": [_plain(c) for c in frequent],
                "replacement": step.replace_with,
            }
            for v, frequent in step.encoder_dict_.items()
        ]
    return None


def _linear_head(steps: list[tuple[str, Any]]) -> dict[str, Any] | None:
    """Fold one-hot encoder + standard scaler + log-linear regressor into weights,
    if that is exactly what ``steps`` holds."""
    if len(steps) != 3:
        return None
    (_, encoder), (_, scaler), (_, regressor) = steps
    if not (
        type(encoder) is OneHotEncoder
        and not encoder.drop_last
        and not encoder.drop_last_binary
        and type(scaler) is StandardScaler
        and type(regressor) is TransformedTargetRegressor
        and regressor.func is np.log
        and regressor.inverse_func is np.exp
        and regressor.transformer is None
        and type(regressor.regressor_) in _LINEAR
    ):
        return None
    names = [str(n) for n in scaler.feature_names_in_]
    coef = np.ravel(regressor.regressor_.coef_)
    mean = scaler.mean_ if scaler.with_mean else np.zeros(len(names))
    scale = scaler.scale_ if scaler.with_std else np.ones(len(names))
    weights = coef / scale
    dummies = {
        f"{variable}_{category}": (variable, str(category))
        for variable, categories in encoder.encoder_dict_.items()
        for category in categories
    }
    numeric: dict[str, float] = {}
    tables: dict[str, dict[str, float]] = {str(v): {} for v in encoder.encoder_dict_}
    for name, weight in zip(names, weights, strict=True):
        if name in dummies:
            variable, category = dummies[name]
            tables[variable][category] = tables[variable].get(category, 0.0) + float(weight)
        else:
            numeric[name] = float(weight)
    intercept = float(regressor.regressor_.intercept_ - np.dot(weights, mean))
    return {"intercept": intercept, "numeric": numeric, "tables": tables}


def compile_spec(pipeline: Pipeline) -> dict[str, Any]:
    """The scoring plan spec of a fitted pipeline (JSON-serialisable).

    Examples
    --------
    >>> from regression_model.predict import load_model
    >>> from regression_model.processing.plan_compiler import compile_spec
    >>> spec = compile_spec(load_model().pipeline)
    >>> spec["fallback_steps"], spec["head"] is not None
    ([], True)
    """
    steps = list(pipeline.steps)
    operations: list[dict[str, Any]] = []
    head = None
    position = 0
    while position < len(steps):
        head = _linear_head(steps[position:])
        if head is not None:
            position = len(steps)
            break
        ops = _step_operations(steps[position][1])
        if ops is None:
            break
        operations += ops
        position += 1
    return {
        "format": SPEC_FORMAT,
        "operations": operations,
        "head": head,
        "fallback_steps": [name for name, _ in steps[position:]],
    }
