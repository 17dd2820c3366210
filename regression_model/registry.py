"""One home for the lists that more than one module needs.

Config validation, the pipeline builder, the plan compiler, the scoring plan,
training's manifest and the artifact loader all read these tables, so adding
an estimator or a reducer, or recording another library, is one edit here.
Importing this module imports numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# Estimators config.yml may name: class, by import path (scikit-learn loads only
# when a pipeline is built). All are linear, so the plan folds them into weights.
ESTIMATORS: dict[str, str] = {
    "Lasso": "sklearn.linear_model:Lasso",
    "Ridge": "sklearn.linear_model:Ridge",
    "ElasticNet": "sklearn.linear_model:ElasticNet",
}

# How a derived feature combines its variables, row by row (config.yml's
# derived_features.function; feature-engine's MathFeatures takes the same names).
REDUCERS: dict[str, Callable[..., Any]] = {
    "sum": np.sum,
    "prod": np.prod,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
}

# The libraries a trained model depends on, and how a difference at load is met:
# "pinned" (another minor release is refused: the artifact holds their objects),
# "noted" (a difference is logged), "recorded" (only written to the manifest).
RECORDED_LIBRARIES: dict[str, str] = {
    "scikit-learn": "pinned",
    "feature-engine": "pinned",
    "numpy": "noted",
    "pandas": "noted",
    "scipy": "noted",
    "joblib": "recorded",
    "pydantic": "recorded",
    "strictyaml": "recorded",
}

# What marks a missing value in a CSV file: only the literal "NA" and an empty
# field. pandas' default list would also read MasVnrType's "None" (no veneer) as
# missing.
MISSING_MARKERS: tuple[str, ...] = ("NA", "")


def estimator_class(name: str) -> Any:
    """The estimator class config.yml names (imports scikit-learn)."""
    import importlib

    module, _, attribute = ESTIMATORS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


__all__ = [
    "ESTIMATORS",
    "MISSING_MARKERS",
    "RECORDED_LIBRARIES",
    "REDUCERS",
    "estimator_class",
]
