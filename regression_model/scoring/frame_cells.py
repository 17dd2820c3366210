"""A few rows of a DataFrame as Python records, at the cost of a list of dicts.

The common web call sends one house as a one-row DataFrame. pandas' own ways
to read it as records (``to_dict``, ``itertuples``, ``to_numpy(object)``)
interleave every column into one object array through each column's dtype
machinery: several milliseconds for 80 columns, thirty times the pricing.
Reading each column's array once and taking its cells as Python values costs
about a microsecond a column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["column_cells", "frame_columns", "frame_rows", "rows_of_columns"]


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row of ``frame`` as a dict of Python values, as ``to_dict("records")``
    gives them, but for numpy scalars, which are unwrapped, and missing cells,
    which stay as the column holds them (NaN, None, ``pd.NA``). Dates are
    Timestamps.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.scoring.frame_cells import frame_rows
    >>> frame = pd.DataFrame({"GrLivArea": [1710, 1262.5],
    ...                       "YrSold": pd.array([2008, None], dtype="Int64")})
    >>> frame_rows(frame)
    [{'GrLivArea': 1710.0, 'YrSold': 2008}, {'GrLivArea': 1262.5, 'YrSold': <NA>}]
    """
    return rows_of_columns([str(name) for name in frame.columns], frame_columns(frame), len(frame))


def rows_of_columns(
    names: list[str], columns: list[list[Any]], n_rows: int
) -> list[dict[str, Any]]:
    """The rows of equally long ``columns`` as dicts over ``names``."""
    if not names:
        return [{} for _ in range(n_rows)]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def column_cells(values: Any) -> list[Any]:
    """A column given as a list, tuple, numpy array or pandas Series, as a list
    of Python values (see :func:`frame_rows`).

    Examples
    --------
    >>> import numpy as np
    >>> from regression_model.scoring.frame_cells import column_cells
    >>> column_cells(np.array([1710, 1262])), column_cells([np.float64(2.5), None])
    ([1710, 1262], [2.5, None])
    """
    if isinstance(values, np.ndarray):
        return _python_cells(values)
    array = getattr(values, "array", None)  # a pandas Series or Index
    if array is not None:
        return _python_cells(array)
    return [cell.item() if isinstance(cell, np.generic) else cell for cell in values]


def frame_columns(frame: pd.DataFrame) -> list[list[Any]]:
    """Each column of ``frame`` as a list of Python values (see :func:`frame_rows`)."""
    # DataFrame._get_column_array hands a column's array without building a
    # Series (pandas 2 and 3); the public route below is the same cells.
    column_array = getattr(frame, "_get_column_array", None)
    if column_array is None:
        return [_python_cells(column.array) for _, column in frame.items()]
    return [_python_cells(column_array(i)) for i in range(frame.shape[1])]


def _python_cells(array: Any) -> list[Any]:
    """An array's cells as Python values."""
    if isinstance(array, np.ndarray):
        if array.dtype.kind in "biuf":
            numbers: list[Any] = array.tolist()  # Python bools, ints and floats already
            return numbers
        if array.dtype.kind != "O":  # dates, durations and the rest: pandas boxes them
            import pandas as pd

            boxed: list[Any] = pd.array(array).tolist()
            return boxed
    cells: list[Any] = array.tolist()
    return [cell.item() if isinstance(cell, np.generic) else cell for cell in cells]
