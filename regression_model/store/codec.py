"""How a call's rows are packed for the prediction store, and unpacked.

A call is stored as chunks of up to ``CHUNK_ROWS`` rows. Each chunk holds the
inputs as received (after renaming), the prices as float64 (NaN for a
rejected row), and the errors and warnings as JSON keyed by row number.

Inputs from a DataFrame are kept column by column (numbers in their smallest
exact numpy dtype, text as codes into the column's distinct values: see
``_packers``), and so are records that all have the same fields in the same
order, cut into columns; other records are kept as JSON lines, since their
rows have different keys. Either way the blob (``_blobs``) is zlib-compressed
at level 1, the fastest: the packed columns are codes of a byte or two a value
already. What recording costs is measured by ``benchmarks/store_cost.py``
(docs/speed.md).

Reading gives back each row as a dict of JSON values (str, int, float, bool,
None; NaN and infinities become None), the same whichever way it was kept.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from regression_model import tuning
from regression_model.store._blobs import FORMAT_VERSION, decode_columns, decode_inputs, pack_blob
from regression_model.store._packers import (
    ColumnPacker,
    Factorize,
    cells_packer,
    json_value,
    series_packer,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHUNK_ROWS",
    "FORMAT_VERSION",
    "RecordChunk",
    "columns_encoder",
    "decode_columns",
    "decode_inputs",
    "encode_frame",
    "encode_json_rows",
    "encode_received",
    "frame_encoder",
    "json_text",
    "json_value",
    "pack_call",
    "pack_inputs",
    "received_encoder",
    "unpack_rows",
]

CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class RecordChunk:
    """Rows ``first_row .. first_row + n_rows - 1`` of one call, packed."""

    first_row: int
    n_rows: int
    inputs: bytes
    predictions: bytes
    errors: str | None
    warnings: str | None
    intervals: bytes | None = None  # (rows, 2) float64 dollars, NaN where none


def pack_inputs(
    encode_inputs: Callable[[int, int], bytes],
    n_rows: int,
    chunk_rows: int = CHUNK_ROWS,
    most_threads: int | None = None,
) -> list[bytes]:
    """The packed inputs of each chunk of a call of ``n_rows`` rows, in order, as
    :func:`pack_call` packs them; apart, so that a caller may pack the inputs
    while the rows are still being priced (on ``most_threads`` threads at most,
    by default one per core up to 4; 1 packs them in turn)."""
    starts = list(range(0, n_rows, chunk_rows))
    stops = [min(start + chunk_rows, n_rows) for start in starts]
    return _encode_chunks(encode_inputs, starts, stops, most_threads)


def pack_call(
    encode_inputs: Callable[[int, int], bytes] | Sequence[bytes],
    predictions: Sequence[float | None] | np.ndarray,
    errors: Mapping[int, list[dict[str, Any]]],
    warnings: Mapping[int, list[dict[str, Any]]],
    intervals: Sequence[Sequence[float] | None] | np.ndarray | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> list[RecordChunk]:
    """Pack a call's rows (one per prediction) into chunks; ``encode_inputs(start,
    stop)`` packs the inputs of rows ``start .. stop - 1`` (or ``encode_inputs``
    holds them packed already, by :func:`pack_inputs`); ``intervals`` holds
    each row's price range (or None), when the model gives ranges. Prices and
    ranges may come as arrays already (NaN where a row has none), which spares
    walking a list per row."""
    if isinstance(predictions, np.ndarray):
        prices = predictions.astype(np.float64, copy=False)
    else:
        prices = np.array([math.nan if p is None else p for p in predictions], dtype=np.float64)
    n_rows = len(prices)
    bounds = None
    if isinstance(intervals, np.ndarray):
        bounds = intervals.astype("<f8", copy=False).reshape(n_rows, 2)
    elif intervals is not None:
        bounds = np.array(
            [(math.nan, math.nan) if r is None else r for r in intervals], dtype="<f8"
        ).reshape(n_rows, 2)
    starts = list(range(0, n_rows, chunk_rows))
    stops = [min(start + chunk_rows, n_rows) for start in starts]
    if callable(encode_inputs):
        packed = pack_inputs(encode_inputs, n_rows, chunk_rows)
    else:
        packed = list(encode_inputs)
        if len(packed) != len(starts):
            raise ValueError(f"{len(packed)} packed inputs for {len(starts)} chunks")
    chunks = []
    for start, stop, inputs in zip(starts, stops, packed, strict=True):
        chunks.append(
            RecordChunk(
                first_row=start,
                n_rows=stop - start,
                inputs=inputs,
                predictions=prices[start:stop].astype("<f8").tobytes(),
                errors=_rows_json(errors, start, stop),
                warnings=_rows_json(warnings, start, stop),
                intervals=None if bounds is None else bounds[start:stop].tobytes(),
            )
        )
    return chunks


def _encode_chunks(
    encode_inputs: Callable[[int, int], bytes],
    starts: list[int],
    stops: list[int],
    most_threads: int | None = None,
) -> list[bytes]:
    """Each chunk's packed inputs, in order. Several chunks are packed on threads
    (at most one per core, and tuning.STORE_MOST_THREADS): zlib and numpy release the GIL,
    and compressing is most of the packing."""
    most = tuning.STORE_MOST_THREADS if most_threads is None else most_threads
    workers = min(most, os.cpu_count() or 1, len(starts))
    if workers < 2:
        return [encode_inputs(start, stop) for start, stop in zip(starts, stops, strict=True)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="regression-model-store") as pool:
        return list(pool.map(encode_inputs, starts, stops))


def _rows_json(by_row: Mapping[int, list[dict[str, Any]]], start: int, stop: int) -> str | None:
    inside = {str(row): items for row, items in by_row.items() if start <= row < stop and items}
    return json.dumps(inside) if inside else None


def unpack_rows(chunk: RecordChunk, rows: Sequence[int]) -> list[dict[str, Any]]:
    """Rows (call row numbers inside the chunk) as dicts: ``row_number``,
    ``inputs``, ``prediction``, ``interval``, ``errors``, ``warnings``."""
    offsets = [row - chunk.first_row for row in rows]
    prices = np.frombuffer(chunk.predictions, dtype="<f8")[offsets].tolist()
    ranges: list[list[float] | None] = [None] * len(offsets)
    if chunk.intervals is not None:
        pairs = np.frombuffer(chunk.intervals, dtype="<f8").reshape(-1, 2)[offsets].tolist()
        ranges = [None if math.isnan(low) else [low, high] for low, high in pairs]
    inputs = decode_inputs(chunk.inputs, offsets)
    errors = json.loads(chunk.errors) if chunk.errors else {}
    warnings = json.loads(chunk.warnings) if chunk.warnings else {}
    return [
        {
            "row_number": row,
            "inputs": values,
            "prediction": None if math.isnan(price) else price,
            "interval": interval,
            "errors": errors.get(str(row)),
            "warnings": warnings.get(str(row)),
        }
        for row, values, price, interval in zip(rows, inputs, prices, ranges, strict=True)
    ]


# ---- inputs ----


def encode_frame(frame: pd.DataFrame, factorize: Factorize | None = None) -> bytes:
    """Pack a DataFrame's rows column by column; ``factorize`` finds a text
    column's codes and distinct values as ``pandas.factorize`` does (the caller
    may pass a faster equivalent).

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.store.codec import decode_inputs, encode_frame
    >>> frame = pd.DataFrame({"GrLivArea": [1710, 1262], "Street": ["Pave", None]})
    >>> decode_inputs(encode_frame(frame), [1])
    [{'GrLivArea': 1262, 'Street': None}]
    """
    return frame_encoder(frame, factorize)(0, len(frame))


def frame_encoder(
    frame: pd.DataFrame, factorize: Factorize | None = None
) -> Callable[[int, int], bytes]:
    """A packer of the row ranges of ``frame``: ``encoder(start, stop)`` packs
    the rows ``encode_frame(frame.iloc[start:stop], factorize)`` packs, but
    each text column is factorised once for the whole frame (a call is stored
    in many chunks). A column of at most 256 distinct values keeps the whole
    frame's codes in every range, which then lists all of them: the same rows
    read back, not the same bytes as the range packed alone. A column of more
    renumbers each range's slice of the codes: the very bytes.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.store.codec import decode_inputs, frame_encoder
    >>> frame = pd.DataFrame({"GrLivArea": [1710, 1262, 980], "Street": ["Pave", None, "Grvl"]})
    >>> decode_inputs(frame_encoder(frame)(1, 3), [0, 1])
    [{'GrLivArea': 1262, 'Street': None}, {'GrLivArea': 980, 'Street': 'Grvl'}]
    """
    import pandas as pd

    chosen = factorize or pd.factorize
    return _ranges_encoder([(str(name), series_packer(col, chosen)) for name, col in frame.items()])


def columns_encoder(
    columns: Mapping[str, Sequence[Any]], factorize: Factorize | None = None
) -> Callable[[int, int], bytes]:
    """A packer of the row ranges of columns of Python values (the cells of
    records that all have the same fields in the same order, cut into
    columns), packed as :func:`frame_encoder` packs a DataFrame's: ``encoder(start,
    stop)`` packs rows ``start .. stop - 1``, which read back as the records do
    from JSON lines. Each column is packed by the types of its cells: floats
    with gaps as float64, whole numbers as the smallest integer dtype, text as
    codes; a column of mixed types (``1`` beside ``1.5``, ``True`` beside
    ``1``) keeps its cells as JSON values. ``factorize`` finds a column's codes
    and distinct values as ``pandas.factorize`` does (given the column).

    Examples
    --------
    >>> from regression_model.store.codec import columns_encoder, decode_inputs
    >>> columns = {"GrLivArea": [1710, 1262], "LotFrontage": [65.0, None], "Street": ["Pave", None]}
    >>> decode_inputs(columns_encoder(columns)(0, 2), [0, 1])  # doctest: +NORMALIZE_WHITESPACE
    [{'GrLivArea': 1710, 'LotFrontage': 65.0, 'Street': 'Pave'},
     {'GrLivArea': 1262, 'LotFrontage': None, 'Street': None}]
    """
    return _ranges_encoder(
        [(name, cells_packer(cells, factorize)) for name, cells in columns.items()]
    )


def _ranges_encoder(packers: list[tuple[str, ColumnPacker]]) -> Callable[[int, int], bytes]:
    """Blobs of row ranges, from each column's packer."""

    def encode(start: int, stop: int) -> bytes:
        columns: list[dict[str, Any]] = []
        buffers: list[bytes] = []
        for name, packer in packers:
            spec, buffer = packer(start, stop)
            columns.append({"name": name, **spec})
            buffers.append(buffer)
        header = {"format": "columns", "n_rows": stop - start, "columns": columns}
        return pack_blob(header, b"".join(buffers))

    return encode


