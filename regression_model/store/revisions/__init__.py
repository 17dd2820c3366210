"""The prediction store's schema history as Alembic revisions: ``env.py`` and
``versions/``, one revision per schema version (``0001`` ... ``0006``).

Each revision also records its schema number in ``store_info``, the key that
packages before Alembic read to refuse a store newer than themselves.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["record_schema_version"]

_store_info = sa.table("store_info", sa.column("key", sa.String), sa.column("value", sa.String))


def record_schema_version(version: int) -> None:
    """Inside a revision: write ``version`` as the store's ``schema_version``."""
    from alembic import op

    op.execute(_store_info.delete().where(_store_info.c.key == "schema_version"))
    op.execute(_store_info.insert().values(key="schema_version", value=str(version)))
