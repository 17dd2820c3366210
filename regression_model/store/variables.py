"""The environment variables that set the store, by name: read in ``location``,
named in every message about a setting."""

from __future__ import annotations

__all__ = ["DURABILITY_VARIABLE", "TIMEOUT_VARIABLE", "URL_VARIABLE"]

URL_VARIABLE = "REGRESSION_MODEL_DB_URL"
TIMEOUT_VARIABLE = "REGRESSION_MODEL_DB_TIMEOUT"
DURABILITY_VARIABLE = "REGRESSION_MODEL_DB_DURABILITY"
