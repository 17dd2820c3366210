"""Honest accuracy: repeated k-fold cross-validation over every training row.

Each seed in ``cv_seeds`` draws one shuffled k-fold split of all the training
rows. Every row is scored once per seed, by a pipeline fitted on the other
folds and compiled into the same scoring plan users get, so the figures
include the out-of-range checks and the price ranges exactly as served.
Rows that training does not fit on (``fit_rows`` False) are still scored.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline

from regression_model.config.core import Config
from regression_model.pipeline import build_pipeline
from regression_model.scoring.columns import ValidatedBatch
from regression_model.scoring.compiler import compile_spec
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.signals import BEYOND_TRAINING
from regression_model.training.range_calibration import (
    Calibration,
    coverage_report,
    difficulty_features,
)

__all__ = [
    "CrossValidation",
    "accuracy",
    "all_calibration_rows",
    "calibration_rows",
    "cross_validate",
    "cv_folds",
    "fold_ids",
    "interval_report",
    "plan_spec",
    "quiet_fit",
    "range_report",
    "seed_scores",
]

logger = logging.getLogger(__name__)


@dataclass
class CrossValidation:
    """Out-of-fold results of repeated k-fold CV, one row of each array per seed."""

    seeds: list[int]
    log_actual: np.ndarray  # (rows,)
    log_predicted: np.ndarray  # (seeds, rows)
    fold: np.ndarray  # (seeds, rows): the fold that scored each row
    beyond_range: np.ndarray  # (seeds, rows): any warning that it lies beyond training
    signals: dict[str, np.ndarray]  # name -> (seeds, rows), as the plan reported them
    labels: dict[str, np.ndarray]  # column -> (seeds, rows): its category after the plan
    # warning kind -> (seeds, rows): whether the row got a warning of that kind
    warned: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def residuals(self) -> np.ndarray:
        """Log actual minus log predicted, (seeds, rows)."""
        residuals: np.ndarray = self.log_actual[None, :] - self.log_predicted
        return residuals


@contextmanager
def quiet_fit() -> Iterator[None]:
    """Silence feature-engine's RareLabelEncoder when a fold holds a single
    category of a column (Utilities: one training house is not "AllPub"): the
    column is then simply left as it is, which is what we want."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The number of unique categories", category=UserWarning
        )
        yield


def cv_folds(config: Config, seed: int) -> KFold:
    """The k-fold split of one seed (ours, the reference's and the search's)."""
    return KFold(n_splits=config.model_config.cv_folds, shuffle=True, random_state=seed)


def fold_ids(raw: pd.DataFrame, config: Config) -> list[list[list[int]]]:
    """Per CV seed, the ``Id`` of the rows each fold scores: what makes two CV
    figures comparable (ours and the reference's)."""
    ids = raw["Id"].to_numpy()
    return [
        [[int(i) for i in ids[test]] for _, test in cv_folds(config, seed).split(raw)]
        for seed in config.model_config.cv_seeds
    ]


def plan_spec(pipeline: Pipeline, X: pd.DataFrame, config: Config) -> dict[str, Any]:
    """The scoring plan of a fitted pipeline, with the categories each unordered
    column held in its training rows (scoring warns about the others)."""
    spec = compile_spec(pipeline)
    spec["seen_categories"] = {
        name: sorted({str(v) for v in X[name].dropna()})
        for name in config.model_config.nominal_vars
    }
    return spec


def cross_validate(
    config: Config,
    batch: ValidatedBatch,
    X: pd.DataFrame,
    y: pd.Series,
    *,
    fit_rows: np.ndarray,
    seeds: list[int] | None = None,
) -> CrossValidation:
    """Score every row once per seed, with a model fitted on the other folds.

    Parameters
    ----------
    config : Config
        The validated configuration (pipeline, folds, seeds).
    batch, X : ValidatedBatch, pandas.DataFrame
        The same training rows, as the scoring plan and the pipeline take them.
    y : pandas.Series
        Sale prices in dollars.
    fit_rows : ndarray of bool
        Which rows a model may be fitted on; all rows are scored.
    seeds : list of int, optional
        The fold seeds; ``config``'s ``cv_seeds`` by default.
    """
    cfg = config.model_config
    seeds = list(cfg.cv_seeds if seeds is None else seeds)
    n_rows = len(y)
    log_predicted = np.empty((len(seeds), n_rows))
    fold_of = np.empty((len(seeds), n_rows), dtype=np.int64)
    beyond = np.zeros((len(seeds), n_rows), dtype=bool)
    signals: dict[str, np.ndarray] = {}
    labelled = cfg.prediction_intervals.by_category
    labels = {c: np.empty((len(seeds), n_rows), dtype=object) for c in labelled}
    warned: dict[str, np.ndarray] = {}
    for s, seed in enumerate(seeds):
        for fold, (train, test) in enumerate(cv_folds(config, seed).split(X)):
            train = train[fit_rows[train]]
            with quiet_fit():
                fitted = build_pipeline(config).fit(X.iloc[train], y.iloc[train])
            plan = ScoringPlan.from_spec(plan_spec(fitted, X.iloc[train], config))
            plan.attach_pipeline(fitted)
            scored = plan.score(batch.take(test))
            log_predicted[s, test] = scored.log_prices
            fold_of[s, test] = fold
            beyond[s, test] = scored.signals[BEYOND_TRAINING] > 0
            for name, values in scored.signals.items():
                signals.setdefault(name, np.zeros((len(seeds), n_rows)))[s, test] = values
            for column in labelled:
                labels[column][s, test] = scored.state.category(column).values()
            for finding in scored.findings:
                kind = warned.setdefault(finding.kind, np.zeros((len(seeds), n_rows), dtype=bool))
                kind[s, test[finding.index]] = True
        logger.info("cross-validation: seed %d of %d done", s + 1, len(seeds))
    return CrossValidation(
        seeds=seeds,
        log_actual=np.log(y.to_numpy(dtype=np.float64)),
        log_predicted=log_predicted,
        fold=fold_of,
        beyond_range=beyond,
        signals=signals,
        labels=labels,
        warned=warned,
    )


