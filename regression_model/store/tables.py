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
    "prediction_records",
    "store_info",
    "utc",
]

SCHEMA_VERSION = 5


# The schema this version reads and writes (revision 0005; the revisions in
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
)


def utc(moment: datetime) -> datetime:
    """A time in UTC, as the tables store it (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
