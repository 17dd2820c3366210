"""What each known pipeline step compiles to: a table from the step's type to
a function of the fitted step giving its plan operations (JSON data).

A step a function cannot express (an unusual setting) gives None, as an
unknown type does: the compiler then runs it and every later step through
``Pipeline.predict``. Splines and category slopes give placeholders that only
make sense folded into the linear head's weights (see ``folding``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from feature_engine.creation import MathFeatures, RelativeFeatures
from feature_engine.encoding import RareLabelEncoder
from feature_engine.imputation import AddMissingIndicator, CategoricalImputer, MeanMedianImputer
from feature_engine.selection import DropFeatures
from feature_engine.transformation import LogCpTransformer
from feature_engine.wrappers import SklearnTransformerWrapper
from sklearn.preprocessing import Binarizer

from regression_model.processing.features import OrdinalMapper, SplineFeatures
from regression_model.processing.imputers import FrequentCategoryImputer
from regression_model.processing.range_checks import (
    NAMED_FIELDS,
    FieldRangeChecker,
    JointRangeChecker,
)
from regression_model.processing.slopes import CategorySlopes
from regression_model.registry import REDUCERS
from regression_model.scoring.folding import SLOPES, SPLINE_BASIS, bsplines

__all__ = [
    "STEP_SPECS",
    "Spec",
    "step_operations",
]

Spec = list[dict[str, Any]]


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so the spec is JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _fill_categories(step: Any) -> Spec:
    return [
        {"op": "fill_category", "column": v, "value": _plain(value)}
        for v, value in step.imputer_dict_.items()
    ]


def _fill_numbers(step: MeanMedianImputer) -> Spec:
    return [
        {"op": "fill_number", "column": v, "value": float(value)}
        for v, value in step.imputer_dict_.items()
    ]


def _missing_indicators(step: AddMissingIndicator) -> Spec:
    return [{"op": "missing_indicator", "column": v, "target": f"{v}_na"} for v in step.variables_]


def _differences(step: RelativeFeatures) -> Spec | None:
    if list(step.func) != ["sub"]:
        return None
    return [
        {"op": "subtract", "target": f"{v}_sub_{r}", "left": v, "right": r}
        for v in step.variables_
        for r in step.reference
    ]


def _combination(step: Any) -> Spec | None:  # MathFeatures
    if not (isinstance(step.func, str) and step.func in REDUCERS):
        return None
    (target,) = step.new_variables_names
    return [
        {"op": "combine", "target": target, "columns": list(step.variables_), "function": step.func}
    ]


def _logs(step: LogCpTransformer) -> Spec | None:
    if step.base != "e":
        return None
    shifts = step.C_ if isinstance(step.C_, dict) else dict.fromkeys(step.variables_, step.C_)
    return [{"op": "log_shift", "column": v, "shift": float(shifts[v])} for v in step.variables_]


def _binarized(step: SklearnTransformerWrapper) -> Spec | None:
    if type(step.transformer_) is not Binarizer:
        return None
    threshold = float(step.transformer_.threshold)
    return [{"op": "binarize", "column": v, "threshold": threshold} for v in step.variables_]


def _mapped(step: OrdinalMapper) -> Spec:
    return [
        {"op": "map_categories", "column": v, "mapping": {str(k): float(n) for k, n in m.items()}}
        for v, m in step.mappings_.items()
    ]


def _rare_labels(step: RareLabelEncoder) -> Spec:
    return [
        {
            "op": "rare_labels",
            "column": v,
            "frequent": [_plain(c) for c in frequent],
            "replacement": step.replace_with,
        }
        for v, frequent in step.encoder_dict_.items()
    ]


def _field_ranges(step: FieldRangeChecker) -> Spec:
    return [
        {
            "op": "field_ranges",
            "columns": list(step.variables_),
            "lower": [float(v) for v in step.lower_],
            "upper": [float(v) for v in step.upper_],
        }
    ]


def _joint_range(step: JointRangeChecker) -> Spec:
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


def _slopes(step: CategorySlopes) -> Spec:
    return [{"op": SLOPES, "step": step}] if step.categories_ else []


def _splines(step: SplineFeatures) -> Spec | None:
    if step.extrapolation not in ("constant", "linear"):
        return None
    return [
        {"op": SPLINE_BASIS, "column": v, "basis": step.basis_names(v), "spline": spline}
        for v, spline in zip(step.variables_, bsplines(step), strict=True)
    ]


# The step types the compiler knows. DropFeatures compiles to nothing: the
# linear head reads only the columns it has weights for.
STEP_SPECS: dict[type, Callable[[Any], Spec | None]] = {
    CategoricalImputer: _fill_categories,
    FrequentCategoryImputer: _fill_categories,
    MeanMedianImputer: _fill_numbers,
    AddMissingIndicator: _missing_indicators,
    RelativeFeatures: _differences,
    MathFeatures: _combination,
    LogCpTransformer: _logs,
    SklearnTransformerWrapper: _binarized,
    OrdinalMapper: _mapped,
    RareLabelEncoder: _rare_labels,
    FieldRangeChecker: _field_ranges,
    JointRangeChecker: _joint_range,
    DropFeatures: lambda step: [],
    CategorySlopes: _slopes,
    SplineFeatures: _splines,
}


def step_operations(step: Any) -> Spec | None:
    """Operations equivalent to one fitted step, or None for a step the plan
    cannot express."""
    compile_step = STEP_SPECS.get(type(step))
    return None if compile_step is None else compile_step(step)
