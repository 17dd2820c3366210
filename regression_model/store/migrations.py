"""How a store reaches this version's schema: created in one step when empty,
else migrated step by step from the version it records, in one transaction
(serialised across processes by an advisory lock on PostgreSQL). A store
written by a newer package is refused rather than altered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import LargeBinary, MetaData, select
from sqlalchemy.engine import Connection

from regression_model.errors import PredictionStoreError
from regression_model.store.tables import (
    SCHEMA_VERSION,
    call_tables,
    metadata,
    record_tables,
    store_info,
)

__all__ = [
    "MIGRATIONS",
    "ensure_schema",
    "schema_version",
]

logger = logging.getLogger(__name__)


def _migrate_to_1(connection: Connection) -> None:
    """Version 1: the store_info and predictions tables, as first released."""
    first = MetaData()
    record_tables(first, with_warnings=False)
    first.create_all(connection, checkfirst=True)


def _migrate_to_2(connection: Connection) -> None:
    """Version 2: a warnings column (categories never seen in training)."""
    connection.exec_driver_sql("ALTER TABLE predictions ADD COLUMN warnings TEXT")


def _migrate_to_3(connection: Connection) -> None:
    """Version 3: calls stored whole, in packed chunks; the per-row table is kept
    for the records already in it."""
    third = MetaData()
    call_tables(third, with_intervals=False)
    third.create_all(connection, checkfirst=True)


def _migrate_to_4(connection: Connection) -> None:
    """Version 4: each chunk keeps its rows' price ranges."""
    binary = LargeBinary().compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE call_chunks ADD COLUMN intervals {binary}")


# The one place the schema changes: version N is reached by running step N.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
    4: _migrate_to_4,
}


def schema_version(connection: Connection) -> int:
    """The schema a store records; 0 for an empty database."""
    if not connection.dialect.has_table(connection, "store_info"):
        return 0
    value = connection.execute(
        select(store_info.c.value).where(store_info.c.key == "schema_version")
    ).scalar_one_or_none()
    return int(value) if value is not None else 0


def ensure_schema(connection: Connection, store_name: str) -> None:
    """Create or migrate the schema on ``connection`` (inside its transaction).

    Raises
    ------
    PredictionStoreError
        When the store records a schema newer than this package's.
    """
    if connection.dialect.name == "postgresql":
        # Serialise concurrent first uses across processes.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(827312)")
    current = schema_version(connection)
    if current > SCHEMA_VERSION:
        raise PredictionStoreError(
            f"prediction store {store_name} has schema {current}, newer than this "
            f"package's {SCHEMA_VERSION}; upgrade regression-model"
        )
    if current == 0:
        # An empty database gets today's tables in one step; replaying every
        # migration would reach the same schema one ALTER at a time.
        metadata.create_all(connection)
        logger.info("prediction store created at schema %d", SCHEMA_VERSION)
    for version in sorted(v for v in MIGRATIONS if 0 < current < v):
        MIGRATIONS[version](connection)
        logger.info("prediction store migrated to schema %d", version)
    if current < SCHEMA_VERSION:
        connection.execute(store_info.delete().where(store_info.c.key == "schema_version"))
        connection.execute(
            store_info.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
        )