def encode_json_rows(rows: Sequence[str]) -> bytes:
    """Pack rows already written as JSON objects (records of varying keys)."""
    return pack_blob({"format": "jsonl", "n_rows": len(rows)}, "\n".join(rows).encode("utf-8"))


# ---- records whose fields differ: JSON lines ----


def json_text(record: Mapping[str, Any]) -> str:
    """One record as a JSON object, through :func:`json_value`.

    Plain values (text, whole numbers, finite floats, None) are written as
    they are; only the others go through :func:`json_value`. House records
    nearly always hold a NaN, so trying the record as it is first, then
    converting every cell, would nearly always do the work twice.
    """
    cells = {str(k): v if _plain(v) else json_value(v) for k, v in record.items()}
    return json.dumps(cells, allow_nan=False)


def _plain(value: Any) -> bool:
    """Whether JSON writes ``value`` as json_value would: text, a whole number,
    a finite float (exactly these types, not numpy's) or None."""
    kind = type(value)
    if kind is float:
        return math.isfinite(value)
    return kind is str or kind is int or kind is bool or value is None


def encode_received(
    rows: pd.DataFrame | Sequence[Mapping[str, Any]], factorize: Factorize | None = None
) -> bytes:
    """Pack rows as a caller sent them: a DataFrame column by column (see
    :func:`encode_frame` for ``factorize``), records (whose keys may differ) as
    JSON lines."""
    return received_encoder(rows, factorize)(0, len(rows))


def received_encoder(
    rows: pd.DataFrame | Sequence[Mapping[str, Any]], factorize: Factorize | None = None
) -> Callable[[int, int], bytes]:
    """:func:`encode_received` of row ranges: ``encoder(start, stop)`` packs
    rows ``start .. stop - 1`` (see :func:`frame_encoder`)."""
    pandas = sys.modules.get("pandas")  # nothing is a DataFrame before pandas is imported
    if pandas is not None and isinstance(rows, pandas.DataFrame):
        return frame_encoder(rows, factorize)
    records = cast(Sequence[Mapping[str, Any]], rows)
    return lambda start, stop: encode_json_rows([json_text(r) for r in records[start:stop]])
