"""The prediction store's tables, as this version reads and writes them.

Since schema 3 a call is one row of ``calls`` plus its packed chunks in
``call_chunks`` (see ``codec``); a prediction id names its call and row (see
``ids``). ``prediction_records`` is the per-row table of schemas 1 and 2,
kept for the records already in it and only read (see ``legacy``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from regression_model.store.ids import PREFIX_LENGTH

__all__ = [
    "SCHEMA_VERSION",
    "call_chunks",
    "calls",
    "metadata",
    "models",
    "monitor_results",
    "monitor_runs",
    "outcomes",
    "prediction_records",
    "store_info",
    "utc",
]

SCHEMA_VERSION = 6


# The schema this version reads and writes (revision 0006; the revisions in
# ``revisions/versions`` build the same tables step by step). ``predictions``
# is the per-row table of schemas 1 and 2, now only read.
metadata = MetaData()

store_info = Table(
    "store_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

prediction_records = Table(
    "predictions",
    metadata,
    Column("prediction_id", String(36), primary_key=True),
    Column("call_id", String(36), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("model_version", String(64), nullable=False, index=True),
    Column("artifact_sha256", String(64), nullable=False),
    Column("config_fingerprint", String(64), nullable=False),
    Column("inputs", Text, nullable=False),
    Column("prediction", Float(precision=53), nullable=True),
    Column("errors", Text, nullable=True),
    Column("warnings", Text, nullable=True),
)

calls = Table(
    "calls",
    metadata,
    Column("call_id", String(36), primary_key=True),
    Column("id_prefix", String(PREFIX_LENGTH), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("model_version", String(64), nullable=False, index=True),
    Column("artifact_sha256", String(64), nullable=False),
    Column("config_fingerprint", String(64), nullable=False),
    Column("n_rows", Integer, nullable=False),
    # None for calls recorded before schema 5, which knew only the pickle's hash.
    Column("model_identity", String(64), nullable=True, index=True),
)

call_chunks = Table(
    "call_chunks",
    metadata,
    Column("call_id", String(36), primary_key=True),
    Column("first_row", Integer, primary_key=True),
    Column("n_rows", Integer, nullable=False),
    Column("inputs", LargeBinary, nullable=False),
    Column("predictions", LargeBinary, nullable=False),
    Column("errors", Text, nullable=True),
    Column("warnings", Text, nullable=True),
    Column("intervals", LargeBinary, nullable=True),
)

# One row per model that ever wrote to the store: enough to tell, from the
# store alone, which model, data and libraries made any record.
models = Table(
    "models",
    metadata,
    Column("model_identity", String(64), primary_key=True),
    Column("model_version", String(64), nullable=False, index=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("manifest", Text, nullable=False),
    Column("plan", Text, nullable=False),
    # The reference profile monitoring compares with (schema 6); None for models
    # trained before profiles were made.
    Column("profile", Text, nullable=True),
)

# The sale price of a predicted house, once it sold (``audit.add_outcomes``):
# one row per prediction id, naming its call and row.
outcomes = Table(
    "outcomes",
    metadata,
    Column("prediction_id", String(36), primary_key=True),
    Column("call_id", String(36), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
    Column("sale_price", Float(precision=53), nullable=False),
    Column("sold_on", Date, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Each ``regression-model monitor`` run, and its results: one row per window,
# measure and subject (a field, a warning kind, a segment), for dashboards.
monitor_runs = Table(
    "monitor_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("run_at", DateTime(timezone=True), nullable=False, index=True),
    Column("model_identity", String(64), nullable=False, index=True),
    Column("model_version", String(64), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("every", String(8), nullable=False),
    Column("records", Integer, nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("thresholds", Text, nullable=False),
)

monitor_results = Table(
    "monitor_results",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("period", String(8), primary_key=True),  # day, week, month, or all
    Column("window_start", DateTime(timezone=True), primary_key=True),
    Column("measure", String(32), primary_key=True),
    Column("subject", String(128), primary_key=True),
    Column("window_end", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("value", Float(precision=53), nullable=True),
    Column("reference", Float(precision=53), nullable=True),
    Column("verdict", String(8), nullable=False),
    Column("detail", Text, nullable=True),
)


def utc(moment: datetime) -> datetime:
    """A time in UTC, as the tables store it (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
