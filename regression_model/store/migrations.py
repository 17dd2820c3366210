"""How a store reaches this version's schema, through the Alembic revisions
shipped in ``revisions/``.

An empty database is created at the current schema in one step and stamped;
a store written before Alembic (it records only ``store_info.schema_version``)
is stamped at that revision; then the revisions it lacks run one at a time.
All of it happens in the caller's transaction, serialised across processes
by an advisory lock on PostgreSQL. A store written by a newer package is
refused rather than altered.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    column,
    select,
    table,
)
from sqlalchemy.engine import Connection

from regression_model.errors import PredictionStoreError
from regression_model.store.tables import SCHEMA_VERSION, metadata, store_info

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

__all__ = [
    "HEAD",
    "ensure_schema",
    "refuse_newer",
    "revision_of",
    "schema_version",
    "upgrade_sql",
    "upgrade_to",
]

logger = logging.getLogger(__name__)

REVISIONS = Path(__file__).with_name("revisions")
# Schema N is revision "000N"; the current schema is the head revision.
HEAD = f"{SCHEMA_VERSION:04d}"
_ADVISORY_LOCK = 827312


def _alembic_config(connection: Connection | None = None, url: str = "") -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(REVISIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def schema_version(connection: Connection) -> int:
    """The schema number a store records in ``store_info``; 0 for an empty database."""
    if not connection.dialect.has_table(connection, "store_info"):
        return 0
    value = connection.execute(
        select(store_info.c.value).where(store_info.c.key == "schema_version")
    ).scalar_one_or_none()
    return int(value) if value is not None else 0


def revision_of(connection: Connection) -> str | None:
    """The Alembic revision a store is at (for a store from before Alembic,
    the one its schema number names); None for an empty database.

    Read with plain SQL: opening a store that is up to date loads no Alembic.
    """
    if connection.dialect.has_table(connection, "alembic_version"):
        version_table = table("alembic_version", column("version_num", String))
        current = connection.execute(select(version_table.c.version_num)).scalar_one_or_none()
        if current is not None:
            return str(current)
    legacy = schema_version(connection)
    return f"{legacy:04d}" if legacy else None


@lru_cache(maxsize=1)
def _revisions() -> ScriptDirectory:
    """The shipped revisions, read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def refuse_newer(revision: str, store_name: str) -> None:
    """Raise when ``revision`` is not one this package knows (a newer package wrote it)."""
    if revision not in {script.revision for script in _revisions().walk_revisions()}:
        raise PredictionStoreError(
            f"prediction store {store_name} is at schema {revision.lstrip('0')}, newer "
            f"than this package's {SCHEMA_VERSION}; upgrade regression-model"
        )


def _pending(current: str) -> list[str]:
    """The revisions after ``current``, oldest first."""
    newer = _revisions().iterate_revisions("heads", current)
    return [revision.revision for revision in reversed(list(newer))]


def _stamp_new_store(connection: Connection) -> None:
    """Stamp a store just created at the head revision, writing Alembic's version
    table as Alembic's stamp would: a first use then costs no Alembic import."""
    version_table = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    version_table.create(connection)
    connection.execute(version_table.insert().values(version_num=HEAD))


def upgrade_to(connection: Connection, revision: str) -> None:
    """Run the revisions up to ``revision`` on ``connection`` (inside its transaction)."""
    from alembic import command

    command.upgrade(_alembic_config(connection), revision)


def ensure_schema(connection: Connection, store_name: str) -> None:
    """Create or migrate the schema on ``connection`` (inside its transaction).

    Raises
    ------
    PredictionStoreError
        When the store is at a schema newer than this package's.
    """
    if connection.dialect.name == "postgresql":
        # Serialise concurrent first uses across processes.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})")
    current = revision_of(connection)
    if current == HEAD and connection.dialect.has_table(connection, "alembic_version"):
        return
    if current is None:
        # An empty database gets today's tables in one step; replaying every
        # revision would reach the same schema one ALTER at a time.
        metadata.create_all(connection)
        connection.execute(
            store_info.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
        )
        _stamp_new_store(connection)
        logger.info("prediction store created at schema %d", SCHEMA_VERSION)
        return
    refuse_newer(current, store_name)
    if not connection.dialect.has_table(connection, "alembic_version"):
        from alembic import command

        command.stamp(_alembic_config(connection), current)
    for revision in _pending(current):
        upgrade_to(connection, revision)
        logger.info("prediction store migrated to schema %d", int(revision))


def upgrade_sql(url: str, current: str | None, stamped: bool) -> str:
    """The SQL that brings a store at revision ``current`` (None: an empty
    database) to this package's schema, for the URL's dialect, without running
    it. A store from before Alembic (``stamped`` False) is stamped first.

    Examples
    --------
    >>> from regression_model.store.migrations import upgrade_sql
    >>> sql = upgrade_sql("sqlite://", "0004", stamped=True)
    >>> "CREATE TABLE models" in sql and "UPDATE alembic_version" in sql
    True
    """
    from alembic import command

    config = _alembic_config(url=url)
    buffer = io.StringIO()
    config.output_buffer = buffer
    if current is not None and not stamped:
        command.stamp(config, current, sql=True)
    if current != HEAD:
        command.upgrade(config, f"{current}:{HEAD}" if current else HEAD, sql=True)
    return buffer.getvalue()
