"""frame_cells: a few rows of a DataFrame read as Python records, whatever its dtypes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from regression_model.scoring import frame_cells
from regression_model.scoring.frame_cells import frame_rows


def _missing(cell: Any) -> bool:
    return (
        cell is None
        or cell is pd.NA
        or cell is pd.NaT
        or (isinstance(cell, float) and math.isnan(cell))
    )


def _same_cell(ours: Any, theirs: Any) -> bool:
    """Both missing (None, NaN, NA and NaT alike), or equal values of the same
    type once a numpy scalar of pandas' is unwrapped."""
    if _missing(ours) or _missing(theirs):
        return _missing(ours) and _missing(theirs)
    if isinstance(theirs, np.generic):
        theirs = theirs.item()
    return type(ours) is type(theirs) and bool(ours == theirs)


def _frames() -> dict[str, pd.DataFrame]:
    base = pd.DataFrame(
        {
            "ints": [1, 2, 3],
            "floats": [1.5, np.nan, 3.0],
            "text": ["a", None, "c"],
            "mixed": [1, "b", None],
            "flags": [True, False, True],
            "when": pd.to_datetime(["2008-01-01", None, "2010-06-30"]),
        }
    )
    frames = {
        "numpy and object": base,
        "nullable": base.convert_dtypes(),
        "category": base.astype({"text": "category", "ints": "category"}),
        "str dtype": base.astype({"text": "str"}),
        "numpy scalars in objects": base.astype({"ints": object}).assign(
            mixed=[np.int64(4), np.float64(2.5), np.str_("x")]
        ),
    }
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        pass
    else:
        frames["pyarrow"] = base.convert_dtypes(dtype_backend="pyarrow")
    return frames


@pytest.mark.parametrize("name", list(_frames()))
def test_rows_are_what_to_dict_gives(name: str) -> None:
    """Every cell of every row is pandas' own to_dict("records") cell, in value
    and Python type (numpy scalars unwrapped), or missing where it is, for
    numpy, nullable, category, str, object (with numpy scalars) and pyarrow
    columns."""
    frame = _frames()[name]
    expected = frame.to_dict(orient="records")
    got = frame_rows(frame)
    assert len(got) == len(expected)
    for row, (ours, theirs) in enumerate(zip(got, expected, strict=True)):
        assert list(ours) == list(theirs), row
        for key in theirs:
            assert _same_cell(ours[key], theirs[key]), (name, row, key, ours[key], theirs[key])


@pytest.mark.parametrize("name", list(_frames()))
def test_public_route_gives_the_same_cells(name: str) -> None:
    """The route through public pandas calls (taken where a pandas lacks the
    private column accessor) gives the very cells of the fast route."""
    frame = _frames()[name]
    fast = frame_cells.frame_columns(frame)
    public = [frame_cells._python_cells(column.array) for _, column in frame.items()]
    assert len(fast) == len(public)
    for fast_column, public_column in zip(fast, public, strict=True):
        assert all(_same_cell(a, b) for a, b in zip(fast_column, public_column, strict=True))


def test_rows_without_columns_are_kept() -> None:
    """A frame with rows but no columns gives one empty record per row, not none."""
    assert frame_rows(pd.DataFrame(index=range(3))) == [{}, {}, {}]


def test_caller_frame_is_untouched() -> None:
    """Reading the rows leaves the caller's frame equal to a copy taken before."""
    frame = _frames()["numpy and object"]
    before = frame.copy()
    frame_rows(frame)
    pd.testing.assert_frame_equal(frame, before)
