"""Shared fixtures: the real config, the shipped data, the trained model, and real
prediction stores (a SQLite file, and PostgreSQL when CI provides a server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from regression_model import audit
from regression_model.config.core import Config, get_config
from regression_model.data import load_dataset
from tests.databases import new_postgres_database
from tests.package_index import PackageIndex, running_index
from tests.venvs import build_wheel, run_checked


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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server, shared by the session."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The URL of a real store, set as REGRESSION_MODEL_DB_URL for the test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'predictions.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv(audit.URL_VARIABLE, url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Like ``store_url``, but a store of its own even on PostgreSQL (a new database
    per test), for tests that read every record or model in the store."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'predictions.sqlite3'}"
        monkeypatch.setenv(audit.URL_VARIABLE, url)
        yield url
        return
    with new_postgres_database() as url:
        monkeypatch.setenv(audit.URL_VARIABLE, url)
        yield url


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this tree, once per session."""
    return build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture()
def package_index(tmp_path: Path) -> Iterator[PackageIndex]:
    """A real, empty package index (pypiserver) on a free loopback port, for one test."""
    with running_index(tmp_path / "packages") as index:
        yield index


@pytest.fixture()
def replay_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user cache of this test's own (XDG_CACHE_HOME), where replay environments
    go; uv and pip keep their usual download caches, so nothing is fetched twice."""
    from platformdirs import user_cache_dir
    from uv import find_uv_bin

    uv_cache = run_checked([find_uv_bin(), "cache", "dir"]).stdout.strip()
    monkeypatch.setenv("UV_CACHE_DIR", uv_cache)
    monkeypatch.setenv("PIP_CACHE_DIR", user_cache_dir("pip"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "regression-model" / "replay"
