"""Schema 3: a call stored whole, its rows packed in chunks; the per-row table
stays for the records already in it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regression_model.store.revisions import record_schema_version

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(36), primary_key=True),
        sa.Column("id_prefix", sa.String(28), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("artifact_sha256", sa.String(64), nullable=False),
        sa.Column("config_fingerprint", sa.String(64), nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
    )
    for column in ("created_at", "model_version"):
        op.create_index(f"ix_calls_{column}", "calls", [column])
    op.create_table(
        "call_chunks",
        sa.Column("call_id", sa.String(36), primary_key=True),
        sa.Column("first_row", sa.Integer, primary_key=True),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("inputs", sa.LargeBinary, nullable=False),
        sa.Column("predictions", sa.LargeBinary, nullable=False),
        sa.Column("errors", sa.Text, nullable=True),
        sa.Column("warnings", sa.Text, nullable=True),
    )

    record_schema_version(3)


def downgrade() -> None:
    op.drop_table("call_chunks")
    op.drop_table("calls")
    record_schema_version(2)
