"""The store's schema: versioned, created in one step, migrated, never downgraded."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from regression_model import audit
from regression_model.errors import PredictionStoreError
from regression_model.predict import make_prediction
from regression_model.store import migrations, tables
from regression_model.store import store as prediction_store
from tests.databases import new_postgres_database, write_foreign_record


def test_schema_is_versioned(store_url: str, house: dict[str, Any]) -> None:
    """First use creates the schema through the migration step and records its version."""
    from sqlalchemy import select

    make_prediction(input_data=[house])
    store = audit.get_store()
    assert store is not None
    with store.engine.connect() as connection:
        version = connection.execute(
            select(tables.store_info.c.value).where(tables.store_info.c.key == "schema_version")
        ).scalar_one()
    assert int(version) == tables.SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A store written by a newer package version is refused, not altered."""
    path = tmp_path / "newer.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT INTO store_info VALUES ('schema_version', '99')")
    with pytest.raises(PredictionStoreError, match="newer"):
        prediction_store.PredictionStore(f"sqlite:///{path}").count()


def _empty_store_urls(backend: str, tmp_path: Path, stack: ExitStack) -> tuple[str, str]:
    """Two URLs of empty databases on one backend."""
    if backend == "sqlite":
        return (f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}")
    return (
        stack.enter_context(new_postgres_database()),
        stack.enter_context(new_postgres_database()),
    )


def _schema_of(store: prediction_store.PredictionStore) -> dict[str, Any]:
    """Every table's columns (name, type, nullable), primary key and indexes."""
    from sqlalchemy import inspect

    inspector = inspect(store.engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            inspector.get_pk_constraint(table)["constrained_columns"],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fresh_store_is_created_at_current_schema_in_one_step(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An empty database gets the current schema in one step, logged as one line ("created
    at schema 3", no migration step), and ends with the same tables, columns, keys and
    indexes as a store created by the first release and migrated up; both hold records."""
    from sqlalchemy import create_engine

    with ExitStack() as stack:
        fresh_url, old_url = _empty_store_urls(backend, tmp_path, stack)
        engine = create_engine(old_url)
        with engine.begin() as connection:
            migrations.upgrade_to(connection, "0001")
            connection.exec_driver_sql("DROP TABLE alembic_version")  # as released, before Alembic
        engine.dispose()
        caplog.set_level(logging.INFO, logger="regression_model.store.migrations")
        fresh = prediction_store.PredictionStore(fresh_url)
        assert fresh.count() == 0
        assert [r.getMessage() for r in caplog.records] == [
            f"prediction store created at schema {tables.SCHEMA_VERSION}"
        ]
        caplog.clear()
        migrated = prediction_store.PredictionStore(old_url)
        assert migrated.count() == 0
        assert [r.getMessage() for r in caplog.records] == [
            f"prediction store migrated to schema {version}"
            for version in range(2, tables.SCHEMA_VERSION + 1)
        ]
        assert _schema_of(fresh) == _schema_of(migrated)
        for store in (fresh, migrated):
            prediction_id = write_foreign_record(store)
            assert store.count() == 1
            assert store.get_record(prediction_id)["prediction"] == 123.0  # type: ignore[index]
            store.dispose()
