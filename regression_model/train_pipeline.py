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
from sklearn.base import clone
from sklearn.metrics import r2_score, root_mean_squared_error
from sklearn.model_selection import KFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline

import regression_model
from regression_model.config.core import PACKAGE_ROOT, TRAINED_MODEL_DIR, Config, get_config
from regression_model.errors import DataError
from regression_model.model_card import build_model_card, reference_summary
from regression_model.pipeline import build_pipeline
from regression_model.processing.data_manager import (
    artifact_name,
    load_training_data,
    manifest_path_for,
    plan_path_for,
    save_pipeline,
)
from regression_model.processing.plan_compiler import compile_spec
from regression_model.processing.validation import validate_inputs
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


def training_frame(raw: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, pd.Series, list[int]]:
    """Validate training rows like prediction inputs and drop the known outliers.

    Returns the features, the target, and the 0-based row numbers dropped as
    outliers. Any row the input contract rejects stops training.
    """
    cfg = config.model_config
    features, errors = validate_inputs(input_data=raw, config=config)
    if errors:
        shown = "; ".join(f"row {e.row}: {e.message}" for e in errors[:5])
        raise DataError(
            f"{len(errors)} problems in the training data break the input contract: {shown}"
        )
    target = raw[cfg.target].astype("float64")
    rule = cfg.training_outliers
    outliers = raw.index[(raw[rule.variable] > rule.above) & (target < rule.target_below)]
    keep = ~raw.index.isin(outliers)
    return features[keep], target[keep], [int(i) for i in outliers]


def evaluate(
    pipeline: Pipeline, X: pd.DataFrame, y: pd.Series, config: Config
) -> tuple[dict[str, Any], np.ndarray]:
    """Held-out metrics and k-fold cross-validated RMSLE, and the
    cross-validated prediction of every row."""
    cfg = config.model_config
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=cfg.test_size, random_state=cfg.random_state
    )
    fitted = clone(pipeline).fit(X_train, y_train)
    predicted = fitted.predict(X_test)
    folds = cv_folds(config)
    cv_predictions = cross_val_predict(clone(pipeline), X, y, cv=folds)
    fold_scores = [
        rmsle(y.iloc[test_index], cv_predictions[test_index]) for _, test_index in folds.split(X)
    ]
    metrics = {
        "heldout": {
            "rows": len(y_test),
            "rmse": float(root_mean_squared_error(y_test, predicted)),
            "rmsle": rmsle(y_test, predicted),
            "r2": float(r2_score(y_test, predicted)),
        },
        "cv": {
            "folds": cfg.cv_folds,
            "rmsle_mean": float(np.mean(fold_scores)),
            "rmsle_std": float(np.std(fold_scores)),
            "rmsle_per_fold": [float(s) for s in fold_scores],
        },
    }
    return metrics, cv_predictions


def cv_folds(config: Config) -> KFold:
    """The k folds every CV figure is measured on (ours, the reference's, the search's)."""
    cfg = config.model_config
    return KFold(n_splits=cfg.cv_folds, shuffle=True, random_state=cfg.random_state)


def fold_ids(X: pd.DataFrame, raw: pd.DataFrame, config: Config) -> list[list[int]]:
    """The ``Id`` of the rows scored in each fold: what makes two CV figures comparable."""
    return [[int(i) for i in raw.loc[X.index[test], "Id"]] for _, test in cv_folds(config).split(X)]


def folds_sha256(ids: list[list[int]]) -> str:
    """A fingerprint of a fold assignment."""
    return hashlib.sha256(json.dumps(ids).encode("utf-8")).hexdigest()


def reference_cv(folds_digest: str) -> dict[str, Any]:
    """The reference package's CV RMSLE on these folds, as recorded by
    ``benchmarks/reference_cv.py`` (it needs the reference's own environment,
    so training reads the recorded figure rather than measuring it)."""
    if not REFERENCE_CV_FILE.is_file():
        return {"rmsle_mean": None, "note": f"{REFERENCE_CV_FILE.name} not found"}
    recorded: dict[str, Any] = json.loads(REFERENCE_CV_FILE.read_text(encoding="utf-8"))
    if recorded.get("folds_sha256") != folds_digest:
        return {
            "rmsle_mean": None,
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
    """Fit the pipeline on the training data and persist it with its manifest.

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
    >>> manifest["metrics"]["cv"]["rmsle_mean"] < 0.13  # doctest: +SKIP
    True
    """
    cfg = config or get_config()
    started = time.perf_counter()
    raw = load_training_data(cfg, data_path)
    X, y, outliers = training_frame(raw, cfg)
    check_ordinal_mappings(X, cfg)
    logger.info(
        "training on %d rows; dropped %d outliers (rows %s)", len(y), len(outliers), outliers
    )
    pipeline = build_pipeline(cfg)
    metrics, cv_predictions = evaluate(pipeline, X, y, cfg)
    metrics["cv"]["folds_sha256"] = folds_sha256(fold_ids(X, raw, cfg))
    metrics["reference_cv"] = reference_cv(metrics["cv"]["folds_sha256"])
    logger.info("held-out metrics: %s", metrics["heldout"])
    logger.info(
        "%d-fold CV RMSLE: %.4f (std %.4f); %s",
        metrics["cv"]["folds"],
        metrics["cv"]["rmsle_mean"],
        metrics["cv"]["rmsle_std"],
        reference_summary(metrics["reference_cv"]),
    )
    pipeline.fit(X, y)
    manifest = {
        "package": cfg.app_config.package_name,
        "version": regression_model.__version__,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_seconds": round(time.perf_counter() - started, 2),
        "training_data_file": cfg.app_config.training_data_file,
        "training_data_sha256": cfg.app_config.training_data_sha256,
        "training_rows": len(y),
        "outlier_rows_dropped": outliers,
        "config_fingerprint": cfg.fingerprint(),
        "model_fingerprint": model_fingerprint(cfg),
        "random_state": cfg.model_config.random_state,
        "estimator": cfg.model_config.estimator.model_dump(),
        "python": platform.python_version(),
        "libraries": library_versions(),
        "metrics": metrics,
    }
    spec = compile_spec(pipeline)
    # Categories training saw, so scoring can warn about the ones it never did.
    spec["seen_categories"] = {
        name: sorted({str(v) for v in X[name].dropna()}) for name in cfg.model_config.nominal_vars
    }
    check_plan_parity(pipeline, spec, raw)
    plan_name = plan_path_for(TRAINED_MODEL_DIR / artifact_name(cfg)).name
    manifest["scoring_plan"] = {"file": plan_name, "fallback_steps": spec["fallback_steps"]}
    card = build_model_card(manifest, pipeline, y, cv_predictions)
    path = save_pipeline(
        pipeline_to_persist=pipeline,
        manifest=manifest,
        extra_files={plan_name: json.dumps(spec, indent=1, sort_keys=True) + "\n", **card},
    )
    logger.info("wrote %s", path)
    return manifest


def check_plan_parity(pipeline: Pipeline, spec: dict[str, Any], rows: pd.DataFrame) -> None:
    """Refuse to ship a scoring plan that disagrees with the pipeline on the
    training rows, as read from the file (relative difference above 1e-9)."""
    from regression_model.processing.batch import validate_table
    from regression_model.processing.inputs import FrameInput
    from regression_model.processing.plan import ScoringPlan

    config = get_config()
    batch = validate_table(FrameInput(rows), config)
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
