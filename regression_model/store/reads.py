"""Reading packed calls back as records, one per row, and what a read may ask.

Every argument of a read is checked before the database sees it, so both
backends answer alike: a time that is not a ``datetime`` or a negative limit is
refused with a one-line :class:`StoreQueryError`; text no stored value can
equal (a NUL, an unpaired surrogate, an id longer than any the store wrote)
matches nothing, where PostgreSQL would otherwise refuse it.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.engine import Connection

from regression_model.errors import StoreQueryError
from regression_model.store.codec import RecordChunk, unpack_rows
from regression_model.store.ids import parse_row_id
from regression_model.store.tables import call_chunks, calls, utc

__all__ = [
    "LEGACY_ID_LENGTH",
    "STREAM_CHUNKS",
    "RecordFilter",
    "call_records",
    "calls_query",
    "checked_limit",
    "chunk_columns",
    "iter_calls",
    "lookup",
    "storable",
]

# Chunks (of up to 10,000 rows) fetched at a time by a streamed read.
STREAM_CHUNKS = 8
# Ids of schemas 1 and 2 are UUID text, 36 characters.
LEGACY_ID_LENGTH = 36
# A row number a chunk's first_row column (a 32-bit integer) can reach.
_LARGEST_ROW = 2**31 - 1


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


def storable(text: str) -> bool:
    """Whether ``text`` could be a stored value: no NUL (PostgreSQL refuses it)
    and UTF-8 encodable (no unpaired surrogate)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def lookup(prediction_id: Any) -> tuple[tuple[str, int] | None, bool]:
    """Where a record with this id could be: ``(prefix, row)`` of a packed call
    (or None), and whether the per-row table of schemas 1 and 2 could hold it.

    Examples
    --------
    >>> from regression_model.store.reads import lookup
    >>> lookup("01a22b14-e621-711f-9207-b5bfffffffff")  # a row no call can have
    (None, True)
    >>> lookup("no\\x00such id")
    (None, False)
    """
    if not isinstance(prediction_id, str):
        raise StoreQueryError(
            f"prediction_id={prediction_id!r} is not accepted: give the id as text, "
            "as make_prediction returned it"
        )
    parsed = parse_row_id(prediction_id)
    if parsed is not None and parsed[1] > _LARGEST_ROW:
        parsed = None
    legacy = len(prediction_id) <= LEGACY_ID_LENGTH and storable(prediction_id)
    return parsed, legacy


def checked_limit(limit: Any) -> int | None:
    """``limit`` as a whole number of 0 or more, or None for no limit."""
    if limit is None:
        return None
    if isinstance(limit, numbers.Integral) and not isinstance(limit, bool) and int(limit) >= 0:
        return int(limit)
    raise StoreQueryError(
        f"limit={limit!r} is not accepted: give a whole number of 0 or more, or None for no limit"
    )


def _checked_text(name: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise StoreQueryError(f"{name}={value!r} is not accepted: give text, or None for any")


def _checked_time(name: str, value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    raise StoreQueryError(
        f"{name}={value!r} is not accepted: give a datetime (a naive one is taken as UTC), "
        "e.g. datetime(2026, 11, 26, tzinfo=timezone.utc), or None"
    )


@dataclass(frozen=True)
class RecordFilter:
    """What ``find`` selects on; applies to the calls table and the legacy one.
    Built by :meth:`checked`, which refuses arguments of the wrong type."""

    model_version: str | None
    since: datetime | None
    until: datetime | None
    call_id: str | None

    @classmethod
    def checked(cls, model_version: Any, since: Any, until: Any, call_id: Any) -> RecordFilter:
        """A filter from a caller's arguments, or :class:`StoreQueryError`.

        Examples
        --------
        >>> from regression_model.store.reads import RecordFilter
        >>> from regression_model.errors import StoreQueryError
        >>> try:
        ...     RecordFilter.checked(None, "yesterday", None, None)
        ... except StoreQueryError as error:
        ...     print(error)  # doctest: +ELLIPSIS
        since='yesterday' is not accepted: give a datetime (a naive one is taken as UTC), ...
        """
        return cls(
            _checked_text("model_version", model_version),
            _checked_time("since", since),
            _checked_time("until", until),
            _checked_text("call_id", call_id),
        )

    @property
    def matches_nothing(self) -> bool:
        """A text no stored value can equal: nothing to ask the database."""
        texts = (self.model_version, self.call_id)
        return any(text is not None and not storable(text) for text in texts)

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


def iter_calls(
    connection: Connection, where: RecordFilter, limit: int | None
) -> Iterator[list[dict[str, Any]]]:
    """The records of the calls ``where`` selects, a stored chunk at a time,
    streamed (a server-side cursor where the driver has one), up to ``limit``."""
    if limit == 0 or where.matches_nothing:
        return
    left = limit
    streamed = connection.execution_options(stream_results=True, yield_per=STREAM_CHUNKS)
    for chunk in streamed.execute(calls_query(where)):
        first, size = chunk.first_row, chunk.chunk_rows
        wanted = size if left is None else min(size, left)
        yield call_records(chunk._mapping, range(first, first + wanted))
        if left is not None:
            left -= wanted
            if left <= 0:
                return


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
