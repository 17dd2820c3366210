"""Where the package keeps its config, data and trained model."""

from __future__ import annotations

import regression_model

PACKAGE_ROOT = regression_model.PACKAGE_ROOT
ROOT = PACKAGE_ROOT.parent
CONFIG_FILE_PATH = PACKAGE_ROOT / "config.yml"
DATASET_DIR = PACKAGE_ROOT / "datasets"
TRAINED_MODEL_DIR = PACKAGE_ROOT / "trained_models"

__all__ = ["CONFIG_FILE_PATH", "DATASET_DIR", "PACKAGE_ROOT", "ROOT", "TRAINED_MODEL_DIR"]
