"""The ``models`` table: one row per model that ever wrote to the store.

A row holds the model's identity, version, manifest (data hash, fingerprints,
library pins, metrics) and scoring plan, written once, with the first call
that model records. So the store alone tells which model, data and libraries
made any record, and a replay elsewhere knows what to install.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from regression_model.store.tables import models, utc

__all__ = ["ModelRecord", "list_models", "model_row", "remember_model"]


@dataclass(frozen=True)
class ModelRecord:
    """What the store keeps of the model that makes a call."""

    identity: str
    version: str
    artifact_sha256: str
    config_fingerprint: str
    manifest: dict[str, Any]
    plan: dict[str, Any]
    profile: dict[str, Any] | None = None  # what monitoring compares with


def remember_model(connection: Connection, model: ModelRecord) -> None:
    """Add ``model``'s row unless the store already has it (inside the
    caller's transaction; a concurrent first write of the same model is
    absorbed by the dialect's insert-or-ignore)."""
    values = {
        "model_identity": model.identity,
        "model_version": model.version,
        "first_seen": utc(datetime.now(timezone.utc)),
        "manifest": json.dumps(model.manifest, sort_keys=True),
        "plan": json.dumps(model.plan, sort_keys=True, allow_nan=False),
        "profile": None if model.profile is None else json.dumps(model.profile, sort_keys=True),
    }
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert: Any
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        connection.execute(insert(models).values(**values).on_conflict_do_nothing())
        return
    known = select(models.c.model_identity).where(models.c.model_identity == model.identity)
    if connection.execute(known).first() is None:
        connection.execute(models.insert().values(**values))


def _as_dict(row: Any) -> dict[str, Any]:
    return {
        "model_identity": row["model_identity"],
        "model_version": row["model_version"],
        "first_seen": utc(row["first_seen"]),
        "manifest": json.loads(row["manifest"]),
        "plan": json.loads(row["plan"]),
        "profile": json.loads(row["profile"]) if row["profile"] else None,
    }


def list_models(connection: Connection) -> list[dict[str, Any]]:
    """Every model that wrote to the store, first seen first."""
    query = select(models).order_by(models.c.first_seen, models.c.model_identity)
    return [_as_dict(row._mapping) for row in connection.execute(query)]


def model_row(connection: Connection, identity: str) -> dict[str, Any] | None:
    """One model's row by identity, or None."""
    query = select(models).where(models.c.model_identity == identity)
    row = connection.execute(query).one_or_none()
    return None if row is None else _as_dict(row._mapping)
