"""Turn what a caller passes into a DataFrame with the reference's column names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from regression_model.config.core import Config
from regression_model.errors import InvalidInputError

_HINT = (
    "pass a pandas DataFrame, a list of records (dicts), or a dict of columns "
    "(column name -> list of values)"
)


def _is_column(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index))


def as_frame(input_data: Any, config: Config) -> pd.DataFrame:
    """Return a new DataFrame holding ``input_data``, with renamed columns.

    The caller's object is never modified: a DataFrame is copied, records and
    columns are read into a new frame. The index is reset so that row numbers
    are 0-based positions in the input.

    Raises
    ------
    InvalidInputError
        When the input is not a table: a scalar, a string, ``None``, a list
        holding something other than dicts, a dict holding a scalar, or
        columns of different lengths; also when a column is given under both
        its original and its renamed name.
    """
    if isinstance(input_data, pd.DataFrame):
        frame = input_data.reset_index(drop=True)
    elif isinstance(input_data, Mapping):
        frame = _from_columns(input_data)
    elif isinstance(input_data, Sequence) and not isinstance(input_data, (str, bytes)):
        frame = _from_records(input_data)
    else:
        raise InvalidInputError(
            f"input_data is a {type(input_data).__name__}, not a table; {_HINT}"
        )
    non_text = [c for c in frame.columns if not isinstance(c, str)]
    if non_text:
        raise InvalidInputError(f"column names must be strings; got {non_text[:5]!r}")
    renames = config.model_config.variables_to_rename
    both = [old for old, new in renames.items() if old in frame.columns and new in frame.columns]
    if both:
        raise InvalidInputError(
            f"columns {both} are given under both their original and renamed names "
            f"({[renames[b] for b in both]}); send one spelling"
        )
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise InvalidInputError(f"columns {dupes} appear more than once; send each once")
    # rename() returns a new frame; the caller's (when it was a DataFrame) is untouched.
    return frame.rename(columns=renames)


def _from_columns(columns: Mapping[Any, Any]) -> pd.DataFrame:
    scalars = [k for k, v in columns.items() if not _is_column(v)]
    if scalars:
        raise InvalidInputError(
            f"input_data is a dict whose values {scalars[:5]!r} are not columns (lists of "
            f"values); for one house pass [record], a list holding the dict; {_HINT}"
        )
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise InvalidInputError(
            f"the columns of input_data have different lengths {sorted(lengths)}"
        )
    return pd.DataFrame({k: list(v) for k, v in columns.items()})


def _from_records(records: Sequence[Any]) -> pd.DataFrame:
    for position, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise InvalidInputError(
                f"input_data[{position}] is a {type(record).__name__}, not a record (dict); {_HINT}"
            )
    # Cell values are kept as objects: validation, not pandas, decides their type.
    return pd.DataFrame.from_records([dict(r) for r in records]) if records else pd.DataFrame()
