"""Sales to record against stored predictions: read from a table or a file
(CSV or Parquet), checked value by value.

A table holds ``prediction_id`` (as ``make_prediction`` returned it),
``sale_price`` (dollars, above 0) and optionally ``sold_on`` (an ISO date);
other columns are not read. A row with a value that is not what its column
holds comes back rejected, naming its row and column; the others are
recorded. What is wrong with the table itself (no such file, not CSV or
Parquet, a column missing) raises ``InputFileError`` or ``InvalidInputError``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from regression_model.errors import InputFileError, InvalidInputError
from regression_model.store.ids import parse_row_id
from regression_model.store.monitored import write_transaction
from regression_model.store.outcomes import Sale, record_sales

if TYPE_CHECKING:
    from regression_model.store.store import PredictionStore

__all__ = ["COLUMNS", "OutcomeSummary", "checked_sales", "record_outcomes", "sale_tables"]

COLUMNS = ("prediction_id", "sale_price", "sold_on")
_REQUIRED = COLUMNS[:2]
# Rows read, checked and recorded at a time (each batch in a transaction of its own).
_BATCH_ROWS = 50_000


@dataclass
class OutcomeSummary:
    """What ``audit.add_outcomes`` did with a table of sales: its ``rows``,
    the sales ``added``, those ``already_recorded`` with the same values, and
    the ``rejected`` rows (``row``, 0-based in the table; ``prediction_id``;
    ``message``)."""

    rows: int = 0
    added: int = 0
    already_recorded: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _price(value: Any) -> float | None:
    """A sale price as a positive finite float, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
        return float(value)
    return None


