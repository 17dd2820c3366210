"""The prediction store: writes of whole calls, and reads that never block them.

Imported only when a store is in use, so scoring with persistence off never
loads SQLAlchemy. Applications read records through ``regression_model.audit``.
How the store is reached (engine, schema, bounded transactions, read-only
copies) is ``access``; every read looks in the per-call tables and in the
per-row table of schemas 1 and 2 (``legacy``), in a read transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from regression_model.errors import PredictionStoreError
from regression_model.store.access import StoreAccess
from regression_model.store.codec import RecordChunk
from regression_model.store.legacy import iter_legacy, legacy_record
from regression_model.store.migrations import HEAD, revision_of, upgrade_sql
from regression_model.store.model_rows import ModelRecord, list_models, model_row, remember_model
from regression_model.store.reads import (
    RecordFilter,
    call_records,
    checked_limit,
    chunk_columns,
    iter_calls,
    lookup,
    storable,
)
from regression_model.store.tables import call_chunks, calls, prediction_records, utc
from regression_model.store.watchdog import Watch

if TYPE_CHECKING:
    import pandas as pd

_INSERT_CALL = calls.insert()
_INSERT_CHUNKS = call_chunks.insert()

__all__ = [
    "PredictionStore",
]


class PredictionStore(StoreAccess):
    """A prediction store on one SQLAlchemy URL.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL, used as given: e.g.
        ``sqlite:////var/lib/app/predictions.sqlite3``,
        ``sqlite:///file:/copies/predictions.sqlite3?mode=ro&uri=true`` or
        ``postgresql+psycopg://user@host/db``.
    timeout : float
        Seconds any wait for the database may last: a lock (SQLite busy
        timeout, PostgreSQL ``lock_timeout``), a statement (PostgreSQL
        ``statement_timeout``), a connection; a database that stops
        answering is left one second later.
    durability : {"full", "normal"}
        ``full``: a commit is on disk before the call returns. ``normal``: the
        last commits before a power loss may be lost (see ``engines``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from regression_model.store.store import PredictionStore
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> store = PredictionStore(f"sqlite:///{folder / 'p.sqlite3'}")
    >>> store.get_record("no-such-id") is None
    True
    >>> (folder / "p.sqlite3").exists()  # reading created nothing
    False
    """

    def __init__(self, url: str, timeout: float = 30.0, durability: str = "full") -> None:
        super().__init__(url, timeout, durability)
        # Models whose row this process has seen committed: checked once each.
        self._remembered: set[str] = set()

    @contextmanager
    def _reading(self, action: str) -> Iterator[tuple[Connection | None, Watch | None]]:
        """A read transaction, or ``(None, None)`` when there is no store there."""
        engine = self._prepare_read()
        if engine is None:
            yield None, None
            return
        with self._transaction(action, engine, read_only=True) as (connection, watch):
            yield connection, watch

    def write_call(
        self,
        *,
        call_id: str,
        id_prefix: str,
        created_at: datetime,
        model: ModelRecord,
        chunks: Sequence[RecordChunk],
    ) -> None:
        """Write one call (its row in ``calls``, its packed chunks and, on the
        model's first call, its row in ``models``) in one transaction, or raise
        PredictionStoreError."""
        n_rows = sum(chunk.n_rows for chunk in chunks)
        if n_rows == 0:
            return
        self._prepare_write()
        engine = self._get_engine()
        with self._transaction("record the predictions", engine) as (connection, watch):
            if model.identity not in self._remembered:
                remember_model(connection, model)
                watch.renew()
            connection.execute(
                # Parameters beside a plain insert, not .values(): the statement
                # is then the same each call and SQLAlchemy's compiled cache
                # serves it, instead of coercing every value anew.
                _INSERT_CALL,
                {
                    "call_id": call_id,
                    "id_prefix": id_prefix,
                    "created_at": utc(created_at),
                    "model_version": model.version,
                    "artifact_sha256": model.artifact_sha256,
                    "config_fingerprint": model.config_fingerprint,
                    "model_identity": model.identity,
                    "n_rows": n_rows,
                },
            )
            watch.renew()
            connection.execute(
                _INSERT_CHUNKS,
                [
                    {
                        "call_id": call_id,
                        "first_row": chunk.first_row,
                        "n_rows": chunk.n_rows,
                        "inputs": chunk.inputs,
                        "predictions": chunk.predictions,
                        "errors": chunk.errors,
                        "warnings": chunk.warnings,
                        "intervals": chunk.intervals,
                    }
                    for chunk in chunks
                ],
            )
            watch.renew()  # the commit's wait
        self._remembered.add(model.identity)

    def get_record(self, prediction_id: str) -> dict[str, Any] | None:
        """One record as a dict, or None when no record has that id (any text
        is a valid lookup)."""
        packed, legacy = lookup(prediction_id)
        if packed is None and not legacy:
            return None
        with self._reading("read a record") as (connection, _):
            if connection is None:
                return None
            if packed is not None:
                prefix, row = packed
                found = connection.execute(
                    select(calls, *chunk_columns())
                    .join(call_chunks, call_chunks.c.call_id == calls.c.call_id)
                    .where(
                        calls.c.id_prefix == prefix,
                        call_chunks.c.first_row <= row,
                        call_chunks.c.first_row + call_chunks.c.n_rows > row,
                    )
                ).one_or_none()
                if found is not None:
                    return call_records(found._mapping, [row])[0]
            return legacy_record(connection, prediction_id) if legacy else None

    def find(
        self,
        *,
        model_version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        call_id: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Records filtered by model version, time range [since, until) and call,
        ordered by time, call and row, as a list (see :meth:`iter_records` for
        reads of any size)."""
        found = [
            record
            for record in self.iter_records(
                RecordFilter.checked(model_version, since, until, call_id), limit
            )
        ]
        found.sort(key=lambda r: (r["created_at"], r["call_id"], r["row_number"]))
        return found

    def iter_records(
        self, where: RecordFilter, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The records ``where`` selects, up to ``limit``, streamed in one read
        transaction (records of schemas 1 and 2 first, then calls by time,
        call and row): memory stays that of one stored chunk, and writers are
        never held up, however long the reader takes."""
        left = checked_limit(limit)
        with self._reading("read records") as (connection, watch):
            if connection is None or watch is None:
                return
            for read in (iter_legacy, iter_calls):
                for batch in read(connection, where, left):
                    if left is not None:
                        left -= len(batch)
                    watch.pause()  # the caller has the records
                    yield from batch
                    watch.renew()

    def upgrade(self) -> str:
        """Bring the schema to this package's (as first use would) and return
        the revision it is at."""
        self.require_store_file()
        if self._prepare_read() is None:
            self._prepare_write()  # an empty database: create the schema
        with self._reading("read its schema") as (connection, _):
            assert connection is not None
            return revision_of(connection) or HEAD

    def upgrade_sql(self) -> str:
        """The SQL that would bring the schema to this package's, without
        running it or changing the store."""
        self.require_store_file()
        engine = self._get_engine()
        with self._transaction("be read", engine, read_only=True) as (connection, _):
            current = revision_of(connection)
            stamped = connection.dialect.has_table(connection, "alembic_version")
        if current == HEAD and stamped:
            return f"-- the store is at schema {int(HEAD)}: nothing to run\n"
        return upgrade_sql(self.url, current, stamped)

    def require_store_file(self) -> None:
        """Raise when the store is an SQLite file that does not exist."""
        if self._file is not None and not self._file.exists():
            raise PredictionStoreError(
                f"no store at {self._file} (no such file): nothing has been recorded "
                "there; check the URL"
            )

    def export(
        self,
        write: Callable[[pd.DataFrame], None],
        where: RecordFilter,
        fields: Mapping[str, str],
        limit: int | None = None,
    ) -> int:
        """Hand the selected records to ``write`` as flat frames, a stored chunk
        at a time, inputs one column per name of ``fields`` typed by its kind
        (see ``export``); returns how many rows it wrote."""
        from regression_model.store.export import record_frames

        left = checked_limit(limit)
        written = 0
        with self._reading("export records") as (connection, watch):
            if connection is None or watch is None:
                return 0
            for frame in record_frames(connection, where, fields, left):
                watch.pause()  # the writer has the rows
                write(frame)
                watch.renew()
                written += len(frame)
        return written

    def models(self) -> list[dict[str, Any]]:
        """Every model that wrote to the store (identity, version, first seen,
        manifest, plan), first seen first."""
        with self._reading("list its models") as (connection, _):
            return [] if connection is None else list_models(connection)

    def model(self, identity: str) -> dict[str, Any] | None:
        """The stored row of the model with that identity, or None."""
        if not storable(identity):
            return None
        with self._reading("read a model") as (connection, _):
            return None if connection is None else model_row(connection, identity)

    def count(self) -> int:
        """How many records the store holds."""
        with self._reading("count records") as (connection, _):
            if connection is None:
                return 0
            legacy = connection.execute(
                select(func.count()).select_from(prediction_records)
            ).scalar_one()
            packed = connection.execute(
                select(func.coalesce(func.sum(calls.c.n_rows), 0))
            ).scalar_one()
        return int(legacy) + int(packed)
