"""How a call's rows are packed for the prediction store, and unpacked.

A call is stored as chunks of up to ``CHUNK_ROWS`` rows. Each chunk holds the
inputs as received (after renaming), the prices as float64 (NaN for a
rejected row), and the errors and warnings as JSON keyed by row number.

Inputs from a DataFrame are kept column by column: numbers as their smallest
exact numpy dtype, everything else as codes into the column's distinct values.
A list of records is kept as JSON lines, since its rows may have different
keys. Either way the blob is zlib-compressed at level 1, the fastest: the
packed columns are codes of a byte or two a value already. What recording
costs is measured by ``benchmarks/store_cost.py`` (docs/speed.md).

Reading gives back each row as a dict of JSON values (str, int, float, bool,
None; NaN and infinities become None), the same whichever way it was kept.
"""

from __future__ import annotations

import json
import math
import os
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from regression_model import tuning

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHUNK_ROWS",
    "FORMAT_VERSION",
    "RecordChunk",
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

# What finds a column's codes (-1 for missing) and distinct values; None means
# pandas.factorize. pandas is imported where a DataFrame is packed: records are
# packed without it.
Factorize = Callable[["pd.Series"], tuple[Any, Any]]

CHUNK_ROWS = 10_000
FORMAT_VERSION = 1


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
    packers = [(str(name), _column_packer(column, chosen)) for name, column in frame.items()]

    def encode(start: int, stop: int) -> bytes:
        columns: list[dict[str, Any]] = []
        buffers: list[bytes] = []
        for name, packer in packers:
            spec, buffer = packer(start, stop)
            columns.append({"name": name, **spec})
            buffers.append(buffer)
        header = {"format": "columns", "n_rows": stop - start, "columns": columns}
        return _pack(header, b"".join(buffers))

    return encode


def encode_json_rows(rows: Sequence[str]) -> bytes:
    """Pack rows already written as JSON objects (records of varying keys)."""
    return _pack({"format": "jsonl", "n_rows": len(rows)}, "\n".join(rows).encode("utf-8"))


def decode_inputs(blob: bytes, positions: Sequence[int]) -> list[dict[str, Any]]:
    """The rows at ``positions`` (0-based in the blob) as dicts."""
    header, body = _unpack(blob)
    if header["format"] == "jsonl":
        lines = bytes(body).decode("utf-8").split("\n")
        return [json.loads(lines[p]) for p in positions]
    if not header["columns"]:  # a frame without columns: empty rows
        return [{} for _ in positions]
    columns = _column_values(header, body, positions)
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def decode_columns(
    blob: bytes,
) -> tuple[int, dict[str, tuple[np.ndarray, frozenset[type]]] | list[dict[str, Any]]]:
    """Every row of a blob, for readers of whole chunks (exports): its row count,
    and its inputs as ``{name: (values, types)}`` when kept column by column
    (``values`` a numpy array: numbers as stored, NaN where missing, anything
    else as objects with None where missing; ``types`` the Python types of the
    values present), else as one dict per row (records whose keys may differ).
    """
    header, body = _unpack(blob)
    n_rows = header["n_rows"]
    if header["format"] == "jsonl":
        lines = bytes(body).decode("utf-8").split("\n") if n_rows else []
        return n_rows, [json.loads(line) for line in lines]
    columns: dict[str, tuple[np.ndarray, frozenset[type]]] = {}
    for spec, array in _stored_columns(header, body):
        if array is None:  # cells
            cells = np.empty(n_rows, dtype=object)
            cells[:] = spec["values"]
            columns[spec["name"]] = (cells, _types_of(spec["values"]))
        elif spec["kind"] == "coded":
            lookup = np.empty(len(spec["values"]) + 1, dtype=object)
            lookup[:-1] = spec["values"]  # the last slot, None, is what code -1 picks
            columns[spec["name"]] = (lookup[array], _types_of(spec["values"]))
        else:
            kind = {"bool": bool, "int": int, "float": float}[spec["as"]]
            columns[spec["name"]] = (array, frozenset({kind}))
    return n_rows, columns


def _unpack(blob: bytes) -> tuple[dict[str, Any], memoryview]:
    raw = zlib.decompress(blob)
    if raw[0] != FORMAT_VERSION:
        raise ValueError(f"stored inputs have format {raw[0]}, this package reads {FORMAT_VERSION}")
    size = int.from_bytes(raw[1:5], "little")
    return json.loads(raw[5 : 5 + size]), memoryview(raw)[5 + size :]


def _stored_columns(
    header: dict[str, Any], body: memoryview
) -> Iterator[tuple[dict[str, Any], np.ndarray | None]]:
    """Each column's spec and its packed array in ``body`` (None for a column
    kept cell by cell, whose values are in the spec)."""
    n_rows = header["n_rows"]
    offset = 0
    for spec in header["columns"]:
        if spec["kind"] == "cells":
            yield spec, None
            continue
        dtype = np.dtype(spec["dtype"])
        yield spec, np.frombuffer(body, dtype=dtype, count=n_rows, offset=offset)
        offset += dtype.itemsize * n_rows


