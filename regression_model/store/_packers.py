"""How one column of a call's inputs is packed for the store.

A column's packer gives rows ``start .. stop - 1`` of it as a spec (its kind,
its dtype and, for codes and cells, its values) and the bytes of its array.
Whatever the packing, a cell reads back as :func:`json_value` gives it: what
JSON lines of the same rows read back as.

* numpy numbers: their smallest exact dtype;
* Python objects (records' cells, object columns of a DataFrame) are packed by
  the exact types of the present cells (see ``_KIND_OF_TYPES``): floats with
  gaps as float64 (NaN for None: both read back as None), whole numbers alone
  as integers, booleans alone as booleans, text (and whole numbers or booleans
  with gaps) as codes into the column's distinct values; a column of mixed
  types keeps its cells as JSON values, since a hash table takes ``True``,
  ``1`` and ``1.0`` for one value, and JSON keeps them apart;
* anything else pandas holds (text, categories, nullable numbers, dates): codes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from regression_model import tuning

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ColumnPacker", "Factorize", "cells_packer", "json_value", "series_packer"]

# What finds a column's codes (-1 for missing) and distinct values, as
# pandas.factorize does, given the column as the packer has it (a Series, an
# array, a sequence of cells).
Factorize = Callable[[Any], tuple[Any, Any]]
# A column's packer: rows start .. stop - 1 of the column as (spec, bytes).
ColumnPacker = Callable[[int, int], tuple[dict[str, Any], bytes]]

_NONE = type(None)
# How a column of Python objects is packed, by the types of its present cells.
# Whole numbers or booleans with gaps (None) are coded instead; "coded" keeps
# a column only when its distinct values are all of its one non-float type
# (floats beside text must all be NaN, which are gaps).
_KIND_OF_TYPES: dict[frozenset[type], str] = {
    frozenset(): "missing",
    frozenset({float}): "float",
    frozenset({int}): "int",
    frozenset({bool}): "bool",
    frozenset({str}): "coded",
    frozenset({str, float}): "coded",
}
_NUMBER_DTYPES = {"float": np.float64, "int": np.int64, "bool": np.bool_}
# The cells looked at to guess that a column is text.
_HEAD_CELLS = 64


def series_packer(column: pd.Series, factorize: Factorize) -> ColumnPacker:
    """The packer of a DataFrame's column; ``factorize`` as ``pandas.factorize``."""
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        array = column.to_numpy()
        kind = {"b": "bool", "i": "int", "u": "int", "f": "float"}[dtype.kind]
        return lambda start, stop: _numbers(kind, array[start:stop])
    if pd.api.types.is_object_dtype(dtype) and not _text_only(column):
        return _objects_packer(column.to_numpy(), lambda: factorize(column), factorize)
    return _coded_packer(*factorize(column))


def cells_packer(cells: Sequence[Any], factorize: Factorize | None = None) -> ColumnPacker:
    """The packer of a column of Python values (the cells of records, cut into
    columns); ``factorize`` as ``pandas.factorize``, by default pandas' own."""
    chosen = factorize or _factorize_objects
    return _objects_packer(cells, lambda: chosen(cells), chosen)


def _objects_packer(
    cells: Sequence[Any] | np.ndarray,
    factorize_whole: Callable[[], tuple[Any, Any]],
    factorize: Factorize,
) -> ColumnPacker:
    """Python objects packed by their types: numbers a range at a time, codes
    from the whole column's factorisation, mixed types range by range (a range
    of one type still packs as that type)."""
    kind, coded = _kind_of(cells, factorize_whole)
    if coded is not None:
        return _coded_packer(*coded)
    if kind == "cells":
        return lambda start, stop: _objects_range(cells[start:stop], factorize)
    return lambda start, stop: _typed_range(kind, cells[start:stop])


