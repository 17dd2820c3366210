"""Schema 2: a warnings column (categories never seen in training).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regression_model.store.revisions import record_schema_version

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("predictions", sa.Column("warnings", sa.Text, nullable=True))

    record_schema_version(2)


def downgrade() -> None:
    op.drop_column("predictions", "warnings")
    record_schema_version(1)
