"""regression_model: train, version and serve Ames house-price predictions.

Importing the package does no work beyond reading ``VERSION``: the config,
the data and the trained model are loaded by the functions that need them.
"""

from __future__ import annotations

import logging
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent

# The single source of the version: package metadata, artifact names and every
# prediction read it from this file.
__version__ = (PACKAGE_ROOT / "VERSION").read_text(encoding="utf-8").strip()

# A library leaves handlers to the application (logging HOWTO, "Configuring
# Logging for a Library").
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
