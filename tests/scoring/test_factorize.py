"""factorize_cells gives exactly pandas.factorize's codes and uniques, whatever
holds the cells and however many objects share a value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regression_model.scoring.factorize import factorize_cells

POOL = ["Pave", "Grvl", "NA", "", "Gd", "TA"]


def _copy(text: str) -> str:
    """An equal string that is another object (as rows built one by one hold)."""
    return "".join(list(text)) if len(text) > 1 else text


CELLS = st.lists(
    st.one_of(
        st.sampled_from(POOL),
        st.sampled_from(POOL).map(_copy),
        st.sampled_from([None, math.nan, pd.NA]),
        st.integers(-3, 3),
        st.floats(allow_nan=False, min_value=-3, max_value=3),
        st.text(max_size=3),
    ),
    max_size=80,
)


def _expected(cells: list[Any]) -> tuple[list[int], list[Any]]:
    codes, uniques = pd.factorize(pd.Series(cells, dtype=object), use_na_sentinel=True)
    return np.asarray(codes).tolist(), list(uniques)


@given(cells=CELLS)
def test_equals_pandas_on_lists_series_and_arrays(cells: list[Any]) -> None:
    """Mixed cells (strings shared or copied, None, NaN, NA, numbers) as a list,
    an object Series and an object array: the codes and uniques pandas gives."""
    expected = _expected(cells)
    array = np.fromiter(cells, dtype=object, count=len(cells))
    holders: list[Any] = [cells, pd.Series(cells, dtype=object), array]
    for holder in holders:
        codes, uniques = factorize_cells(holder)
        assert codes.dtype == np.int64
        assert (codes.tolist(), list(uniques)) == expected


@given(cells=st.lists(st.one_of(st.sampled_from(POOL), st.none()), max_size=80))
def test_equals_pandas_on_text_columns(cells: list[str | None]) -> None:
    """Text columns as pandas stores them without pyarrow (Python objects) and
    as a categorical: the codes and uniques pandas gives."""
    expected = _expected(cells)
    for dtype in (pd.StringDtype("python", na_value=np.nan), "category"):
        codes, uniques = factorize_cells(pd.Series(cells, dtype=dtype))
        assert (codes.tolist(), list(uniques)) == expected


def test_a_value_first_seen_late_is_found() -> None:
    """A value whose first cell lies far beyond the first thousand gets its own code."""
    cells = ["Pave"] * 50_000 + ["Grvl", "Pave"]
    codes, uniques = factorize_cells(pd.Series(cells, dtype=object))
    assert list(uniques) == ["Pave", "Grvl"]
    assert codes[-2:].tolist() == [1, 0] and not codes[:50_000].any()


def test_unhashable_cells_raise_type_error_as_pandas_does() -> None:
    """A list in a cell cannot be factorised: TypeError, which the validator
    answers by judging each cell on its own."""
    with pytest.raises(TypeError):
        factorize_cells(["Pave", ["Grvl"], "Pave"])


@given(cells=CELLS)
def test_a_table_looked_up_through_the_levels_equals_one_indexed_by_codes(
    cells: list[Any],
) -> None:
    """factorize(...).lookup(table) is table[codes] (the last entry for missing
    cells), and lookup_distinct holds the same entries without repeats, for
    cells in a list, an object Series and a text Series."""
    from regression_model.scoring.factorize import factorize

    as_text = pd.Series(cells, dtype=object).astype("str")
    for holder, codes in (
        (cells, _expected(cells)[0]),
        (pd.Series(cells, dtype=object), _expected(cells)[0]),
        (as_text, pd.factorize(as_text, use_na_sentinel=True)[0].tolist()),
    ):
        column = factorize(holder)
        table = np.arange(len(column.uniques) + 1, dtype=np.float64) * 10.0 + 1.0
        expected = table[np.asarray(codes, dtype=np.int64)].tolist()
        assert column.codes.tolist() == codes
        assert column.lookup(table).tolist() == expected
        assert sorted(set(column.lookup_distinct(table).tolist())) == sorted(set(expected))
