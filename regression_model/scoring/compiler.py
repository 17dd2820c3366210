"""Derive a scoring plan spec (plain JSON data) from a fitted pipeline.

Each step of a known type becomes operations built from its fitted
attributes (``step_specs``); the one-hot encoder, scaler and log-linear
regressor at the end fold into a linear head, and the spline and slope steps
into it (``folding``). The first step the plan cannot express and all after it
become fallback steps that run through ``Pipeline.predict``; the spec then says
why (``fallback_reason``: which check failed), and loading the model logs it.
See ``plan`` for the run-time side.
"""

from __future__ import annotations

from collections.abc import Callable
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
from regression_model.scoring.step_specs import STEP_SPECS, step_operations

__all__ = [
    "compile_spec",
]


def _linear_estimators() -> tuple[type, ...]:
    """Every estimator config.yml may name is linear: their weights fold."""
    return tuple(estimator_class(name) for name in ESTIMATORS)


def _fitted_estimator(regressor: TransformedTargetRegressor) -> Any:
    """The fitted estimator that predicts the log price."""
    linear = regressor.regressor_
    if type(linear) is ResidualTrimmedRegressor:  # predicts with its refitted estimator
        linear = linear.estimator_
    return linear


def _kind(step: Any) -> str:
    return type(step).__name__


# What the last three steps (e, s, r: encoder, scaler, regressor) must be to
# fold into a linear head: one row per check, in order, so a check may rely on
# those above it; and what a pipeline failing it is told (n: the step names).
_HEAD_CHECKS: list[tuple[Callable[[Any, Any, Any], bool], Callable[..., str]]] = [
    (
        lambda e, s, r: type(e) is OneHotEncoder,
        lambda n, e, s, r: f"{n[0]} is a {_kind(e)}, not feature-engine's OneHotEncoder",
    ),
    (
        lambda e, s, r: not e.drop_last and not e.drop_last_binary,
        lambda n, e, s, r: f"{n[0]} drops a category (drop_last or drop_last_binary)",
    ),
    (
        lambda e, s, r: type(s) is StandardScaler,
        lambda n, e, s, r: f"{n[1]} is a {_kind(s)}, not scikit-learn's StandardScaler",
    ),
    (
        lambda e, s, r: type(r) is TransformedTargetRegressor,
        lambda n, e, s, r: f"{n[2]} is a {_kind(r)}, not a TransformedTargetRegressor",
    ),
    (
        lambda e, s, r: r.func is np.log and r.inverse_func is np.exp and r.transformer is None,
        lambda n, e, s, r: (
            f"{n[2]} does not fit the log of the price "
            "(func np.log, inverse_func np.exp, no transformer)"
        ),
    ),
    (
        lambda e, s, r: type(_fitted_estimator(r)) in _linear_estimators(),
        lambda n, e, s, r: (
            f"{n[2]} fits a {_kind(_fitted_estimator(r))}, none of the "
            "linear estimators config.yml may name"
        ),
    ),
]


def _head_mismatch(steps: list[tuple[str, Any]]) -> str | None:
    """Why ``steps`` do not fold into a linear head; None when they do."""
    if len(steps) != 3:
        return (
            f"{len(steps)} steps remain, where a linear head is three: "
            "one-hot encoder, standard scaler, log-linear regressor"
        )
    names = [name for name, _ in steps]
    encoder, scaler, regressor = (step for _, step in steps)
    for passes, failure in _HEAD_CHECKS:
        if not passes(encoder, scaler, regressor):
            return failure(names, encoder, scaler, regressor)
    return None


def _linear_head(steps: list[tuple[str, Any]]) -> dict[str, Any] | None:
    """Fold one-hot encoder + standard scaler + log-linear regressor into weights,
    if that is exactly what ``steps`` holds (:func:`_head_mismatch` says why not)."""
    if _head_mismatch(steps) is not None:
        return None
    (_, encoder), (_, scaler), (_, regressor) = steps
    linear = _fitted_estimator(regressor)
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

    When steps fall back to the pipeline, ``fallback_reason`` says why: the
    check the steps failed.

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
    reason = ""
    while position < len(steps):
        head = _linear_head(steps[position:])
        if head is not None:
            position = len(steps)
            break
        ops = step_operations(steps[position][1])
        if ops is None:
            reason = _why_not_compiled(steps, position)
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
        reason = (reason or "no linear head ends the pipeline") + (
            f"; without a head, {steps[position][0]} and every step after it fall back "
            "(its operations fold only into a linear head)"
        )
    spec = {
        "format": SPEC_FORMAT,
        "operations": operations,
        "head": head,
        "fallback_steps": [name for name, _ in steps[position:]],
    }
    if spec["fallback_steps"]:  # a plan without fallback steps has no reason key
        spec["fallback_reason"] = reason
    return spec


def _why_not_compiled(steps: list[tuple[str, Any]], position: int) -> str:
    """Why the step at ``position`` has no plan operations: it is not one the
    compiler knows or its settings are not, and it does not begin a linear head."""
    name, step = steps[position]
    if len(steps) - position == 3:  # where the head would begin
        mismatch = _head_mismatch(steps[position:])
        return f"the last three steps do not fold into a linear head: {mismatch}"
    if type(step) in STEP_SPECS:
        return f"{name} is a {_kind(step)} with settings the plan has no operation for"
    return f"{name} is a {_kind(step)}, a step the plan has no operation for"
