"""Schema 6: monitoring. Each model's row keeps its reference profile; sales
are recorded against their prediction ids (``outcomes``); each monitor run
and its results are kept for dashboards (``monitor_runs``,
``monitor_results``).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regression_model.store.revisions import record_schema_version

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("models", sa.Column("profile", sa.Text, nullable=True))
    op.create_table(
        "outcomes",
        sa.Column("prediction_id", sa.String(36), primary_key=True),
        sa.Column("call_id", sa.String(36), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("sale_price", sa.Float(precision=53), nullable=False),
        sa.Column("sold_on", sa.Date, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outcomes_call_id", "outcomes", ["call_id"])
    op.create_table(
        "monitor_runs",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_identity", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("every", sa.String(8), nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("thresholds", sa.Text, nullable=False),
    )
    op.create_index("ix_monitor_runs_run_at", "monitor_runs", ["run_at"])
    op.create_index("ix_monitor_runs_model_identity", "monitor_runs", ["model_identity"])
    op.create_table(
        "monitor_results",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("period", sa.String(8), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("measure", sa.String(32), primary_key=True),
        sa.Column("subject", sa.String(128), primary_key=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=True),
        sa.Column("reference", sa.Float(precision=53), nullable=True),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
    )

    record_schema_version(6)


def downgrade() -> None:
    op.drop_table("monitor_results")
    op.drop_index("ix_monitor_runs_model_identity", "monitor_runs")
    op.drop_index("ix_monitor_runs_run_at", "monitor_runs")
    op.drop_table("monitor_runs")
    op.drop_index("ix_outcomes_call_id", "outcomes")
    op.drop_table("outcomes")
    with op.batch_alter_table("models") as table:
        table.drop_column("profile")
    record_schema_version(5)
