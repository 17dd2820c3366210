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

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Factorized", "factorize", "factorize_cells"]


@dataclass(frozen=True)
class Factorized:
    """A factorised column, kept in two levels when it was factorised by object
    identity: a code per distinct object, and each cell's distinct object. A
    table of one entry per category (plus a last one for missing cells) then
    reaches every cell in one look-up, not one to make the codes and another
    to apply the table.

    Examples
    --------
    >>> import numpy as np
    >>> from regression_model.scoring.factorize import factorize
    >>> column = factorize(np.array(["Pave", None, "Grvl", "Pave"], dtype=object))
    >>> column.uniques.tolist(), column.codes.tolist()
    (['Pave', 'Grvl'], [0, -1, 1, 0])
    >>> column.lookup(np.array([10.0, 20.0, 0.0])).tolist()  # missing: the last entry
    [10.0, 0.0, 20.0, 10.0]
    """

    uniques: np.ndarray  # the distinct values (object), in order of first appearance
    distinct_codes: np.ndarray  # the code of each distinct object, or of each cell
    cells: np.ndarray | None  # each cell's distinct object; None: distinct_codes are per cell

    @property
    def codes(self) -> np.ndarray:
        """Each cell's code (int64), -1 for a missing cell."""
        codes = np.asarray(self.distinct_codes, dtype=np.int64)
        return codes if self.cells is None else codes[self.cells]

    def lookup(self, table: np.ndarray) -> np.ndarray:
        """``table[codes]``: ``table`` holds an entry per unique value, then one
        for missing cells (code -1 picks the last entry)."""
        picked: np.ndarray = table[self.distinct_codes]
        return picked if self.cells is None else picked[self.cells]

    def lookup_distinct(self, table: np.ndarray) -> np.ndarray:
        """``table`` at the codes of the distinct objects (or of every cell): what
        :meth:`lookup` gives, without repeats, for questions like "any missing?"."""
        picked: np.ndarray = table[self.distinct_codes]
        return picked


def factorize(values: Any) -> Factorized:
    """Factorise a column's cells as ``pandas.factorize`` does, in two levels
    when the cells are Python objects.

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
    >>> from regression_model.scoring.factorize import factorize
    >>> factorize(["Pave", None, "Grvl", "Pave"]).codes.tolist()
    [0, -1, 1, 0]
    """
    import pandas as pd

    cells = _object_cells(values)
    if cells is None:  # Arrow-backed, categorical or numeric: pandas is fast already
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return Factorized(
            np.asarray(uniques, dtype=object), np.asarray(codes, dtype=np.int64), None
        )
    if len(cells) == 0:
        return Factorized(np.empty(0, dtype=object), np.empty(0, dtype=np.int64), None)
    # id() of every cell, read in bulk from the array of references. Live
    # objects have distinct ids, and the array holds each cell alive meanwhile.
    identities = np.frombuffer(cells, dtype=np.intp)
    by_identity, distinct = pd.factorize(identities)
    first = _first_cells(by_identity, len(distinct))
    by_value, uniques = pd.factorize(cells[first], use_na_sentinel=True)
    return Factorized(
        np.asarray(uniques, dtype=object), np.asarray(by_value, dtype=np.int64), by_identity
    )


def factorize_cells(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64, -1 for a missing cell) and the distinct values (object):
    exactly ``pandas.factorize(values, use_na_sentinel=True)``, for the cells
    :func:`factorize` takes, raising as it does.

    Examples
    --------
    >>> from regression_model.scoring.factorize import factorize_cells
    >>> codes, uniques = factorize_cells(["Pave", None, "Grvl", "Pave"])
    >>> codes.tolist(), uniques.tolist()
    ([0, -1, 1, 0], ['Pave', 'Grvl'])
    """
    column = factorize(values)
    return column.codes, column.uniques


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
    import pandas as pd

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
