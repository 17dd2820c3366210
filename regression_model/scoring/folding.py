"""Folding the linear head's weights into the steps before it.

A spline step's basis columns and a slope step's columns only ever reach the
price through the Lasso's weights, so the compiler replaces them by one curve
per variable (a piecewise polynomial) and one slope per category, each added
to the log price with weight 1. The basis is never materialised at scoring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regression_model.processing.features import SplineFeatures

__all__ = [
    "CURVES",
    "NEEDS_HEAD",
    "SLOPES",
    "SPLINE_BASIS",
    "bsplines",
    "fold_slopes",
    "fold_splines",
]

# Placeholder operations, never in a saved spec: folded here, or (without a
# head) their step falls back to the pipeline.
SPLINE_BASIS = "spline_basis (compile time only)"
SLOPES = "category_slopes (compile time only)"
NEEDS_HEAD = (SPLINE_BASIS, SLOPES)
CURVES = "spline_curves"  # the sum of every folded spline curve


def bsplines(step: SplineFeatures) -> list[tuple[Any, float]]:
    """Each variable's fitted basis, with 1 when it extrapolates linearly, else 0."""
    if step.spline_ is None:
        return []
    slope = 1.0 if step.extrapolation == "linear" else 0.0
    return [(basis, slope) for basis in step.spline_.bsplines_]


def fold_splines(operations: list[dict[str, Any]], head: dict[str, Any]) -> list[dict[str, Any]]:
    """Replace a spline step's placeholders by one ``piecewise_polynomials``
    operation: per variable, the head's weights of its basis columns summed into
    a single curve; the head adds the sum of the curves with weight 1."""
    from scipy.interpolate import BSpline, PPoly

    folded: list[dict[str, Any]] = []
    for op in operations:
        if op["op"] != SPLINE_BASIS:
            folded.append(op)
            continue
        if not folded or folded[-1]["op"] != "piecewise_polynomials":
            folded.append(
                {"op": "piecewise_polynomials", "columns": [], "target": CURVES, "breaks": [],
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
        head["numeric"][CURVES] = 1.0
    return [op for op in folded if op["op"] != "piecewise_polynomials" or op["columns"]]


def fold_slopes(operations: list[dict[str, Any]], head: dict[str, Any]) -> list[dict[str, Any]]:
    """Replace a CategorySlopes placeholder by one ``category_slopes`` operation:
    the head's weights of its columns become a weight per category, times the
    clipped, centred variable, which the head adds with weight 1."""
    folded: list[dict[str, Any]] = []
    for op in operations:
        if op["op"] != SLOPES:
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
