"""The reference profile: what the training houses and their out-of-fold prices
looked like, for monitoring to compare stored predictions with.

Written beside the artifact as ``<artifact>.profile.json``, vouched for by the
manifest, and kept in the prediction store's ``models`` row with the model's
first call, so monitoring needs neither the training data nor this version.
It holds, per input field (every field of the input contract but ``Id``, a
row number):

* numbers: the inner edges of ``PROFILE_BINS`` quantile bins, the share of
  training values in each, the smallest, median and largest value;
* categories (and ``MSSubClass``, whose numbers name categories): the share
  of each category;
* the missing share.

And, from the repeated cross-validation's out-of-fold predictions, as users
would have received them: the deciles of the log price and the median
price, the share of rows rejected, the share with each kind of warning, and
the RMSLE, bias and range coverage overall, by price band, by
``Neighborhood`` and for warned and unwarned rows. See ``monitoring.reference``
for how values are binned.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from regression_model import messages
from regression_model.config.core import Config
from regression_model.monitoring.reference import (
    PROFILE_FORMAT,
    category_text,
    number_bins,
    quantile_edges,
)
from regression_model.scoring.rules import field_rules
from regression_model.training.evaluation import CrossValidation
from regression_model.training.range_calibration import BAND_NAMES, PRICE_BANDS

__all__ = [
    "PROFILE_BINS",
    "build_profile",
    "input_profile",
    "profile_fields",
]

PROFILE_BINS = 10
# A row number: it drifts by construction, so it is not compared.
_NOT_PROFILED = frozenset({"Id"})
_KINDS = (messages.OUT_OF_RANGE, messages.UNUSUAL_COMBINATION, messages.UNSEEN_CATEGORY)


def profile_fields(config: Config) -> dict[str, str]:
    """Each profiled field and its kind, ``number`` or ``category``, in the
    input contract's order.

    Examples
    --------
    >>> from regression_model.config.core import get_config
    >>> from regression_model.training.profile import profile_fields
    >>> fields = profile_fields(get_config())
    >>> len(fields), fields["GrLivArea"], fields["MSSubClass"], fields["Neighborhood"]
    (79, 'number', 'category', 'category')
    """
    coded = set(config.model_config.numeric_codes_as_category)
    return {
        name: "category" if rule.kind == "category" or name in coded else "number"
        for name, rule in field_rules().items()
        if name not in _NOT_PROFILED
    }


def _number_entry(values: np.ndarray, bins: int) -> dict[str, Any]:
    present = values[~np.isnan(values)]
    if not len(present):
        return {"kind": "number", "missing": 1.0, "edges": [], "shares": [1.0]}
    edges = quantile_edges(present, bins)
    counts = np.bincount(number_bins(edges, present), minlength=len(edges) + 1)
    return {
        "kind": "number",
        "missing": 1 - len(present) / len(values),
        "edges": edges.tolist(),
        "shares": (counts / len(present)).tolist(),
        "min": float(present.min()),
        "median": float(np.median(present)),
        "max": float(present.max()),
    }


def _category_entry(values: np.ndarray) -> dict[str, Any]:
    text = pd.Series(category_text(values), dtype=object)
    shares = text.value_counts(normalize=True, dropna=True)
    return {
        "kind": "category",
        "missing": float(text.isna().mean()),
        "shares": {str(k): float(v) for k, v in sorted(shares.items())},
    }


def input_profile(
    frame: pd.DataFrame, config: Config, bins: int = PROFILE_BINS
) -> dict[str, dict[str, Any]]:
    """The profile's ``fields`` section for the rows of ``frame`` (a field
    the frame lacks counts as missing throughout).

    Examples
    --------
    >>> from regression_model.config.core import get_config
    >>> from regression_model.data import load_dataset
    >>> from regression_model.training.profile import input_profile
    >>> fields = input_profile(load_dataset(file_name="train.csv"), get_config())
    >>> round(fields["LotFrontage"]["missing"], 3), fields["Street"]["shares"]["Grvl"]
    (0.177, 0.00410958904109589)
    """
    entries = {}
    for name, kind in profile_fields(config).items():
        if name in frame:
            values = frame[name].to_numpy()
        else:
            values = np.full(len(frame), np.nan if kind == "number" else None)
        if kind == "number":
            entries[name] = _number_entry(np.asarray(values, dtype=np.float64), bins)
        else:
            entries[name] = _category_entry(np.asarray(values))
    return entries


def _rmsle(errors: np.ndarray) -> float | None:
    return float(np.sqrt(np.mean(errors**2))) if errors.size else None


def _segment(errors: np.ndarray, houses: int, coverage: float | None = None) -> dict[str, Any]:
    return {
        "rows": houses,
        "rmsle": _rmsle(errors),
        "bias": float(np.median(errors)) if errors.size else None,
        "coverage": coverage,
    }


def _prediction_profile(cv: CrossValidation, config: Config, bins: int) -> dict[str, Any]:
    """Out-of-fold prices as users would have had them: deciles of the log
    price, shares rejected and warned."""
    bounds = config.model_config.plausible_price
    log_prices = cv.log_predicted.ravel()
    priced = (log_prices >= np.log(bounds.min)) & (log_prices <= np.log(bounds.max))
    kept = log_prices[priced]
    edges = quantile_edges(kept, bins)
    counts = np.bincount(number_bins(edges, kept), minlength=len(edges) + 1)
    any_warning = np.zeros(cv.log_predicted.shape, dtype=bool)
    for warned in cv.warned.values():
        any_warning |= warned
    rates = {kind: float(cv.warned[kind].mean()) if kind in cv.warned else 0.0 for kind in _KINDS}
    return {
        "rows": int(log_prices.size),
        "log_price_edges": edges.tolist(),
        "shares": (counts / len(kept)).tolist(),
        "median_price": float(np.exp(np.median(kept))),
        # Training rows all pass the input contract: only an implausible price is refused.
        "rejected_rate": float(1 - priced.mean()),
        "warning_rates": {**rates, "any": float(any_warning.mean())},
    }


def _accuracy_profile(
    raw: pd.DataFrame, cv: CrossValidation, metrics: dict[str, Any], config: Config
) -> dict[str, Any]:
    """Out-of-fold RMSLE, bias (median of log predicted minus log actual) and
    range coverage: overall, by band of sale price, by Neighborhood, for rows
    warned and not. Coverage comes from training's honest calibration, known
    overall and by band."""
    errors = -cv.residuals  # (seeds, rows): log predicted - log actual
    intervals = metrics["intervals"]
    segments = {"all": _segment(errors.ravel(), errors.shape[1], intervals["coverage"])}
    bands = np.searchsorted(np.asarray(PRICE_BANDS[1:-1]), np.exp(cv.log_actual), side="right")
    for number, name in enumerate(BAND_NAMES):
        rows = bands == number
        coverage = intervals["by_band"][name]["coverage"]
        segments[f"band:{name}"] = _segment(errors[:, rows].ravel(), int(rows.sum()), coverage)
    neighborhoods = category_text(raw["Neighborhood"].to_numpy())
    for name in sorted({str(n) for n in neighborhoods if n is not None}):
        rows = neighborhoods == name
        segments[f"Neighborhood:{name}"] = _segment(errors[:, rows].ravel(), int(rows.sum()))
    warned = np.zeros(errors.shape, dtype=bool)
    for kind in cv.warned.values():
        warned |= kind
    for label, rows in (("yes", warned), ("no", ~warned)):
        segments[f"warned:{label}"] = _segment(errors[rows], int(rows.any(axis=0).sum()))
    return {
        "nominal_coverage": config.model_config.prediction_intervals.coverage,
        "bands": {"edges": list(PRICE_BANDS[1:-1]), "names": list(BAND_NAMES)},
        "segments": segments,
    }


def build_profile(
    raw: pd.DataFrame,
    cv: CrossValidation,
    metrics: dict[str, Any],
    config: Config,
) -> dict[str, Any]:
    """The reference profile of a model trained on ``raw``, whose repeated
    cross-validation gave ``cv`` and ``metrics``."""
    return {
        "format": PROFILE_FORMAT,
        "bins": PROFILE_BINS,
        "rows": len(raw),
        "fields": input_profile(raw, config),
        "predictions": _prediction_profile(cv, config, PROFILE_BINS),
        "accuracy": _accuracy_profile(raw, cv, metrics, config),
    }
