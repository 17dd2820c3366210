"""A categorical column kept in two levels (a code per entry, each row's
entry) answers every question as the same column kept as a code per row."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from regression_model.scoring.columns import CatColumn

CATEGORIES = np.array(["Pave", "Grvl", "NA"], dtype=object)

# A small table of entries (each a code, -1 for missing) and rows pointing into it.
ENTRIES = st.lists(st.integers(-1, 2), min_size=1, max_size=6)


@st.composite
def two_levels(draw: st.DrawFn) -> tuple[CatColumn, CatColumn]:
    entries = np.array(draw(ENTRIES), dtype=np.int64)
    cells = np.array(draw(st.lists(st.integers(0, len(entries) - 1), max_size=40)), dtype=np.int64)
    return CatColumn(entries, CATEGORIES, None, cells), CatColumn(entries[cells], CATEGORIES)


@given(columns=two_levels(), weights=st.lists(st.floats(-5, 5), min_size=4, max_size=4))
def test_two_levels_answer_as_one(
    columns: tuple[CatColumn, CatColumn], weights: list[float]
) -> None:
    """codes, lookup, recoded, take, values and any_missing agree between the
    two-level column and the per-row one (code -1 picking a table's last entry)."""
    levels, flat = columns
    table = np.array(weights)
    assert levels.codes.tolist() == flat.codes.tolist()
    assert (
        levels.lookup(table).tolist() == flat.lookup(table).tolist() == table[flat.codes].tolist()
    )
    assert levels.values().tolist() == flat.values().tolist()
    assert levels.any_missing() == flat.any_missing() == bool((flat.codes < 0).any())
    fill = np.array([0, 1, 2, 1])  # missing becomes "Grvl"
    assert levels.recoded(fill, CATEGORIES, False).codes.tolist() == fill[flat.codes].tolist()
    every_other = np.arange(0, len(flat.codes), 2)
    assert levels.take(every_other).codes.tolist() == flat.codes[every_other].tolist()
