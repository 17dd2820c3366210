"""Records of the per-row schemas (1 and 2) migrate and stay readable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from regression_model import audit
from regression_model.predict import make_prediction
from regression_model.store import migrations, tables


def test_schema_1_store_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """A store created by the first release (schema 1) is migrated on first use
    (warnings column, then the per-call tables) and its old per-row records stay
    readable by id and by search, next to the new ones."""
    path = tmp_path / "old.sqlite3"
    from sqlalchemy import create_engine

    old_id = "0190a0a0-0000-7000-8000-000000000001"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        migrations.upgrade_to(connection, "0001")
        connection.exec_driver_sql("DROP TABLE alembic_version")  # as released, before Alembic
        connection.exec_driver_sql(
            "INSERT INTO predictions VALUES (?, 'old-call', 0, '2024-07-01 12:00:00.000000', "
            "'1.0.0', ?, ?, ?, 123456.0, NULL)",
            (old_id, "a" * 64, "b" * 64, json.dumps({"GrLivArea": 1500})),
        )
    engine.dispose()
    monkeypatch.setenv(audit.URL_VARIABLE, f"sqlite:///{path}")
    new_id = make_prediction(input_data=[house])["prediction_ids"][0]
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(predictions)")]
        version = connection.execute("SELECT value FROM store_info").fetchone()[0]
    assert "warnings" in columns and version == str(tables.SCHEMA_VERSION)
    old = audit.get_record(old_id)
    assert old is not None and old["inputs"] == {"GrLivArea": 1500}
    assert (old["prediction"], old["model_version"], old["warnings"]) == (123456.0, "1.0.0", None)
    assert [r["prediction_id"] for r in audit.find()] == [old_id, new_id]
    assert audit.get_store().count() == 2  # type: ignore[union-attr]
