"""Column-wise validation's fast part: a whole column checked with numpy
against the bounds and categories read from the schema (``rules``).

What these checks clear is valid; every cell they cannot clear is handed
back as doubtful, for pydantic to judge one by one (see
:func:`~regression_model.scoring.validators.validate_columns`), so verdicts
and messages stay pydantic's own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regression_model.scoring.columns import CatColumn
from regression_model.scoring.inputs import TableInput
from regression_model.scoring.rules import FieldRule

__all__ = [
    "category_column",
    "cell",
    "numeric_column",
]


def cell(values: Any, row: int) -> Any:
    """One cell of a column as pydantic judges it: a Python value, None where
    pandas sees a missing one."""
    import pandas as pd

    value = values.iloc[row] if isinstance(values, pd.Series) else values[row]
    if isinstance(value, np.generic):
        value = value.item()
    try:
        if value is not None and pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def numeric_column(rule: FieldRule, values: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Float64 values and the rows the fast checks could not clear."""
    if values is None:
        return np.full(n_rows, np.nan), np.empty(0, dtype=np.int64)
    import pandas as pd

    if isinstance(values, (list, tuple)):
        numbers = _plain_numbers(values)
        if numbers is not None and _all_clear(rule, numbers, whole=False):
            return numbers, np.empty(0, dtype=np.int64)
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if series.dtype.kind in "iuf":
        # A float column is read as it is (pandas hands a read-only view, and
        # NaN is already missing); integers become floats, numpy's directly
        # (they hold no missing cells), nullable ones with NA as NaN.
        if series.dtype == np.float64:
            numbers = series.to_numpy()
        elif isinstance(series.dtype, np.dtype):
            numbers = series.to_numpy().astype(np.float64)
        else:
            numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if _all_clear(rule, numbers, whole=series.dtype.kind in "iu"):
            return numbers, np.empty(0, dtype=np.int64)
        doubtful_mask = np.zeros(n_rows, dtype=bool)
    else:
        # Object, bool or string columns: only plain ints and floats go fast.
        cells = series.to_numpy(dtype=object)
        plain = np.fromiter(
            (type(v) in (int, float) or v is None for v in cells), dtype=bool, count=n_rows
        )
        numbers = np.full(n_rows, np.nan)
        if plain.any():
            numbers[plain] = np.array(
                [np.nan if v is None else v for v in cells[plain]], dtype=np.float64
            )
        doubtful_mask = ~plain
        # A float NaN in an object column is missing, like None.
    present = ~np.isnan(numbers) & ~doubtful_mask
    ok = (numbers >= rule.lo) & (numbers <= rule.hi)
    if rule.kind == "integer":
        ok &= np.floor(numbers) == numbers
    if rule.codes:
        ok &= np.isin(numbers, list(rule.codes))
    doubtful_mask |= present & ~ok
    numbers = np.where(doubtful_mask, np.nan, numbers)
    return numbers, np.flatnonzero(doubtful_mask)


def _plain_numbers(cells: list[Any] | tuple[Any, ...]) -> np.ndarray | None:
    """Cells of records as floats (None as NaN) when every one is a plain int,
    float or None, found by the set of their types; else None."""
    if not set(map(type, cells)) <= _PLAIN_NUMBER_TYPES:
        return None
    try:
        return np.array(cells, dtype=np.float64)
    except OverflowError:  # an int beyond float's range: judged cell by cell
        return None


_PLAIN_NUMBER_TYPES = frozenset({int, float, type(None)})


def _all_clear(rule: FieldRule, numbers: np.ndarray, whole: bool) -> bool:
    """Whether every number passes the rule, judged by reductions that skip
    NaN (missing) rather than an array per check; False means "look closer",
    not "invalid". ``whole``: the column held integers before becoming floats."""
    if rule.codes or not len(numbers):
        return False
    lowest, highest = np.fmin.reduce(numbers), np.fmax.reduce(numbers)
    if lowest < rule.lo or highest > rule.hi:  # all-NaN gives NaN: nothing out of bounds
        return False
    if rule.kind == "integer" and not whole:
        return not np.fmax.reduce(numbers - np.floor(numbers)) > 0
    return True


def category_column(
    rule: FieldRule, table: TableInput, name: str, values: Any
) -> tuple[CatColumn, np.ndarray] | None:
    """Codes over the allowed categories and the rows to judge one by one; None
    when the column cannot be factorised (unhashable cells). ``values``: the
    column, None when the table has none."""
    if values is None:
        missing = np.full(table.n_rows, -1, dtype=np.int64)
        return CatColumn(missing, np.empty(0, dtype=object)), np.empty(0, dtype=np.int64)
    try:
        column = table.factorized(name, values)
    except TypeError:
        return None
    categories = column.uniques
    # One table over the categories (and a last slot for missing cells): the
    # allowed keep their code, the rest become missing (-1), and one look-up
    # per cell applies it.
    remap = np.arange(len(categories) + 1, dtype=np.int64)
    remap[-1] = -1
    doubtful_codes = []
    for index, category in enumerate(categories):
        if type(category) is str and category in rule.allowed:
            continue
        if rule.absent_na and category == "NA":
            remap[index] = -1  # "the house has none"
            continue
        doubtful_codes.append(index)
        remap[index] = -1
    # Known from the distinct values alone, unless they are a whole column's
    # and these cells a part of it: then found out when asked.
    has_missing = None if column.partial else bool((column.lookup_distinct(remap) < 0).any())
    # The two levels stay: the small table recoded, each cell's entry as it was.
    codes = CatColumn(remap[column.distinct_codes], categories, has_missing, column.cells)
    if not doubtful_codes:
        return codes, np.empty(0, dtype=np.int64)
    doubtful = np.zeros(len(categories) + 1, dtype=bool)
    doubtful[doubtful_codes] = True
    return codes, np.flatnonzero(column.lookup(doubtful))
