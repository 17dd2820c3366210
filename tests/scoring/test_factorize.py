"""factorize_cells gives exactly pandas.factorize's codes and uniques, whatever
holds the cells and however many objects share a value, by either route: the
identity hash (long columns) or pandas' table (short ones)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regression_model import tuning
from regression_model.scoring.factorize import factorize_cells

POOL = ["Pave", "Grvl", "NA", "", "Gd", "TA"]


def both_routes(test: Callable[..., None]) -> Callable[..., None]:
    """Run ``test`` with columns of every length sent through the identity hash,
    then with the package's own length threshold (short columns: pandas' table)."""

    @functools.wraps(test)
    def twice(*args: Any, **kwargs: Any) -> None:
        for cells_from in (1, tuning.IDENTITY_HASH_FROM_CELLS):
            with mock.patch.object(tuning, "IDENTITY_HASH_FROM_CELLS", cells_from):
                test(*args, **kwargs)

    return twice


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
@both_routes
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
@both_routes
def test_equals_pandas_on_text_columns(cells: list[str | None]) -> None:
    """Text columns as pandas stores them without pyarrow (Python objects) and
    as a categorical: the codes and uniques pandas gives."""
    expected = _expected(cells)
    for dtype in (pd.StringDtype("python", na_value=np.nan), "category"):
        codes, uniques = factorize_cells(pd.Series(cells, dtype=dtype))
        assert (codes.tolist(), list(uniques)) == expected


@both_routes
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
@both_routes
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


@given(
    cells=st.lists(
        st.one_of(st.sampled_from(POOL), st.sampled_from(POOL).map(_copy), st.none()),
        min_size=1,
        max_size=40,
    ),
    repeats=st.integers(30, 80),
    late=st.lists(st.sampled_from(["Late", "Later", None]).map(lambda t: t and _copy(t))),
)
@both_routes
def test_equals_pandas_on_long_columns_with_values_first_seen_late(
    cells: list[Any], repeats: int, late: list[Any]
) -> None:
    """Columns longer than the head the identity hash learns from (shared and
    copied strings, missing cells), with new objects and values after it: the
    codes and uniques pandas gives, whole and sliced into parts."""
    from regression_model.scoring.factorize import factorize

    column = pd.Series(cells * repeats + late + cells, dtype=object)
    expected_codes, expected_uniques = _expected(column.tolist())
    codes, uniques = factorize_cells(column)
    assert (codes.tolist(), list(uniques)) == (expected_codes, expected_uniques)
    whole = factorize(column)
    middle = len(column) // 2
    for start, stop in ((0, middle), (middle, len(column))):
        part = whole.rows(start, stop)
        assert part.partial
        assert [list(uniques)[c] if c >= 0 else None for c in part.codes.tolist()] == [
            list(uniques)[c] if c >= 0 else None for c in expected_codes[start:stop]
        ]


@both_routes
def test_a_column_of_objects_each_its_own_equals_pandas() -> None:
    """Cells that are each an object of their own (rows parsed one by one), too
    many for the identity hash: pandas' own table, the same codes and uniques."""
    values = [_copy(f"v{i % 300:03d}") for i in range(5_000)]
    codes, uniques = factorize_cells(pd.Series(values, dtype=object))
    assert (codes.tolist(), list(uniques)) == _expected(values)
    assert len(uniques) == 300


@both_routes
def test_more_distinct_objects_than_the_hash_takes_after_the_head_equals_pandas() -> None:
    """A head of few objects, then hundreds of new ones: the hash gives way to
    pandas' table, with the same codes and uniques."""
    values = ["Pave"] * 2_000 + [_copy(f"n{i}") for i in range(400)] + ["Pave"]
    codes, uniques = factorize_cells(np.array(values, dtype=object))
    assert (codes.tolist(), list(uniques)) == _expected(values)
