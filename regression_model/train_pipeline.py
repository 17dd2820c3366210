"""Train the model and write its artifact, manifest and model card.

This is the only module that writes artifacts. Run it with ``tox -e train``
or ``python -m regression_model.train_pipeline``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import logging
import platform
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline

import regression_model
from regression_model.config.core import PACKAGE_ROOT, TRAINED_MODEL_DIR, Config, get_config
from regression_model.errors import DataError
from regression_model.model_card import build_model_card, reference_summary
from regression_model.pipeline import build_pipeline
from regression_model.processing.batch import ValidatedBatch, validate_table
from regression_model.processing.data_manager import (
    artifact_name,
    load_training_data,
    manifest_path_for,
    plan_path_for,
    save_pipeline,
)
from regression_model.processing.inputs import FrameInput
from regression_model.processing.plan import ScoringPlan
from regression_model.processing.validation import validate_inputs
from regression_model.training.evaluation import (
    accuracy,
    all_calibration_rows,
    cross_validate,
    fold_ids,
    interval_report,
    plan_spec,
    quiet_fit,
    range_report,
)
from regression_model.training.intervals import calibrate
from regression_model.versioning import model_fingerprint

logger = logging.getLogger("regression_model.train_pipeline")

# The reference package's CV figure on our folds, written by benchmarks/reference_cv.py.
REFERENCE_CV_FILE = PACKAGE_ROOT / "reference_cv.json"

RECORDED_LIBRARIES = (
    "scikit-learn",
    "feature-engine",
    "numpy",
    "pandas",
    "scipy",
    "joblib",
    "pydantic",
    "strictyaml",
)


def library_versions() -> dict[str, str]:
    """Exact versions of the libraries a model depends on."""
    return {name: importlib.metadata.version(name) for name in RECORDED_LIBRARIES}


def rmsle(actual: Any, predicted: Any) -> float:
    """RMSE of log prices: the competition's metric."""
    return float(root_mean_squared_error(np.log(actual), np.log(predicted)))


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


def folds_sha256(ids: list[list[list[int]]]) -> str:
    """A fingerprint of a fold assignment."""
    return hashlib.sha256(json.dumps(ids).encode("utf-8")).hexdigest()


def reference_cv(folds_digest: str) -> dict[str, Any]:
    """The reference package's repeated-CV RMSLE on these folds, as recorded by
    ``benchmarks/reference_cv.py`` (it needs the reference's own environment,
    so training reads the recorded figure rather than measuring it)."""
    if not REFERENCE_CV_FILE.is_file():
        return {"pooled_mean": None, "note": f"{REFERENCE_CV_FILE.name} not found"}
    recorded: dict[str, Any] = json.loads(REFERENCE_CV_FILE.read_text(encoding="utf-8"))
    if recorded.get("folds_sha256") != folds_digest:
        return {
            "pooled_mean": None,
            "note": "recorded on other folds: run python benchmarks/reference_cv.py",
        }
    return recorded


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


def run_training(config: Config | None = None, data_path: Path | None = None) -> dict[str, Any]:
    """Evaluate the pipeline by repeated CV, calibrate its price ranges, fit it
    on every training row and persist it with its plan, manifest and card.

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
    metrics = {
        "cv": {**accuracy(cv, flagged), "folds_sha256": folds_sha256(fold_ids(raw, cfg))},
        "out_of_range": {
            **range_report(cv),
            "joint_quantile": cfg.model_config.out_of_range.joint_quantile,
        },
        "intervals": interval_report(cv, cfg),
    }
    metrics["reference_cv"] = reference_cv(metrics["cv"]["folds_sha256"])
    _log_metrics(metrics)
    with quiet_fit():
        pipeline = build_pipeline(cfg).fit(X, y)
    spec = plan_spec(pipeline, X, cfg)
    spec["intervals"] = calibrate(all_calibration_rows(cv, cfg), cfg)
    check_plan_parity(pipeline, spec, batch, cfg)
    manifest = {
        "package": cfg.app_config.package_name,
        "version": regression_model.__version__,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_seconds": round(time.perf_counter() - started, 2),
        "training_data_file": cfg.app_config.training_data_file,
        "training_data_sha256": cfg.app_config.training_data_sha256,
        "training_rows": len(y),
        "flagged_sales": [int(i) for i in raw.loc[flagged, "Id"]],
        "config_fingerprint": cfg.fingerprint(),
        "model_fingerprint": model_fingerprint(cfg),
        "random_state": cfg.model_config.random_state,
        "estimator": cfg.model_config.estimator.model_dump(),
        "python": platform.python_version(),
        "libraries": library_versions(),
        "metrics": metrics,
    }
    plan_name = plan_path_for(TRAINED_MODEL_DIR / artifact_name(cfg)).name
    manifest["scoring_plan"] = {"file": plan_name, "fallback_steps": spec["fallback_steps"]}
    card = build_model_card(manifest, pipeline, y, np.exp(cv.log_predicted))
    path = save_pipeline(
        pipeline_to_persist=pipeline,
        manifest=manifest,
        extra_files={plan_name: json.dumps(spec, indent=1, sort_keys=True) + "\n", **card},
    )
    logger.info("wrote %s", path)
    return manifest


def _log_metrics(metrics: dict[str, Any]) -> None:
    cv, intervals = metrics["cv"], metrics["intervals"]
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


if __name__ == "__main__":
    raise SystemExit(main())
