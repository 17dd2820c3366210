"""Derive a scoring plan spec (plain JSON data) from a fitted pipeline.

Each step of a known type becomes operations built from its fitted
attributes (``step_specs``); the one-hot encoder, scaler and log-linear
regressor at the end fold into a linear head, and the spline and slope steps
into it (``folding``). The first step the plan cannot express and all after it
become fallback steps that run through ``Pipeline.predict``. See ``plan`` for
the run-time side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from feature_engine.encoding import OneHotEncoder
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from regression_model.processing.regressors import ResidualTrimmedRegressor
from regression_model.registry import ESTIMATORS, estimator_class
from regression_model.scoring.folding import NEEDS_HEAD, fold_slopes, fold_splines
from regression_model.scoring.plan import SPEC_FORMAT
from regression_model.scoring.step_specs import step_operations

__all__ = [
    "compile_spec",
]


def _linear_estimators() -> tuple[type, ...]:
    """Every estimator config.yml may name is linear: their weights fold."""
    return tuple(estimator_class(name) for name in ESTIMATORS)


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
    ):
        return None
    linear = regressor.regressor_
    if type(linear) is ResidualTrimmedRegressor:  # predicts with its refitted estimator
        linear = linear.estimator_
    if type(linear) not in _linear_estimators():
        return None
    names = [str(n) for n in scaler.feature_names_in_]
    coef = np.ravel(linear.coef_)
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
    intercept = float(linear.intercept_ - np.dot(weights, mean))
    return {"intercept": intercept, "numeric": numeric, "tables": tables}


def compile_spec(pipeline: Pipeline) -> dict[str, Any]:
    """The scoring plan spec of a fitted pipeline (JSON-serialisable).

    Examples
    --------
    >>> from regression_model.predict import load_model
    >>> from regression_model.scoring.compiler import compile_spec
    >>> spec = compile_spec(load_model().pipeline)
    >>> spec["fallback_steps"], spec["head"] is not None
    ([], True)
    """
    steps = list(pipeline.steps)
    operations: list[dict[str, Any]] = []
    head = None
    position = 0
    first_needing_head: tuple[int, int] | None = None  # (step, operation) positions
    while position < len(steps):
        head = _linear_head(steps[position:])
        if head is not None:
            position = len(steps)
            break
        ops = step_operations(steps[position][1])
        if ops is None:
            break
        if first_needing_head is None and any(op["op"] in NEEDS_HEAD for op in ops):
            first_needing_head = (position, len(operations))
        operations += ops
        position += 1
    if head is not None:
        operations = fold_slopes(fold_splines(operations, head), head)
    elif first_needing_head is not None:
        # No head to fold into: that step and all after it fall back.
        position, kept = first_needing_head
        operations = operations[:kept]
    return {
        "format": SPEC_FORMAT,
        "operations": operations,
        "head": head,
        "fallback_steps": [name for name, _ in steps[position:]],
    }
