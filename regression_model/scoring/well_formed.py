"""Whether what a caller passes is a table: records, or columns of one length,
whose names are strings, each given once and under one spelling.

:func:`~regression_model.scoring.inputs.as_table` applies these checks; a
failure is an :class:`~regression_model.errors.InvalidInputError` that says
what is wrong and what to pass instead.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from regression_model.errors import InvalidInputError

__all__ = [
    "HINT",
    "a_type",
    "check_columns",
    "check_names",
    "length",
    "loaded_pandas",
]


HINT = (
    "pass a pandas DataFrame, a list of records (dicts), or a dict of columns "
    "(column name -> list of values)"
)


def _is_column(value: Any) -> bool:
    if isinstance(value, (list, tuple, np.ndarray)):
        return True
    pandas = loaded_pandas()
    return pandas is not None and isinstance(value, (pandas.Series, pandas.Index))


def loaded_pandas() -> Any:
    """pandas if something imported it already, else None. Records and dicts
    of lists are scored without importing pandas (a fifth of a first call's
    time), and nothing can be a pandas object before pandas is imported."""
    return sys.modules.get("pandas")


def a_type(value: Any) -> str:
    """The value's type name with its article: "an int", "a str"."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def length(columns: Mapping[Any, Any]) -> int:
    """The number of rows of columns of one length (0 when there are none)."""
    return len(next(iter(columns.values()))) if columns else 0


def check_columns(columns: Mapping[Any, Any]) -> None:
    """Refuse a dict of columns holding a scalar, or columns of different lengths.

    Raises
    ------
    InvalidInputError
        Naming the values that are not columns, or the lengths found.
    """
    scalars = [k for k, v in columns.items() if not _is_column(v)]
    if scalars:
        raise InvalidInputError(
            f"input_data is a dict whose values {scalars[:5]!r} are not columns (lists of "
            f"values); for one house pass [record], a list holding the dict; {HINT}"
        )
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise InvalidInputError(
            f"the columns of input_data have different lengths {sorted(lengths)}"
        )


def check_names(names: list[Any], renames: Mapping[str, str], where: str = "") -> None:
    """Refuse column names that are not strings, given twice, or under both spellings.

    Raises
    ------
    InvalidInputError
        Naming the columns at fault, prefixed by ``where``.

    Examples
    --------
    >>> from regression_model.scoring.well_formed import check_names
    >>> check_names(["GrLivArea", "1stFlrSF"], {"1stFlrSF": "FirstFlrSF"})
    >>> try:
    ...     check_names(["1stFlrSF", "FirstFlrSF"], {"1stFlrSF": "FirstFlrSF"})
    ... except ValueError as error:
    ...     print(str(error)[:36])
    columns ['1stFlrSF'] are given under
    """
    non_text = [c for c in names if not isinstance(c, str)]
    if non_text:
        raise InvalidInputError(f"{where}column names must be strings; got {non_text[:5]!r}")
    present = set(names)
    both = [old for old, new in renames.items() if old in present and new in present]
    if both:
        raise InvalidInputError(
            f"{where}columns {both} are given under both their original and renamed names "
            f"({[renames[b] for b in both]}); send one spelling"
        )
    if len(present) != len(names):
        dupes = sorted({c for c in names if names.count(c) > 1})
        raise InvalidInputError(f"{where}columns {dupes} appear more than once; send each once")
