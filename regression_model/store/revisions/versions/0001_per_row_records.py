"""Schema 1: store_info and one row per prediction, as first released.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regression_model.store.revisions import record_schema_version

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_info",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "predictions",
        sa.Column("prediction_id", sa.String(36), primary_key=True),
        sa.Column("call_id", sa.String(36), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("artifact_sha256", sa.String(64), nullable=False),
        sa.Column("config_fingerprint", sa.String(64), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("prediction", sa.Float(precision=53), nullable=True),
        sa.Column("errors", sa.Text, nullable=True),
    )
    for column in ("call_id", "created_at", "model_version"):
        op.create_index(f"ix_predictions_{column}", "predictions", [column])

    record_schema_version(1)


def downgrade() -> None:
    op.drop_table("predictions")
    op.drop_table("store_info")
