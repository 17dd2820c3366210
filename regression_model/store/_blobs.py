"""The stored inputs' blob: a format byte, a JSON header and the packed
columns, zlib-compressed; and reading rows back from it.

The header names the format: ``columns`` (one spec per column: ``number``
arrays, ``coded`` codes into the values the spec lists, ``cells`` holding the
values themselves) or ``jsonl`` (one JSON object per row). Each cell reads back
as a JSON value (str, int, float, bool, None, or lists and dicts of them).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from regression_model import tuning

__all__ = ["FORMAT_VERSION", "decode_columns", "decode_inputs", "pack_blob"]

FORMAT_VERSION = 1


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


def pack_blob(header: Mapping[str, Any], body: bytes) -> bytes:
    """The blob of a header (JSON values only) and the packed columns after it."""
    head = json.dumps(header, allow_nan=False).encode("utf-8")
    raw = bytes([FORMAT_VERSION]) + len(head).to_bytes(4, "little") + head + body
    return zlib.compress(raw, tuning.STORE_COMPRESSION_LEVEL)
