"""Shared fixtures: the real config, the shipped data and the trained model."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from regression_model.config.core import Config, get_config
from regression_model.data import load_dataset


@pytest.fixture(scope="session")
def config() -> Config:
    return get_config()


@pytest.fixture(scope="session")
def _test_frame(config: Config) -> pd.DataFrame:
    return load_dataset(file_name=config.app_config.test_data_file)


@pytest.fixture()
def test_frame(_test_frame: pd.DataFrame) -> pd.DataFrame:
    """A fresh copy of test.csv (1459 rows, renamed columns) for each test."""
    return _test_frame.copy()


@pytest.fixture()
def train_frame(config: Config) -> pd.DataFrame:
    return load_dataset(file_name=config.app_config.training_data_file)


@pytest.fixture()
def house() -> dict[str, Any]:
    """One complete, valid record (the first row of test.csv)."""
    frame = load_dataset(file_name="test.csv").head(1)
    record: dict[str, Any] = frame.astype(object).where(frame.notna(), None).to_dict("records")[0]
    return record