def _objects_range(
    cells: Sequence[Any] | np.ndarray, factorize: Factorize
) -> tuple[dict[str, Any], bytes]:
    """A range of a column of mixed types: packed by its own types, or cell by cell."""
    kind, coded = _kind_of(cells, lambda: factorize(cells))
    if coded is not None:
        return _coded_packer(*coded)(0, len(cells))
    if kind == "cells":
        return {"kind": "cells", "values": [json_value(v) for v in cells]}, b""
    return _typed_range(kind, cells)


def _kind_of(
    cells: Sequence[Any] | np.ndarray, factorize: Callable[[], tuple[Any, Any]]
) -> tuple[str, tuple[Any, Any] | None]:
    """How cells are packed, by the types of the present ones, and their codes
    and distinct values when coded. A column that starts with text is first
    tried as text, which its factorisation (made for validation already, for
    the fields the model reads) tells without the type of every cell."""
    head = cells[:_HEAD_CELLS]
    if any(type(cell) is str for cell in head):
        coded = _accepted_codes({str}, factorize)
        if coded is not None:
            return "coded", coded
    present = set(map(type, cells))
    gaps = _NONE in present
    present.discard(_NONE)
    kind = _KIND_OF_TYPES.get(frozenset(present), "cells")
    if kind in ("int", "bool") and gaps:
        kind = "coded"
    if kind != "coded":
        return kind, None
    coded = _accepted_codes(present, factorize)
    return ("coded", coded) if coded is not None else ("cells", None)


def _accepted_codes(
    present: set[type], factorize: Callable[[], tuple[Any, Any]]
) -> tuple[Any, Any] | None:
    """The column's codes and distinct values when its distinct values are all
    of its one non-float type, else None; None too when a cell cannot be
    hashed. Every present cell equals one of the distinct values, and text
    equals only text: distinct values that are all text mean text and gaps
    (None, NaN and pandas' missing values, which all read back as None)."""
    try:
        codes, uniques = factorize()
    except TypeError:
        return None
    (wanted,) = present - {float}
    if any(type(value) is not wanted for value in uniques.tolist()):
        return None
    return codes, uniques


def _typed_range(kind: str, cells: Sequence[Any] | np.ndarray) -> tuple[dict[str, Any], bytes]:
    """A range of floats (and gaps), whole numbers or booleans as numbers; a
    range of floats with no finite one as gaps alone (what JSON reads back), of
    whole numbers beyond 64 bits cell by cell."""
    if kind == "missing":
        return _gaps(len(cells))
    try:
        array: np.ndarray = np.array(cells, dtype=_NUMBER_DTYPES[kind])
    except OverflowError:
        return {"kind": "cells", "values": [json_value(v) for v in cells]}, b""
    if kind == "float" and not np.isfinite(array).any():
        return _gaps(len(cells))
    return _numbers(kind, array)


def _gaps(n_rows: int) -> tuple[dict[str, Any], bytes]:
    """A range without a value: codes into no values."""
    return {"kind": "coded", "dtype": "|i1", "values": []}, np.full(n_rows, -1, "i1").tobytes()


def _numbers(kind: str, array: np.ndarray) -> tuple[dict[str, Any], bytes]:
    if kind == "float" and not np.isfinite(array).all():
        # An infinity reads back as None, as from JSON: kept as NaN, so that
        # readers of whole columns (monitoring) see the gap too.
        array = np.where(np.isinf(array), np.nan, array)
    packed = _smallest_exact(array)
    return {"kind": "number", "as": kind, "dtype": packed.dtype.str}, packed.tobytes()


def _coded_packer(codes: Any, uniques: Any) -> ColumnPacker:
    """Ranges of a column factorised whole: its codes and distinct values."""
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


def _factorize_objects(cells: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    # fromiter, not np.array: a cell that is itself a list stays one cell.
    array = cells if isinstance(cells, np.ndarray) else np.fromiter(cells, object, len(cells))
    return pd.factorize(array, use_na_sentinel=True)


def _text_only(column: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")


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
