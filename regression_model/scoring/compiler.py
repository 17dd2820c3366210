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
from feature_engine.selection import DropFeatures
from feature_engine.transformation import LogCpTransformer
from feature_engine.wrappers import SklearnTransformerWrapper
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, StandardScaler

from regression_model.processing.features import (
    CategorySlopes,
    FrequentCategoryImputer,
    OrdinalMapper,
    SplineFeatures,
)
from regression_model.processing.range_checks import (
    NAMED_FIELDS,
    FieldRangeChecker,
    JointRangeChecker,
)
from regression_model.processing.regressors import ResidualTrimmedRegressor
from regression_model.scoring.plan import SPEC_FORMAT

_LINEAR = (Lasso, Ridge, ElasticNet, LinearRegression)
_REDUCERS = ("sum", "prod", "mean", "max", "min")


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so the spec is JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _step_operations(step: Any) -> list[dict[str, Any]] | None:
    """Operations equivalent to one fitted step, or None for an unknown step."""
    kind = type(step)
    if kind in (CategoricalImputer, FrequentCategoryImputer):
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
    if kind is FieldRangeChecker:
        return [
            {
                "op": "field_ranges",
                "columns": list(step.variables_),
                "lower": [float(v) for v in step.lower_],
                "upper": [float(v) for v in step.upper_],
            }
        ]
    if kind is JointRangeChecker:
        return [
            {
                "op": "joint_range",
                "columns": list(step.variables_),
                "mean": [float(v) for v in step.mean_],
                "scale": [float(v) for v in step.scale_],
                "whitening": [[float(v) for v in row] for row in step.whitening_],
                "threshold": float(step.threshold_),
                "quantile": float(step.quantile),
                "named_fields": NAMED_FIELDS,
            }
        ]
    if kind is DropFeatures:
        return []  # the linear head reads only the columns it has weights for
    if kind is CategorySlopes:
        # A placeholder, like the splines': folded with the head's weights of its
        # columns into one slope lookup (see _fold_slopes).
        return [{"op": _SLOPES, "step": step}] if step.categories_ else []
    if kind is SplineFeatures and step.extrapolation in ("constant", "linear"):
        # Placeholders: the basis columns only make sense folded into the linear
        # head's weights (see _fold_splines); without a head this step falls back.
        return [
            {"op": _SPLINE_BASIS, "column": v, "basis": step.basis_names(v), "spline": spline}
            for v, spline in zip(step.variables_, _bsplines(step), strict=True)
        ]
    return None


_SPLINE_BASIS = "spline_basis (compile time only)"
_SLOPES = "category_slopes (compile time only)"
_NEEDS_HEAD = (_SPLINE_BASIS, _SLOPES)
_CURVES = "spline_curves"  # the sum of every folded spline curve


def _bsplines(step: SplineFeatures) -> list[tuple[Any, float]]:
    """Each variable's fitted basis, with 1 when it extrapolates linearly, else 0."""
    if step.spline_ is None:
        return []
    slope = 1.0 if step.extrapolation == "linear" else 0.0
    return [(basis, slope) for basis in step.spline_.bsplines_]


def _fold_splines(operations: list[dict[str, Any]], head: dict[str, Any]) -> list[dict[str, Any]]:
    """Replace a spline step's placeholders by one ``piecewise_polynomials``
    operation: per variable, the head's weights of its basis columns summed into
    a single curve; the head adds the sum of the curves with weight 1."""
    from scipy.interpolate import BSpline, PPoly

    folded: list[dict[str, Any]] = []
    for op in operations:
        if op["op"] != _SPLINE_BASIS:
            folded.append(op)
            continue
        if not folded or folded[-1]["op"] != "piecewise_polynomials":
            folded.append(
                {"op": "piecewise_polynomials", "columns": [], "target": _CURVES, "breaks": [],
                 "coefficients": [], "low": [], "high": [], "slope_below": [],
                 "slope_above": []}
            )  # fmt: skip
        group = folded[-1]
        weights = np.array([head["numeric"].pop(name, 0.0) for name in op["basis"]])
        if not weights.any():  # the Lasso dropped every basis column: no curve
            continue
        basis, slope_order = op["spline"]
        degree = int(basis.k)
        curve = BSpline(basis.t, weights, degree, extrapolate=False)
        low, high = float(basis.t[degree]), float(basis.t[-degree - 1])
        pieces = PPoly.from_spline(curve)
        inside = [i for i in range(len(pieces.x) - 1) if low <= pieces.x[i] < high]
        group["columns"].append(op["column"])
        group["breaks"].append([float(pieces.x[i]) for i in inside])
        group["coefficients"].append([[float(c) for c in pieces.c[:, i]] for i in inside])
        group["low"].append(low)
        group["high"].append(high)
        # Beyond the training range the curve keeps its end value, plus the end
        # tangent when the step extrapolates linearly.
        group["slope_below"].append(slope_order * float(curve(low, nu=1)))
        group["slope_above"].append(slope_order * float(curve(high, nu=1)))
        head["numeric"][_CURVES] = 1.0
    return [op for op in folded if op["op"] != "piecewise_polynomials" or op["columns"]]


def _fold_slopes(operations: list[dict[str, Any]], head: dict[str, Any]) -> list[dict[str, Any]]:
    """Replace a CategorySlopes placeholder by one ``category_slopes`` operation:
    the head's weights of its columns become a weight per category, times the
    clipped, centred variable, which the head adds with weight 1."""
    folded: list[dict[str, Any]] = []
    for op in operations:
        if op["op"] != _SLOPES:
            folded.append(op)
            continue
        step = op["step"]
        weights = {
            str(category): head["numeric"].pop(name, 0.0)
            for category, name in zip(step.categories_, step.slope_names(), strict=True)
        }
        if not any(weights.values()):  # the Lasso dropped every slope
            continue
        target = f"_slopes_{step.variable}_by_{step.category}"
        folded.append(
            {
                "op": "category_slopes",
                "category": step.category,
                "variable": step.variable,
                "lower": step.lower_,
                "upper": step.upper_,
                "center": step.center_,
                "weights": weights,
                "target": target,
            }
        )
        head["numeric"][target] = 1.0
    return folded


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
    if type(linear) not in _LINEAR:
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
        ops = _step_operations(steps[position][1])
        if ops is None:
            break
        if first_needing_head is None and any(op["op"] in _NEEDS_HEAD for op in ops):
            first_needing_head = (position, len(operations))
        operations += ops
        position += 1
    if head is not None:
        operations = _fold_slopes(_fold_splines(operations, head), head)
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