def calibration_rows(cv: CrossValidation, config: Config, seed_index: int) -> Calibration:
    """One seed's out-of-fold rows, as the price ranges are calibrated on."""
    features = difficulty_features(config).numeric(
        cv.log_predicted[seed_index],
        {name: values[seed_index] for name, values in cv.signals.items()},
    )
    return Calibration(
        residuals=cv.residuals[seed_index],
        features=features,
        labels={c: np.asarray(v[seed_index], dtype=str) for c, v in cv.labels.items()},
        houses=np.arange(len(cv.log_actual)),
    )


def all_calibration_rows(cv: CrossValidation, config: Config) -> Calibration:
    """Every seed's out-of-fold rows together (each house once per seed)."""
    parts = [calibration_rows(cv, config, s) for s in range(len(cv.seeds))]
    return Calibration(
        residuals=np.concatenate([p.residuals for p in parts]),
        features=np.vstack([p.features for p in parts]),
        labels={c: np.concatenate([p.labels[c] for p in parts]) for c in cv.labels},
        houses=np.concatenate([p.houses for p in parts]),
    )


def interval_report(cv: CrossValidation, config: Config) -> dict[str, Any]:
    """Coverage and width of the price ranges under repeated CV."""
    return coverage_report(
        [calibration_rows(cv, config, s) for s in range(len(cv.seeds))],
        cv.log_predicted,
        cv.log_actual,
        cv.fold,
        cv.beyond_range,
        config,
    )


def _rmsle(residuals: np.ndarray) -> float:
    return float(np.sqrt(np.mean(residuals**2))) if residuals.size else float("nan")


def seed_scores(cv: CrossValidation, rows: np.ndarray) -> list[dict[str, float]]:
    """Per seed, the RMSLE over ``rows`` (bool mask): pooled over the rows, and
    the mean of each fold's RMSLE."""
    scores = []
    for s, seed in enumerate(cv.seeds):
        residuals = cv.residuals[s]
        folds = [_rmsle(residuals[(cv.fold[s] == f) & rows]) for f in np.unique(cv.fold[s])]
        scores.append(
            {"seed": seed, "pooled": _rmsle(residuals[rows]), "fold_mean": float(np.mean(folds))}
        )
    return scores


def accuracy(cv: CrossValidation, flagged: np.ndarray) -> dict[str, Any]:
    """The repeated-CV RMSLE over every row and without the ``flagged`` rows:
    per seed, and the mean and standard deviation over seeds."""
    report: dict[str, Any] = {"seeds": cv.seeds, "folds": int(cv.fold.max()) + 1}
    for name, rows in (("all_rows", np.ones_like(flagged)), ("without_flagged", ~flagged)):
        per_seed = seed_scores(cv, rows)
        report[name] = {
            "rows": int(rows.sum()),
            "per_seed": per_seed,
            **{
                f"{key}_{stat}": float(getattr(np, stat)([s[key] for s in per_seed]))
                for key in ("pooled", "fold_mean")
                for stat in ("mean", "std")
            },
        }
    return report


def range_report(cv: CrossValidation) -> dict[str, Any]:
    """How often a training row is beyond what the other folds taught, and how
    such rows score, averaged over seeds."""
    per_seed = []
    for s in range(len(cv.seeds)):
        beyond = cv.beyond_range[s]
        per_seed.append(
            {
                "rows": int(beyond.sum()),
                "rmsle_beyond": _rmsle(cv.residuals[s][beyond]),
                "rmsle_within": _rmsle(cv.residuals[s][~beyond]),
            }
        )
    return {
        key: float(np.mean([p[key] for p in per_seed]))
        for key in ("rows", "rmsle_beyond", "rmsle_within")
    }
