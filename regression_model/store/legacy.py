"""Records of schemas 1 and 2, one row each in ``predictions``: still read by
``get_record``, ``find`` and ``count``, never written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from regression_model.store.tables import prediction_records, utc

if TYPE_CHECKING:
    from regression_model.store.reads import RecordFilter

__all__ = [
    "iter_legacy",
    "legacy_record",
]

# Records read at a time by a streamed read.
_BATCH = 10_000


def legacy_record(connection: Connection, prediction_id: str) -> dict[str, Any] | None:
    """One per-row record by id, or None."""
    row = connection.execute(
        select(prediction_records).where(prediction_records.c.prediction_id == prediction_id)
    ).one_or_none()
    return None if row is None else _as_record(row._mapping)


def iter_legacy(
    connection: Connection, where: RecordFilter, limit: int | None
) -> Iterator[list[dict[str, Any]]]:
    """The per-row records ``where`` selects, oldest first, in batches, streamed."""
    if limit == 0 or where.matches_nothing:
        return
    query = where.apply(select(prediction_records), prediction_records).order_by(
        prediction_records.c.created_at,
        prediction_records.c.call_id,
        prediction_records.c.row_number,
    )
    if limit is not None:
        query = query.limit(limit)
    streamed = connection.execution_options(stream_results=True, yield_per=_BATCH)
    for rows in streamed.execute(query).partitions():
        yield [_as_record(row._mapping) for row in rows]


def _as_record(row: Any) -> dict[str, Any]:
    """A record of the per-row table of schemas 1 and 2."""
    record = dict(row)
    record["created_at"] = utc(record["created_at"])
    record["inputs"] = json.loads(record["inputs"])
    record["errors"] = json.loads(record["errors"]) if record["errors"] else None
    record["warnings"] = json.loads(record["warnings"]) if record.get("warnings") else None
    record["interval"] = None  # schemas 1 and 2 kept no price ranges
    record["model_identity"] = None  # nor model identities
    return record
