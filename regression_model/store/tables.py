"""The prediction store's tables, as this version reads and writes them.

Since schema 3 a call is one row of ``calls`` plus its packed chunks in
``call_chunks`` (see ``codec``); a prediction id names its call and row (see
``ids``). ``prediction_records`` is the per-row table of schemas 1 and 2,
kept for the records already in it and only read (see ``legacy``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

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
    "call_tables",
    "metadata",
    "record_tables",
    "utc",
]

SCHEMA_VERSION = 4


def record_tables(metadata: MetaData, *, with_warnings: bool) -> tuple[Table, Table]:
    info = Table(
        "store_info",
        metadata,
        Column("key", String(64), primary_key=True),
        Column("value", String(256), nullable=False),
    )
    columns: list[Column[Any]] = [
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
    ]
    if with_warnings:
        columns.append(Column("warnings", Text, nullable=True))
    return info, Table("predictions", metadata, *columns)


def call_tables(metadata: MetaData, *, with_intervals: bool) -> tuple[Table, Table]:
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
    )
    chunks = Table(
        "call_chunks",
        metadata,
        Column("call_id", String(36), primary_key=True),
        Column("first_row", Integer, primary_key=True),
        Column("n_rows", Integer, nullable=False),
        Column("inputs", LargeBinary, nullable=False),
        Column("predictions", LargeBinary, nullable=False),
        Column("errors", Text, nullable=True),
        Column("warnings", Text, nullable=True),
        *([Column("intervals", LargeBinary, nullable=True)] if with_intervals else []),
    )
    return calls, chunks


# The schema this version reads and writes; ``prediction_records`` is the
# per-row table of schemas 1 and 2, now only read.
metadata = MetaData()
store_info, prediction_records = record_tables(metadata, with_warnings=True)
calls, call_chunks = call_tables(metadata, with_intervals=True)


def utc(moment: datetime) -> datetime:
    """A time in UTC, as the tables store it (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
