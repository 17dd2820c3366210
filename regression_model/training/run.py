"""Train the model and write its artifact, plan, manifest and model card.

The only module that writes artifacts: ``tox -e train``,
``python -m regression_model.train_pipeline`` and ``regression-model train``
all run :func:`main`.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

import regression_model
from regression_model.artifacts import (
    artifact_name,
    manifest_path_for,
    plan_path_for,
    profile_path_for,
    save_pipeline,
)
from regression_model.config.core import TRAINED_MODEL_DIR, Config, get_config
from regression_model.data import load_training_data
from regression_model.pipeline import build_pipeline
from regression_model.scoring.columns import ValidatedBatch
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.validators import validate_table
from regression_model.training.evaluation import (
    CrossValidation,
    accuracy,
    all_calibration_rows,
    cross_validate,
    fold_ids,
    interval_report,
    plan_spec,
    quiet_fit,
    range_report,
)
from regression_model.training.manifest import build_manifest, folds_sha256, reference_cv
from regression_model.training.model_card import build_model_card, reference_summary
from regression_model.training.profile import build_profile
from regression_model.training.range_calibration import calibrate
from regression_model.training.training_rows import check_ordinal_mappings, training_frame
from regression_model.versioning import model_fingerprint

__all__ = [
    "artifact_is_current",
    "check_plan_parity",
    "main",
    "run_training",
]

logger = logging.getLogger(__name__)


def run_training(config: Config | None = None, data_path: Path | None = None) -> dict[str, Any]:
    """Evaluate the pipeline by repeated CV, calibrate its price ranges, fit it
    on every training row and persist it with its plan, manifest and card.

    Parameters
    ----------
    config : Config, optional
        The configuration to train with; the package's own by default. It names
        and checks the artifact too.
    data_path : pathlib.Path, optional
        Another copy of the training data (its sha256 must match config.yml's).

    Returns
    -------
    dict
        The manifest written beside the artifact.

    Raises
    ------
    DataError
        When the training data is missing, altered, or breaks the contract.
    ConfigError
        When an ordinal mapping lacks a category the training data holds.

    Nothing is written unless every check and the fit succeed.

    Examples
    --------
    >>> from regression_model.train_pipeline import run_training
    >>> manifest = run_training()  # doctest: +SKIP
    >>> manifest["metrics"]["cv"]["all_rows"]["pooled_mean"] < 0.13  # doctest: +SKIP
    True
    """
    cfg = config or get_config()
    started = time.perf_counter()
    raw = load_training_data(cfg, data_path)
    X, y, flagged = training_frame(raw, cfg)
    check_ordinal_mappings(X, cfg)
    batch = validate_table(FrameInput(raw), cfg)
    logger.info(
        "training on all %d rows (%d flagged sales among them); %d-fold CV over seeds %s",
        len(y),
        int(flagged.sum()),
        cfg.model_config.cv_folds,
        cfg.model_config.cv_seeds,
    )
    cv = cross_validate(cfg, batch, X, y, fit_rows=np.ones(len(y), dtype=bool))
    metrics = _metrics(cv, raw, flagged, cfg)
    with quiet_fit():
        pipeline = build_pipeline(cfg).fit(X, y)
    spec = plan_spec(pipeline, X, cfg)
    spec["intervals"] = calibrate(all_calibration_rows(cv, cfg), cfg)
    check_plan_parity(pipeline, spec, batch, cfg)
    flagged_ids = [int(i) for i in raw.loc[flagged, "Id"]]
    manifest = build_manifest(
        cfg,
        rows=len(y),
        flagged_ids=flagged_ids,
        metrics=metrics,
        seconds=time.perf_counter() - started,
    )
    plan_name = plan_path_for(TRAINED_MODEL_DIR / artifact_name(cfg)).name
    manifest["scoring_plan"] = {"file": plan_name, "fallback_steps": spec["fallback_steps"]}
    profile_name = profile_path_for(TRAINED_MODEL_DIR / artifact_name(cfg)).name
    profile = json.dumps(build_profile(raw, cv, metrics, cfg), sort_keys=True, allow_nan=False)
    card = build_model_card(manifest, pipeline, y, np.exp(cv.log_predicted))
    path = save_pipeline(
        pipeline_to_persist=pipeline,
        config=cfg,
        manifest=manifest,
        extra_files={
            plan_name: json.dumps(spec, indent=1, sort_keys=True) + "\n",
            profile_name: profile + "\n",
            **card,
        },
    )
    logger.info("wrote %s", path)
    _log_metrics(metrics)  # last, so the log ends with the accuracy
    return manifest


def _metrics(
    cv: CrossValidation, raw: pd.DataFrame, flagged: np.ndarray, config: Config
) -> dict[str, Any]:
    """Every figure of the cross-validation."""
    metrics = {
        "cv": {**accuracy(cv, flagged), "folds_sha256": folds_sha256(fold_ids(raw, config))},
        "out_of_range": {
            **range_report(cv),
            "joint_quantile": config.model_config.out_of_range.joint_quantile,
        },
        "intervals": interval_report(cv, config),
    }
    metrics["reference_cv"] = reference_cv(metrics["cv"]["folds_sha256"])
    return metrics


def _log_metrics(metrics: dict[str, Any]) -> None:
    """The figures of the cross-validation, the accuracy last."""
    cv, intervals = metrics["cv"], metrics["intervals"]
    logger.info(
        "price ranges: %.1f%% of true prices inside at %.0f%% nominal; median width %.1f%% "
        "of the price",
        intervals["coverage"] * 100,
        intervals["nominal"] * 100,
        intervals["median_width"] * 100,
    )
    logger.info(
        "rows beyond what the other folds taught: %.1f per seed, RMSLE %.4f (others %.4f)",
        metrics["out_of_range"]["rows"],
        metrics["out_of_range"]["rmsle_beyond"],
        metrics["out_of_range"]["rmsle_within"],
    )
    logger.info(
        "repeated %d-fold CV RMSLE over all %d rows (pooled, mean of %d seeds): %.4f "
        "(std %.4f); without the flagged sales: %.4f; %s",
        cv["folds"],
        cv["all_rows"]["rows"],
        len(cv["seeds"]),
        cv["all_rows"]["pooled_mean"],
        cv["all_rows"]["pooled_std"],
        cv["without_flagged"]["pooled_mean"],
        reference_summary(metrics["reference_cv"]),
    )


def check_plan_parity(
    pipeline: Pipeline, spec: dict[str, Any], batch: ValidatedBatch, config: Config
) -> None:
    """Refuse to ship a scoring plan that disagrees with the pipeline on the
    training rows, as read from the file (relative difference above 1e-9)."""
    plan = ScoringPlan.from_spec(spec)
    plan.attach_pipeline(pipeline)
    fast = plan.predict(batch)
    slow = pipeline.predict(batch.frame(config))
    worst = float(np.max(np.abs(fast - slow) / np.abs(slow)))
    if worst > 1e-9:
        raise RuntimeError(f"scoring plan differs from the pipeline by {worst:.2e} relative")
    logger.info(
        "scoring plan matches the pipeline on %d rows (max rel diff %.1e)", len(slow), worst
    )


def artifact_is_current(config: Config | None = None) -> bool:
    """True when an artifact for the current VERSION exists and was built
    from the current config, code and data."""
    cfg = config or get_config()
    path = TRAINED_MODEL_DIR / artifact_name(cfg)
    manifest = manifest_path_for(path)
    if not (path.is_file() and manifest.is_file()):
        return False
    recorded = json.loads(manifest.read_text(encoding="utf-8")).get("model_fingerprint")
    return bool(recorded == model_fingerprint(cfg))


def main(argv: list[str] | None = None) -> int:
    """Train from the command line (``--if-stale``: only when no current artifact
    exists); returns the exit code."""
    parser = argparse.ArgumentParser(description="Train the regression model.")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="train only when no artifact exists for the current VERSION, config, code and data",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.if_stale and artifact_is_current():
        logger.info(
            "artifact for version %s is current; not retraining", regression_model.__version__
        )
        return 0
    run_training()
    return 0
