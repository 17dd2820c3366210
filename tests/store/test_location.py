"""Where predictions go when nothing says otherwise."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from regression_model import audit
from regression_model.predict import make_prediction


def test_default_store_is_a_wal_sqlite_file_in_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """With no URL configured, the store is created on first use in the per-user data
    directory (platformdirs), in WAL mode."""
    monkeypatch.delenv(audit.URL_VARIABLE)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "regression-model" / "predictions.sqlite3"
    assert audit.resolve_url() == f"sqlite:///{expected}"
    assert not expected.exists()
    ids = make_prediction(input_data=[house])["prediction_ids"]
    assert expected.is_file()
    with sqlite3.connect(expected) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = connection.execute("SELECT id_prefix, n_rows FROM calls").fetchall()
    assert [(row[0] + "00000000", row[1]) for row in stored] == [(ids[0], 1)]
