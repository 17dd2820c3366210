"""The ``outcomes`` table: the sale price of a predicted house, once it sold.

One row per prediction id, naming the call and row it belongs to. Recording
is idempotent: a sale already recorded with the same price and date counts
as already there; one recorded with another price or date is refused (an
outcome is recorded once, never overwritten), and so is an id no stored call
holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from regression_model.store.tables import calls, outcomes, utc

__all__ = ["OutcomeCounts", "Sale", "record_sales", "sales_of_calls"]

# Ids looked up per statement (SQLite allows 32,766 parameters).
_BATCH = 1000


@dataclass(frozen=True)
class Sale:
    """One sale to record: ``position`` is its row in the caller's table."""

    position: int
    prediction_id: str
    prefix: str
    row: int
    sale_price: float
    sold_on: date | None


@dataclass
class OutcomeCounts:
    """What recording did: sales added, sales already recorded alike, and the
    refused ones as ``(position, message)``."""

    added: int = 0
    already_recorded: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def _batches(items: Sequence[Sale]) -> Iterator[Sequence[Sale]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _calls_of(connection: Connection, prefixes: set[str]) -> dict[str, tuple[str, int]]:
    """``{id prefix: (call id, rows)}`` of the stored calls with those prefixes."""
    query = select(calls.c.id_prefix, calls.c.call_id, calls.c.n_rows).where(
        calls.c.id_prefix.in_(sorted(prefixes))
    )
    return {row.id_prefix: (row.call_id, int(row.n_rows)) for row in connection.execute(query)}


def _recorded(connection: Connection, ids: list[str]) -> dict[str, tuple[float, date | None]]:
    query = select(outcomes.c.prediction_id, outcomes.c.sale_price, outcomes.c.sold_on).where(
        outcomes.c.prediction_id.in_(ids)
    )
    return {row.prediction_id: (row.sale_price, row.sold_on) for row in connection.execute(query)}


def _difference(sale: Sale, price: float, sold_on: date | None) -> str | None:
    if price == sale.sale_price and sold_on == sale.sold_on:
        return None
    when = f" sold on {sold_on.isoformat()}" if sold_on else ""
    return (
        f"prediction {sale.prediction_id} already has an outcome: sale price {price:,.2f}{when}; "
        "an outcome is recorded once and never replaced"
    )


def record_sales(connection: Connection, sales: Sequence[Sale]) -> OutcomeCounts:
    """Record ``sales`` (inside the caller's transaction).

    Examples
    --------
    >>> from sqlalchemy import create_engine
    >>> from regression_model.store.outcomes import Sale, record_sales
    >>> from regression_model.store.tables import metadata
    >>> engine = create_engine("sqlite://")
    >>> metadata.create_all(engine)
    >>> sale = Sale(0, "0190a1b2-c3d4-7e5f-8a9b-0c1d00000000", "0190a1b2-c3d4-7e5f-8a9b-0c1d", 0,
    ...             200000.0, None)
    >>> with engine.begin() as connection:
    ...     counts = record_sales(connection, [sale])
    >>> counts.refused
    [(0, 'no prediction 0190a1b2-c3d4-7e5f-8a9b-0c1d00000000 in the store')]
    """
    counts = OutcomeCounts()
    now = utc(datetime.now(timezone.utc))
    for batch in _batches(sales):
        known = _calls_of(connection, {sale.prefix for sale in batch})
        present = [s for s in batch if s.prefix in known and s.row < known[s.prefix][1]]
        counts.refused += [
            (s.position, f"no prediction {s.prediction_id} in the store")
            for s in batch
            if not (s.prefix in known and s.row < known[s.prefix][1])
        ]
        recorded = _recorded(connection, [s.prediction_id for s in present])
        new: list[dict[str, Any]] = []
        for sale in present:
            if sale.prediction_id in recorded:
                problem = _difference(sale, *recorded[sale.prediction_id])
                if problem is None:
                    counts.already_recorded += 1
                else:
                    counts.refused.append((sale.position, problem))
                continue
            recorded[sale.prediction_id] = (sale.sale_price, sale.sold_on)
            new.append(
                {
                    "prediction_id": sale.prediction_id,
                    "call_id": known[sale.prefix][0],
                    "row_number": sale.row,
                    "sale_price": sale.sale_price,
                    "sold_on": sale.sold_on,
                    "recorded_at": now,
                }
            )
        if new:
            connection.execute(outcomes.insert(), new)
        counts.added += len(new)
    counts.refused.sort()
    return counts


def sales_of_calls(
    connection: Connection, identity: str, since: datetime, until: datetime
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The recorded sales of the model's calls in ``[since, until)``:
    ``{call id: (row numbers, sale prices)}``, rows in order."""
    query = (
        select(outcomes.c.call_id, outcomes.c.row_number, outcomes.c.sale_price)
        .join(calls, calls.c.call_id == outcomes.c.call_id)
        .where(
            calls.c.model_identity == identity,
            calls.c.created_at >= utc(since),
            calls.c.created_at < utc(until),
        )
        .order_by(outcomes.c.call_id, outcomes.c.row_number)
    )
    grouped: dict[str, tuple[list[int], list[float]]] = {}
    streamed = connection.execution_options(stream_results=True, yield_per=10_000)
    for call_id, row, price in streamed.execute(query):
        rows, prices = grouped.setdefault(call_id, ([], []))
        rows.append(row)
        prices.append(price)
    return {
        call_id: (np.array(rows, dtype=np.int64), np.array(prices, dtype=np.float64))
        for call_id, (rows, prices) in grouped.items()
    }
