"""Records of schemas 1 and 2, one row each in ``predictions``: still read by
``get_record``, ``find`` and ``count``, never written."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from regression_model.store.tables import prediction_records, utc

if TYPE_CHECKING:
    from regression_model.store.reads import RecordFilter

__all__ = [
    "find_legacy",
    "legacy_record",
]


def legacy_record(connection: Connection, prediction_id: str) -> dict[str, Any] | None:
    """One per-row record by id, or None."""
    row = connection.execute(
        select(prediction_records).where(prediction_records.c.prediction_id == prediction_id)
    ).one_or_none()
    return None if row is None else _as_record(row._mapping)


def find_legacy(
    connection: Connection, where: RecordFilter, limit: int | None
) -> list[dict[str, Any]]:
    query = where.apply(select(prediction_records), prediction_records).order_by(
        prediction_records.c.created_at,
        prediction_records.c.call_id,
        prediction_records.c.row_number,
    )
    if limit is not None:
        query = query.limit(limit)
    return [_as_record(row._mapping) for row in connection.execute(query)]


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
