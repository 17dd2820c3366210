"""Factorise a column of cells as ``pandas.factorize`` does, fast whatever
pandas stores text as.

With pyarrow installed pandas keeps text in Arrow arrays, and factorising one
is a C++ dictionary encode. Without it (the core install) text is an array of
Python objects, which pandas hashes string by string: more than half the time
of scoring a large batch. But the cells of such a column are mostly the same
few objects over and over (``read_csv`` and row selections share one object
per distinct string), so this module factorises the objects' identities
first, which is integer work, and only then the few distinct objects by value.
The result is exactly ``pandas.factorize(values, use_na_sentinel=True)``: the
same codes and the same uniques in order of first appearance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["factorize_cells"]


def factorize_cells(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64, -1 for a missing cell) and the distinct values (object).

    Parameters
    ----------
    values : pandas.Series, numpy.ndarray or sequence
        The cells of one column.

    Raises
    ------
    TypeError
        When a cell cannot be hashed (a list, a dict), as pandas raises.

    Examples
    --------
    >>> from regression_model.scoring.factorize import factorize_cells
    >>> codes, uniques = factorize_cells(["Pave", None, "Grvl", "Pave"])
    >>> codes.tolist(), uniques.tolist()
    ([0, -1, 1, 0], ['Pave', 'Grvl'])
    """
    cells = _object_cells(values)
    if cells is None:  # Arrow-backed, categorical or numeric: pandas is fast already
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)
    if len(cells) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
    # id() of every cell, read in bulk from the array of references. Live
    # objects have distinct ids, and the array holds each cell alive meanwhile.
    identities = np.frombuffer(cells, dtype=np.intp)
    by_identity, distinct = pd.factorize(identities)
    first = _first_cells(by_identity, len(distinct))
    by_value, uniques = pd.factorize(cells[first], use_na_sentinel=True)
    codes = np.asarray(by_value, dtype=np.int64)[by_identity]
    return codes, np.asarray(uniques, dtype=object)


def _first_cells(codes: np.ndarray, n_distinct: int) -> np.ndarray:
    """The position of each code's first cell, codes being numbered in order
    of first appearance (so the running maximum steps up exactly there).

    Every distinct value of a real column shows up early, so the search looks
    at a short head of the column first and widens it only as needed.
    """
    head = 1024
    while True:
        running = np.maximum.accumulate(codes[:head])
        if running[-1] == n_distinct - 1 or head >= len(codes):
            return np.flatnonzero(np.diff(running, prepend=-1))
        head *= 8


def _object_cells(values: Any) -> np.ndarray | None:
    """The cells as a contiguous object array, or None when pandas holds them
    otherwise (then its own factorize is the fast way)."""
    if isinstance(values, pd.Series | pd.Index):
        dtype = values.dtype
        if not pd.api.types.is_object_dtype(dtype) and getattr(dtype, "storage", None) != "python":
            return None
        return np.ascontiguousarray(values.to_numpy(dtype=object))
    if isinstance(values, np.ndarray):
        if not pd.api.types.is_object_dtype(values.dtype):
            return None
        return np.ascontiguousarray(values)
    # fromiter, not assignment: a cell that is itself a list stays one cell.
    return np.fromiter(values, dtype=object, count=len(values))
