"""Library drift: the libraries a model was written with against those installed.

The manifest records them (``registry.RECORDED_LIBRARIES``). Another minor
release of a "pinned" library (scikit-learn, feature-engine: the pipeline's
file holds their objects) is refused; a patch release, or a difference in a
"noted" one (numpy, pandas, scipy), is logged.
"""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any

from regression_model.errors import ModelCompatibilityError
from regression_model.registry import RECORDED_LIBRARIES

__all__ = ["check_library_versions"]

logger = logging.getLogger(__name__)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def check_library_versions(manifest: dict[str, Any]) -> None:
    """Refuse a model written under another minor release of scikit-learn or
    feature-engine; log patch-level and numpy/pandas/scipy differences.

    Raises
    ------
    ModelCompatibilityError
        With the fix: retrain, or install the recorded release.
    """
    recorded = manifest.get("libraries", {})
    for name, role in RECORDED_LIBRARIES.items():
        wanted, installed = recorded.get(name), importlib.metadata.version(name)
        if role == "pinned":
            _check_pinned(name, wanted, installed)
        elif role == "noted" and wanted is not None and wanted != installed:
            logger.info("model trained with %s %s, running %s", name, wanted, installed)


def _check_pinned(name: str, wanted: str | None, installed: str) -> None:
    if wanted is None:
        raise ModelCompatibilityError(
            f"the model's manifest records no {name} version; retrain with `tox -e train`"
        )
    if _minor(wanted) != _minor(installed):
        raise ModelCompatibilityError(
            f"the model was trained with {name} {wanted} but {installed} is installed; "
            f"retrain with `tox -e train`, or install {name}=={_minor(wanted)}.*"
        )
    if wanted != installed:
        logger.info(
            "model trained with %s %s, running %s (patch level: allowed)", name, wanted, installed
        )
