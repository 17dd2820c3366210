"""Reading packed calls back as records, one per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.engine import Connection

from regression_model.store.codec import RecordChunk, unpack_rows
from regression_model.store.tables import call_chunks, calls, utc

__all__ = [
    "RecordFilter",
    "call_records",
    "calls_query",
    "chunk_columns",
    "find_calls",
]


def chunk_columns() -> list[ColumnElement[Any]]:
    return [
        call_chunks.c.first_row,
        call_chunks.c.n_rows.label("chunk_rows"),
        call_chunks.c.inputs,
        call_chunks.c.predictions,
        call_chunks.c.errors,
        call_chunks.c.warnings,
        call_chunks.c.intervals,
    ]


@dataclass(frozen=True)
class RecordFilter:
    """What ``find`` selects on; applies to the calls table and the legacy one."""

    model_version: str | None
    since: datetime | None
    until: datetime | None
    call_id: str | None

    def apply(self, query: Any, table: Table) -> Any:
        if self.model_version is not None:
            query = query.where(table.c.model_version == self.model_version)
        if self.since is not None:
            query = query.where(table.c.created_at >= utc(self.since))
        if self.until is not None:
            query = query.where(table.c.created_at < utc(self.until))
        if self.call_id is not None:
            query = query.where(table.c.call_id == self.call_id)
        return query


def calls_query(where: RecordFilter) -> Any:
    """The calls ``where`` selects, joined with their chunks, by time, call and row."""
    query = select(calls, *chunk_columns()).join(
        call_chunks, call_chunks.c.call_id == calls.c.call_id
    )
    return where.apply(query, calls).order_by(
        calls.c.created_at, calls.c.call_id, call_chunks.c.first_row
    )


def find_calls(
    connection: Connection, where: RecordFilter, limit: int | None
) -> list[dict[str, Any]]:
    query = calls_query(where)
    records: list[dict[str, Any]] = []
    # Chunks stream in order; stop reading once ``limit`` rows are unpacked.
    for chunk in connection.execute(query):
        first, size = chunk.first_row, chunk.chunk_rows
        wanted = size if limit is None else min(size, limit - len(records))
        records += call_records(chunk._mapping, range(first, first + wanted))
        if limit is not None and len(records) >= limit:
            break
    return records


def call_records(row: Any, rows: Sequence[int]) -> list[dict[str, Any]]:
    """Records of ``rows`` from one joined calls + call_chunks row."""
    chunk = RecordChunk(
        first_row=row["first_row"],
        n_rows=row["chunk_rows"],
        inputs=row["inputs"],
        predictions=row["predictions"],
        errors=row["errors"],
        warnings=row["warnings"],
        intervals=row["intervals"],
    )
    created_at = utc(row["created_at"])
    return [
        {
            "prediction_id": f"{row['id_prefix']}{unpacked['row_number']:08x}",
            "call_id": row["call_id"],
            "row_number": unpacked["row_number"],
            "created_at": created_at,
            "model_version": row["model_version"],
            "artifact_sha256": row["artifact_sha256"],
            "config_fingerprint": row["config_fingerprint"],
            "model_identity": row["model_identity"],
            "inputs": unpacked["inputs"],
            "prediction": unpacked["prediction"],
            "interval": unpacked["interval"],
            "errors": unpacked["errors"],
            "warnings": unpacked["warnings"],
        }
        for unpacked in unpack_rows(chunk, rows)
    ]
