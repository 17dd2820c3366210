"""Schema 4: each chunk keeps its rows' price ranges.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regression_model.store.revisions import record_schema_version

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("call_chunks", sa.Column("intervals", sa.LargeBinary, nullable=True))

    record_schema_version(4)


def downgrade() -> None:
    with op.batch_alter_table("call_chunks") as table:
        table.drop_column("intervals")
    record_schema_version(3)