def _day(value: Any) -> tuple[bool, date | None]:
    """``(readable, date)`` of a ``sold_on`` cell; a missing one reads as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return True, None
    if isinstance(value, str):
        if not value.strip():
            return True, None
        try:
            return True, date.fromisoformat(value.strip())
        except ValueError:
            return False, None
    if isinstance(value, datetime):
        return True, value.date()
    if isinstance(value, date):
        return True, value
    return False, None


def _check(row: int, record: Mapping[str, Any]) -> Sale | str:
    """A row as a sale, or what is wrong with it."""
    given = record.get("prediction_id")
    if isinstance(given, uuid.UUID):
        given = str(given)
    parsed = parse_row_id(given) if isinstance(given, str) else None
    if given is None or (isinstance(given, float) and math.isnan(given)) or given == "":
        return "prediction_id is missing"
    if parsed is None:
        return f"prediction_id {given!r} is not a prediction id (a UUID make_prediction returned)"
    price = _price(record.get("sale_price"))
    if price is None:
        return f"sale_price {record.get('sale_price')!r} is not a price in dollars above 0"
    readable, sold_on = _day(record.get("sold_on"))
    if not readable:
        return f"sold_on {record.get('sold_on')!r} is not a date: write it as 2026-11-30"
    prefix, number = parsed
    return Sale(row, f"{prefix}{number:08x}", prefix, number, price, sold_on)


def checked_sales(frame: pd.DataFrame, first_row: int) -> tuple[list[Sale], list[dict[str, Any]]]:
    """The sales of ``frame`` (rows numbered from ``first_row``) and its rejected rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.monitoring.sales import checked_sales
    >>> frame = pd.DataFrame({"prediction_id": ["0190a1b2-c3d4-7e5f-8a9b-0c1d00000002", "x"],
    ...                       "sale_price": ["215000", "1"]})
    >>> sales, rejected = checked_sales(frame, 0)
    >>> sales[0].row, sales[0].sale_price, rejected[0]["message"]
    (2, 215000.0, "prediction_id 'x' is not a prediction id (a UUID make_prediction returned)")
    """
    missing = [name for name in _REQUIRED if name not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"the outcomes lack the column(s) {', '.join(missing)}: give prediction_id, "
            f"sale_price and optionally sold_on; saw {', '.join(map(str, frame.columns))}"
        )
    present = [name for name in COLUMNS if name in frame.columns]
    sales, rejected = [], []
    records: list[dict[str, Any]] = frame[present].astype(object).to_dict("records")  # type: ignore[assignment]
    for offset, record in enumerate(records):
        checked = _check(first_row + offset, record)
        if isinstance(checked, Sale):
            sales.append(checked)
        else:
            given = record.get("prediction_id")
            rejected.append(
                {
                    "row": first_row + offset,
                    "prediction_id": given if isinstance(given, str) else None,
                    "message": checked,
                }
            )
    return sales, rejected


def _file_tables(path: Path) -> Iterator[pd.DataFrame]:
    """A CSV (maybe compressed) or Parquet file, a batch of rows at a time."""
    name = str(path)
    suffixes = [s.lower() for s in path.suffixes]
    if path.is_dir():
        raise InputFileError(name, "is a folder, not a file", hint="name a file inside it")
    if not path.is_file():
        raise InputFileError(name, "no such file", hint="give the path of a CSV or Parquet file")
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        yield from _parquet_tables(path)
        return
    if ".csv" not in suffixes[-2:]:
        raise InputFileError(
            name, "cannot tell its format from its name", hint="name it .csv or .parquet"
        )
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, chunksize=_BATCH_ROWS, encoding="utf-8-sig"
        )
        yield from reader
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise InputFileError(name, f"cannot be read as CSV: {error}") from error


def _parquet_tables(path: Path) -> Iterator[pd.DataFrame]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise InputFileError(
            str(path), "Parquet needs pyarrow", hint="pip install 'ames-price-model[parquet]'"
        ) from error
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS):
            yield batch.to_pandas()
    except (pa.ArrowException, OSError) as error:
        raise InputFileError(str(path), f"is not a readable Parquet file ({error})") from error


def sale_tables(
    outcomes: pd.DataFrame | Sequence[Mapping[str, Any]] | str | Path,
) -> Iterator[pd.DataFrame]:
    """The outcomes a caller gives, as tables of at most 50,000 rows."""
    if isinstance(outcomes, (str, Path)):
        yield from _file_tables(Path(outcomes))
        return
    if isinstance(outcomes, pd.DataFrame):
        frame = outcomes
    elif isinstance(outcomes, Sequence) and all(isinstance(r, Mapping) for r in outcomes):
        frame = pd.DataFrame([dict(cast(Mapping[str, Any], r)) for r in outcomes])
    else:
        raise InvalidInputError(
            f"outcomes must be a DataFrame, a list of dicts or a file path, not "
            f"{type(outcomes).__name__}"
        )
    for start in range(0, len(frame), _BATCH_ROWS):
        yield frame.iloc[start : start + _BATCH_ROWS]


def record_outcomes(
    store: PredictionStore, outcomes: pd.DataFrame | Sequence[Mapping[str, Any]] | str | Path
) -> OutcomeSummary:
    """Record the sales of ``outcomes`` in ``store``, a batch of rows at a time,
    each batch in a transaction of its own (see ``audit.add_outcomes``).

    Examples
    --------
    >>> from regression_model import audit
    >>> from regression_model.monitoring.sales import record_outcomes
    >>> summary = record_outcomes(audit.get_store(), [{"prediction_id": "x", "sale_price": 1}])
    >>> summary.rows, summary.added, summary.rejected[0]["row"]
    (1, 0, 0)
    """
    summary = OutcomeSummary()
    refused: list[tuple[int, str]] = []
    ids: dict[int, str] = {}
    for table in sale_tables(outcomes):
        sales, rejected = checked_sales(table, summary.rows)
        summary.rows += len(table)
        summary.rejected += rejected
        with write_transaction(store, "record the outcomes") as connection:
            counts = record_sales(connection, sales)
        summary.added += counts.added
        summary.already_recorded += counts.already_recorded
        refused += counts.refused
        ids |= {sale.position: sale.prediction_id for sale in sales}
    summary.rejected += [{"row": r, "prediction_id": ids[r], "message": m} for r, m in refused]
    summary.rejected.sort(key=lambda item: int(item["row"]))
    return summary
