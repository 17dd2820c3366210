"""Applies to every test and doctest (README.md and docs/ included): predictions
are recorded in a throw-away SQLite store, never in the user's own data directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests run a fixed example budget in `tox -e test` and many more in
# `tox -e fuzz` (HYPOTHESIS_PROFILE=fuzz).
settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _session_prediction_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("store") / "predictions.sqlite3"
    previous = os.environ.get("REGRESSION_MODEL_DB_URL")
    os.environ["REGRESSION_MODEL_DB_URL"] = f"sqlite:///{path}"
    yield path
    if previous is None:
        os.environ.pop("REGRESSION_MODEL_DB_URL", None)
    else:
        os.environ["REGRESSION_MODEL_DB_URL"] = previous
