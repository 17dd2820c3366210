"""Records as flat tables an auditor can query without this package.

One row per record: its ids, time and model (version, identity, artifact
sha256, config fingerprint), the price and its range (``lower``, ``upper``),
the errors and warnings as JSON text, and the inputs one column per field of
the input contract, typed by it (``real`` fields as float64, ``integer`` ones
as nullable Int64, categories as text). The caller names the fields and their
kinds: the store knows nothing of scoring.

Nothing is lost in the flattening. A value the field's type cannot hold (a
word where a number belongs, a number with a fraction in a whole-number
field, a boolean) is null in its column and kept as received in
``inputs_unparsed``, a JSON object, beside any field outside the contract.
``inputs_absent`` lists, as JSON, the contract fields a record did not carry
at all, which tells them apart from fields sent as null.

Records are read chunk by chunk (a stored chunk is up to 10,000 rows) and
written as they come, so memory stays bounded whatever the store's size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from regression_model.store.codec import decode_columns
from regression_model.store.legacy import iter_legacy
from regression_model.store.reads import STREAM_CHUNKS, RecordFilter, calls_query
from regression_model.store.tables import utc

__all__ = ["RECORD_COLUMNS", "empty_frame", "inputs_frame", "record_frames"]

# The columns before the inputs, in order.
RECORD_COLUMNS = (
    "prediction_id",
    "call_id",
    "row_number",
    "created_at",
    "model_version",
    "model_identity",
    "artifact_sha256",
    "config_fingerprint",
    "prediction",
    "lower",
    "upper",
    "errors",
    "warnings",
    "inputs_unparsed",
    "inputs_absent",
)


def _fits_real(value: Any) -> bool:
    return type(value) in (int, float)


def _fits_integer(value: Any) -> bool:
    return type(value) is int or (type(value) is float and value.is_integer())


def _fits_category(value: Any) -> bool:
    return type(value) is str


# What each kind of contract field holds, and the Python types that always fit
# (a column of only these needs no check per value).
_KINDS: dict[str, tuple[Callable[[Any], bool], frozenset[type]]] = {
    "real": (_fits_real, frozenset({int, float})),
    "integer": (_fits_integer, frozenset({int})),
    "category": (_fits_category, frozenset({str})),
}


def _as_kind(kind: str, values: np.ndarray) -> Any:
    """Values that all fit ``kind`` as the column's array: nullable floats and
    integers (null where missing), text as objects (None where missing)."""
    if kind == "category":
        return values
    if values.dtype == object:
        values = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    floats = values.astype(np.float64)
    missing = ~np.isfinite(floats)
    if kind == "real":
        return pd.arrays.FloatingArray(np.where(missing, 0.0, floats), missing)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _whole_floats(kind: str, values: np.ndarray, types: frozenset[type]) -> bool:
    """Floats in a whole-number field that are all whole (or missing)."""
    if kind != "integer" or types != frozenset({float}) or values.dtype == object:
        return False
    finite = values[np.isfinite(values)]
    return bool(np.array_equal(finite, np.floor(finite)))


def _typed_column(
    name: str,
    kind: str,
    column: tuple[np.ndarray, frozenset[type]],
    unparsed: list[dict[str, Any] | None],
) -> pd.Series:
    """One input field as a typed column; values it cannot hold go to ``unparsed``."""
    values, types = column
    fits, clean = _KINDS[kind]
    if not (types <= clean or _whole_floats(kind, values, types)):
        kept = values.astype(object)  # a copy: the stored values stay as they were
        for row, value in enumerate(kept.tolist()):
            if value is not None and not fits(value) and not _missing_float(value):
                kept[row] = None
                unparsed[row] = {**(unparsed[row] or {}), name: value}
        values = kept
    # Text stays as objects: inferring pandas' string dtype would copy every value.
    dtype = object if kind == "category" else None
    return pd.Series(_as_kind(kind, values), name=name, dtype=dtype, copy=False)


def _missing_float(value: Any) -> bool:
    return type(value) is float and not math.isfinite(value)


def _columns_of_rows(
    rows: Sequence[dict[str, Any]], fields: Sequence[str]
) -> tuple[
    dict[str, tuple[np.ndarray, frozenset[type]]],
    list[dict[str, Any] | None],
    list[list[str] | None],
]:
    """Records whose keys may differ, as field columns, extra keys and absent fields."""
    known = set(fields)
    columns = {}
    for name in fields:
        values = np.empty(len(rows), dtype=object)
        values[:] = [row.get(name) for row in rows]
        present = frozenset(type(v) for v in values.tolist() if v is not None)
        columns[name] = (values, present)
    extra = [{k: v for k, v in row.items() if k not in known} or None for row in rows]
    absent = [[name for name in fields if name not in row] or None for row in rows]
    return columns, extra, absent


def inputs_frame(
    n_rows: int,
    inputs: dict[str, tuple[np.ndarray, frozenset[type]]] | list[dict[str, Any]],
    fields: Mapping[str, str],
) -> pd.DataFrame:
    """Decoded inputs (see ``codec.decode_columns``) as the export's input columns,
    one per name of ``fields``, typed by its kind (``real``, ``integer`` or
    ``category``).

    Examples
    --------
    >>> from regression_model.store.export import inputs_frame
    >>> fields = {"GrLivArea": "real", "OverallQual": "integer"}
    >>> frame = inputs_frame(2, [{"GrLivArea": 1710, "OverallQual": "seven"}, {"Foo": 1}], fields)
    >>> frame.loc[0, "GrLivArea"], frame.loc[0, "inputs_unparsed"]
    (np.float64(1710.0), '{"OverallQual": "seven"}')
    >>> frame.loc[1, "inputs_unparsed"]
    '{"Foo": 1}'
    """
    if isinstance(inputs, list):
        columns, unparsed, absent_lists = _columns_of_rows(inputs, list(fields))
        absent = [None if a is None else json.dumps(a) for a in absent_lists]
    else:
        missing = [name for name in fields if name not in inputs]
        nothing = (np.full(n_rows, None, dtype=object), frozenset[type]())
        columns = {name: inputs.get(name, nothing) for name in fields}
        others = [name for name in inputs if name not in fields]
        unparsed = [None] * n_rows
        if others:  # fields outside the contract: kept as received, row by row
            unparsed = [
                {name: _cell(inputs[name][0][row]) for name in others} for row in range(n_rows)
            ]
        absent = [json.dumps(missing) if missing else None] * n_rows
    typed = [_typed_column(name, kind, columns[name], unparsed) for name, kind in fields.items()]
    meta = pd.DataFrame(
        {
            "inputs_unparsed": [None if u is None else json.dumps(u) for u in unparsed],
            "inputs_absent": absent,
        },
        dtype=object,
    )
    return pd.concat([meta, *typed], axis=1)


def _cell(value: Any) -> Any:
    """A stored cell as a JSON value (numpy scalars unwrapped, NaN as None)."""
    value = value.item() if isinstance(value, np.generic) else value
    return None if _missing_float(value) else value


def _json_by_row(text: str | None, rows: range) -> list[str | None]:
    by_row = json.loads(text) if text else {}
    return [json.dumps(by_row[str(r)]) if str(r) in by_row else None for r in rows]


def _chunk_frame(chunk: Any, fields: Mapping[str, str]) -> pd.DataFrame:
    """One stored chunk of a call as export rows."""
    first, size = chunk.first_row, chunk.chunk_rows
    rows = range(first, first + size)
    n_rows, inputs = decode_columns(chunk.inputs)
    prices = np.frombuffer(chunk.predictions, dtype="<f8")
    bounds = (
        np.frombuffer(chunk.intervals, dtype="<f8").reshape(-1, 2)
        if chunk.intervals is not None
        else np.full((size, 2), math.nan)
    )
    head = pd.DataFrame(
        {
            "prediction_id": [f"{chunk.id_prefix}{row:08x}" for row in rows],
            "call_id": chunk.call_id,
            "row_number": np.arange(first, first + size, dtype=np.int64),
            "created_at": pd.Timestamp(utc(chunk.created_at)),
            "model_version": chunk.model_version,
            "model_identity": chunk.model_identity,
            "artifact_sha256": chunk.artifact_sha256,
            "config_fingerprint": chunk.config_fingerprint,
            "prediction": pd.array(prices, dtype="Float64"),
            "lower": pd.array(bounds[:, 0], dtype="Float64"),
            "upper": pd.array(bounds[:, 1], dtype="Float64"),
            "errors": _json_by_row(chunk.errors, rows),
            "warnings": _json_by_row(chunk.warnings, rows),
        }
    )
    return _joined(head, inputs_frame(n_rows, inputs, fields))


def _legacy_frame(records: list[dict[str, Any]], fields: Mapping[str, str]) -> pd.DataFrame:
    """Per-row records of schemas 1 and 2 as export rows."""
    head = pd.DataFrame(
        {
            "prediction_id": [r["prediction_id"] for r in records],
            "call_id": [r["call_id"] for r in records],
            "row_number": np.array([r["row_number"] for r in records], dtype=np.int64),
            "created_at": pd.to_datetime([r["created_at"] for r in records], utc=True),
            "model_version": [r["model_version"] for r in records],
            "model_identity": None,
            "artifact_sha256": [r["artifact_sha256"] for r in records],
            "config_fingerprint": [r["config_fingerprint"] for r in records],
            "prediction": pd.array([r["prediction"] for r in records], dtype="Float64"),
            "lower": pd.array([None] * len(records), dtype="Float64"),
            "upper": pd.array([None] * len(records), dtype="Float64"),
            "errors": [json.dumps(r["errors"]) if r["errors"] else None for r in records],
            "warnings": [json.dumps(r["warnings"]) if r["warnings"] else None for r in records],
        }
    )
    return _joined(head, inputs_frame(len(records), [r["inputs"] for r in records], fields))


def _joined(head: pd.DataFrame, inputs: pd.DataFrame) -> pd.DataFrame:
    frame = pd.concat([head, inputs], axis=1)
    # Text columns as objects, None where absent: whatever pandas' string storage.
    for name in ("model_identity", "errors", "warnings"):
        frame[name] = frame[name].astype(object)
    return frame


def empty_frame(fields: Mapping[str, str]) -> pd.DataFrame:
    """The export's columns, with no rows."""
    return _legacy_frame([], fields)


def record_frames(
    connection: Connection,
    where: RecordFilter,
    fields: Mapping[str, str],
    limit: int | None = None,
) -> Iterator[pd.DataFrame]:
    """The records ``where`` selects as export frames, a stored chunk at a time:
    records of schemas 1 and 2 first, then calls by time, call and row. The
    inputs become one column per name of ``fields`` (the input contract's
    fields and their kinds, ``real``, ``integer`` or ``category``)."""
    if limit == 0 or where.matches_nothing:
        return
    left = math.inf if limit is None else limit
    for records in iter_legacy(connection, where, limit):
        left -= len(records)
        yield _legacy_frame(records, fields)
    if left <= 0:
        return
    # Server-side cursor where the driver has one: chunks arrive as they are read.
    streamed = connection.execution_options(stream_results=True, yield_per=STREAM_CHUNKS)
    for chunk in streamed.execute(calls_query(where)):
        frame = _chunk_frame(chunk, fields)
        if len(frame) > left:
            frame = frame.iloc[: int(left)]
        left -= len(frame)
        yield frame
        if left <= 0:
            return
