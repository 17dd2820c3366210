"""The store's schema: versioned, created in one step, migrated, never downgraded."""

from __future__ import annotations

import json
import logging
import shutil
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
    """An empty database reads as empty without being changed, and its first write
    use gives it the current schema in one step, logged as one line ("created
    at schema 5", no migration step); it ends with the same tables, columns, keys and
    indexes as a store created by the first release and migrated up through every
    Alembic revision; both hold records."""
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
        assert fresh.count() == 0  # a read creates nothing
        assert caplog.records == []
        fresh.engine  # noqa: B018 - the first write's opening creates the schema
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


FIXTURES = Path(__file__).with_name("fixtures")


def _as_json(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as the fixture keeps them: times in ISO 8601, the keys 1.4.0 wrote."""
    kept = json.loads((FIXTURES / "store_1_4_0.records.json").read_text())[0].keys()
    return [
        {key: record[key].isoformat() if key == "created_at" else record[key] for key in kept}
        for record in records
    ]


def _copy_rows(source_url: str, target_url: str) -> None:
    """Every row of 1.4.0's tables, copied as they are into a database at schema 3."""
    from sqlalchemy import MetaData, create_engine

    names = ["store_info", "predictions", "calls", "call_chunks"]
    source, target = create_engine(source_url), create_engine(target_url)
    old, new = MetaData(), MetaData()
    old.reflect(source, only=names)
    new.reflect(target, only=names)
    with source.connect() as reading, target.begin() as writing:
        writing.execute(new.tables["store_info"].delete())
        for name in names:
            rows = [dict(row._mapping) for row in reading.execute(old.tables[name].select())]
            if rows:
                writing.execute(new.tables[name].insert(), rows)
    source.dispose()
    target.dispose()


def _store_of_1_4_0(backend: str, tmp_path: Path, stack: ExitStack) -> str:
    """The URL of a store as 1.4.0 left it: schema 3, no Alembic, 45 records."""
    from sqlalchemy import create_engine

    copy = tmp_path / "store_1_4_0.sqlite3"
    shutil.copy(FIXTURES / "store_1_4_0.sqlite3", copy)
    if backend == "sqlite":
        return f"sqlite:///{copy}"
    url = stack.enter_context(new_postgres_database())
    engine = create_engine(url)
    with engine.begin() as connection:
        migrations.upgrade_to(connection, "0003")
        connection.exec_driver_sql("DROP TABLE alembic_version")  # 1.4.0 knew no Alembic
    engine.dispose()
    _copy_rows(f"sqlite:///{copy}", url)
    return url


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_of_1_4_0_upgrades_with_every_record_intact(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A store written by release 1.4.0 (schema 3: 3 calls, 45 records, one rejected row,
    one unseen-category warning) is migrated through the Alembic revisions on first use,
    one logged step per schema, and reads back every record exactly as 1.4.0's own
    ``audit.find`` returned it; the old records carry no model identity."""
    expected = json.loads((FIXTURES / "store_1_4_0.records.json").read_text())
    with ExitStack() as stack:
        url = _store_of_1_4_0(backend, tmp_path, stack)
        caplog.set_level(logging.INFO, logger="regression_model.store.migrations")
        store = prediction_store.PredictionStore(url)
        found = store.find()
        assert [r.getMessage() for r in caplog.records] == [
            "prediction store migrated to schema 4",
            "prediction store migrated to schema 5",
            "prediction store migrated to schema 6",
        ]
        assert _as_json(found) == expected
        assert {r["model_identity"] for r in found} == {None}
        assert store.count() == 45 and store.models() == []
        with store.engine.connect() as connection:
            assert migrations.revision_of(connection) == migrations.HEAD
            assert migrations.schema_version(connection) == tables.SCHEMA_VERSION
        store.dispose()


def test_upgrade_sql_is_printed_and_runs_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``regression-model store upgrade --sql`` prints the SQL for a 1.4.0 store and
    changes nothing; a DBA who runs that SQL by hand gets the schema first use would
    have made, with every record intact, and the store then needs no migration."""
    from regression_model.cli import main

    with ExitStack() as stack:
        url = _store_of_1_4_0("sqlite", tmp_path, stack)
    path = tmp_path / "store_1_4_0.sqlite3"
    monkeypatch.setenv(audit.URL_VARIABLE, url)
    before = path.read_bytes()
    assert main(["store", "upgrade", "--sql"]) == 0
    sql = capsys.readouterr().out
    assert "CREATE TABLE models" in sql and "ALTER TABLE calls ADD COLUMN model_identity" in sql
    assert path.read_bytes() == before
    with sqlite3.connect(path) as connection:
        connection.executescript(sql)
    by_hand = prediction_store.PredictionStore(url)
    automatic_copy = tmp_path / "automatic.sqlite3"
    shutil.copy(FIXTURES / "store_1_4_0.sqlite3", automatic_copy)
    automatic = prediction_store.PredictionStore(f"sqlite:///{automatic_copy}")
    expected = json.loads((FIXTURES / "store_1_4_0.records.json").read_text())
    assert _as_json(by_hand.find()) == expected
    assert _schema_of(by_hand) == _schema_of(automatic)
    assert main(["store", "upgrade", "--sql"]) == 0
    assert capsys.readouterr().out.startswith(f"-- the store is at schema {tables.SCHEMA_VERSION}")
    by_hand.dispose()
    automatic.dispose()


def test_store_upgrade_command_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``regression-model store upgrade`` migrates a 1.4.0 store there and then, and
    says which schema it is at."""
    from regression_model.cli import main

    with ExitStack() as stack:
        url = _store_of_1_4_0("sqlite", tmp_path, stack)
    monkeypatch.setenv(audit.URL_VARIABLE, url)
    assert main(["store", "upgrade"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"is at schema {tables.SCHEMA_VERSION}")
    with sqlite3.connect(tmp_path / "store_1_4_0.sqlite3") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrations.HEAD,)
        ]


@pytest.mark.slow
def test_a_new_store_is_created_without_loading_alembic(tmp_path: Path) -> None:
    """The first call on a new SQLite store creates and stamps it without importing
    Alembic (whose import takes most of a first call's time); a second process
    opening that store finds it at the head revision, again without Alembic."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from regression_model.predict import make_prediction\n"
        "make_prediction(input_data=[{'OverallQual': 6, 'GrLivArea': 1200,"
        " 'Neighborhood': 'NAmes', 'YrSold': 2009}])\n"
        "print('alembic' in sys.modules)\n"
    )
    env = {**os.environ, audit.URL_VARIABLE: f"sqlite:///{tmp_path / 'new.sqlite3'}"}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "False"
    with sqlite3.connect(tmp_path / "new.sqlite3") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrations.HEAD,)
        ]
