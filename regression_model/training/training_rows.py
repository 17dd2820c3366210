"""The training rows: train.csv validated like prediction inputs, the flagged
sales marked, and the config's ordinal mappings checked against them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regression_model.config.core import Config
from regression_model.errors import DataError
from regression_model.processing.validation import validate_inputs

__all__ = [
    "check_ordinal_mappings",
    "training_frame",
]


def training_frame(raw: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Validate training rows like prediction inputs; mark the flagged sales.

    Returns the features, the target and a mask of the sales the data's author
    flags (config ``flagged_sales``). Every row is trained on and scored; the
    mask only sets apart the figures reported without those sales. Any row the
    input contract rejects stops training.
    """
    cfg = config.model_config
    features, errors = validate_inputs(input_data=raw, config=config)
    if errors:
        shown = "; ".join(f"row {e.row}: {e.message}" for e in errors[:5])
        raise DataError(
            f"{len(errors)} problems in the training data break the input contract: {shown}"
        )
    target = raw[cfg.target].astype("float64")
    rule = cfg.flagged_sales
    flagged = ((raw[rule.variable] > rule.above) & (target < rule.target_below)).to_numpy()
    return features, target, flagged


def check_ordinal_mappings(X: pd.DataFrame, config: Config) -> None:
    """Every category training holds in a mapped column must have a number.

    Raises
    ------
    ConfigError
        Naming the mapping's key and line, and the categories it lacks.
    """
    cfg = config.model_config
    absent = set(cfg.categorical_vars_absent_when_missing)
    for group_name, group in cfg.ordinal_mappings.items():
        for column in group.variables:
            values = X[column].fillna("Missing") if column in absent else X[column].dropna()
            lacking = sorted({str(v) for v in values} - set(group.mapping))
            if lacking:
                raise config.error(
                    f"ordinal_mappings.{group_name}.mapping",
                    f"lacks {lacking}, which training column {column!r} holds; add a number "
                    "for each",
                )