def _types_of(values: list[Any]) -> frozenset[type]:
    return frozenset(type(v) for v in values if v is not None)


def _column_values(
    header: dict[str, Any], body: memoryview, positions: Sequence[int]
) -> dict[str, list[Any]]:
    """Each column's JSON values at ``positions``."""
    values: dict[str, list[Any]] = {}
    for spec, array in _stored_columns(header, body):
        name = spec["name"]
        if array is None:  # cells
            cells = spec["values"]
            values[name] = [cells[p] for p in positions]
            continue
        picked = array[np.asarray(positions, dtype=np.int64)]
        if spec["kind"] == "coded":
            distinct = spec["values"] + [None]  # code -1 (missing) picks the None
            values[name] = [distinct[code] for code in picked.tolist()]
        elif spec["as"] == "float":
            values[name] = [v if math.isfinite(v) else None for v in picked.tolist()]
        else:
            values[name] = picked.tolist()
    return values


def _pack(header: Mapping[str, Any], body: bytes) -> bytes:
    head = json.dumps(header, allow_nan=False).encode("utf-8")
    raw = bytes([FORMAT_VERSION]) + len(head).to_bytes(4, "little") + head + body
    return zlib.compress(raw, tuning.STORE_COMPRESSION_LEVEL)


# A column's packer: rows start .. stop - 1 of the column as (spec, bytes).
_ColumnPacker = Callable[[int, int], tuple[dict[str, Any], bytes]]


def _column_packer(column: pd.Series, factorize: Factorize) -> _ColumnPacker:
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        array = column.to_numpy()
        kind = {"b": "bool", "i": "int", "u": "int", "f": "float"}[dtype.kind]

        def numbers(start: int, stop: int) -> tuple[dict[str, Any], bytes]:
            packed = _smallest_exact(array[start:stop])
            return {"kind": "number", "as": kind, "dtype": packed.dtype.str}, packed.tobytes()

        return numbers
    if pd.api.types.is_object_dtype(dtype) and not _text_only(column):
        # Mixed Python objects: factorising would equate True with 1, so cell by
        # cell where a range holds them (a range of text alone is still coded).
        return lambda start, stop: _mixed_cells(column.iloc[start:stop], factorize)
    codes, uniques = factorize(column)
    whole = np.asarray(codes, dtype=np.int64)
    distinct = [v if isinstance(v, str) else json_value(v) for v in uniques.tolist()]
    if len(distinct) <= tuning.STORE_SHARED_VALUES:
        # Few values: every range lists them all and keeps the column's codes.
        narrow = whole.astype(_code_dtype(len(distinct)))
        spec = {"kind": "coded", "dtype": narrow.dtype.str, "values": distinct}
        return lambda start, stop: (spec, narrow[start:stop].tobytes())

    def coded(start: int, stop: int) -> tuple[dict[str, Any], bytes]:
        local, values = _renumber(whole[start:stop], distinct)
        packed = local.astype(_code_dtype(len(values)))
        return {"kind": "coded", "dtype": packed.dtype.str, "values": values}, packed.tobytes()

    return coded


def _text_only(column: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")


def _mixed_cells(column: pd.Series, factorize: Factorize) -> tuple[dict[str, Any], bytes]:
    if _text_only(column):
        return _column_packer(column, factorize)(0, len(column))
    return {"kind": "cells", "values": [json_value(v) for v in column.tolist()]}, b""


def _renumber(codes: np.ndarray, distinct: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """A slice of a column's codes renumbered as factorising the slice alone
    would number them (in order of first appearance, -1 kept for missing),
    and the distinct values it holds, in that order."""
    import pandas as pd

    local, order = pd.factorize(codes)
    order = np.asarray(order, dtype=np.int64)
    present = order >= 0
    number = np.cumsum(present) - 1
    number[~present] = -1
    return number[local], [distinct[code] for code in order[present].tolist()]


def _smallest_exact(array: np.ndarray) -> np.ndarray:
    """The array in the narrowest dtype that gives back every value exactly."""
    if array.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):  # too big for float32: kept as f8
            narrow = array.astype("<f4")
        same = np.array_equal(narrow.astype(array.dtype), array, equal_nan=True)
        return narrow if same else array.astype("<f8")
    if array.dtype.kind in "iu" and len(array):
        low, high = int(array.min()), int(array.max())
        for candidate in ("<i1", "<i2", "<i4", "<i8"):
            info = np.iinfo(candidate)
            if info.min <= low and high <= info.max:
                return array.astype(candidate)
    return array.astype(array.dtype.newbyteorder("<"))


def _code_dtype(n_distinct: int) -> str:
    for candidate in ("<i1", "<i2", "<i4"):
        if n_distinct < np.iinfo(candidate).max:
            return candidate
    return "<i8"


# ---- JSON values: what a stored cell reads back as ----


def json_value(value: Any) -> Any:
    """A cell as a JSON value: numpy scalars unwrapped, NaN, infinities and
    pandas' missing values as None, anything else JSON cannot hold as its repr."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    import pandas as pd  # a rarer value (NA, NaT, a date): pandas judges it

    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return repr(value)


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
