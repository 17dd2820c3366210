"""Schema 5: the store remembers every model that wrote to it (a ``models``
row per model identity, with its manifest and scoring plan), and each call
names the identity of the model that made it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regression_model.store.revisions import record_schema_version

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("model_identity", sa.String(64), primary_key=True),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
    )
    op.create_index("ix_models_model_version", "models", ["model_version"])
    op.add_column("calls", sa.Column("model_identity", sa.String(64), nullable=True))
    op.create_index("ix_calls_model_identity", "calls", ["model_identity"])

    record_schema_version(5)


def downgrade() -> None:
    op.drop_index("ix_calls_model_identity", "calls")
    with op.batch_alter_table("calls") as table:
        table.drop_column("model_identity")
    op.drop_table("models")
    record_schema_version(4)
