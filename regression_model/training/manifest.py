"""The manifest: what made a model, and every figure measured of it.

Written beside the artifact, last, by ``artifacts.save_pipeline``. It records
the version, the data and code that made the model (sha256 and fingerprints),
the libraries it depends on (``registry.RECORDED_LIBRARIES``), and the metrics
of training's cross-validation, with the reference's figure on the same folds.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from datetime import datetime, timezone
from typing import Any

import regression_model
from regression_model.config.core import PACKAGE_ROOT, Config
from regression_model.registry import RECORDED_LIBRARIES
from regression_model.versioning import model_fingerprint

__all__ = [
    "REFERENCE_CV_FILE",
    "build_manifest",
    "folds_sha256",
    "library_versions",
    "reference_cv",
]

# The reference package's figures on our folds, written by benchmarks/reference_cv.py.
REFERENCE_CV_FILE = PACKAGE_ROOT / "reference_cv.json"


def library_versions() -> dict[str, str]:
    """Exact versions of the libraries a model depends on."""
    return {name: importlib.metadata.version(name) for name in RECORDED_LIBRARIES}


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


def build_manifest(
    config: Config,
    *,
    rows: int,
    flagged_ids: list[int],
    metrics: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    """The manifest of a model trained just now with ``config``."""
    return {
        "package": config.app_config.package_name,
        "version": regression_model.__version__,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_seconds": round(seconds, 2),
        "training_data_file": config.app_config.training_data_file,
        "training_data_sha256": config.app_config.training_data_sha256,
        "training_rows": rows,
        "flagged_sales": flagged_ids,
        "config_fingerprint": config.fingerprint(),
        "model_fingerprint": model_fingerprint(config),
        "random_state": config.model_config.random_state,
        "estimator": config.model_config.estimator.model_dump(),
        "python": platform.python_version(),
        "libraries": library_versions(),
        "metrics": metrics,
    }
