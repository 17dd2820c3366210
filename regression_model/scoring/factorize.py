"""Factorise a column of cells as ``pandas.factorize`` does, fast whatever
pandas stores text as.

With pyarrow installed pandas keeps text in Arrow arrays, and factorising one
is a C++ dictionary encode. Without it (the core install) text is an array of
Python objects, which pandas hashes string by string, the largest part of
scoring a large batch (docs/speed.md). But the cells of such a column are
mostly the same few objects over and over (``read_csv`` and row selections
share one object per distinct string), so this module factorises the
objects' identities first, which is integer work, and only then the few
distinct objects by value. The identities (addresses) of a column's few
distinct objects are told apart by a perfect hash, a multiply and a shift per
cell (see :func:`_identity_slots`), not by pandas' hash table. The result is exactly
``pandas.factorize(values, use_na_sentinel=True)``: the same codes and the
same uniques in order of first appearance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from regression_model import tuning

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
    distinct_codes: np.ndarray  # the code of each distinct object (or hash slot), or cell
    cells: np.ndarray | None  # each cell's object (or slot); None: distinct_codes are per cell
    # A slice of a factorised column (see rows): uniques and distinct_codes may
    # name values none of its cells has.
    partial: bool = False

    @property
    def codes(self) -> np.ndarray:
        """Each cell's code (int64), -1 for a missing cell."""
        codes = np.asarray(self.distinct_codes, dtype=np.int64)
        return codes if self.cells is None else codes.take(self.cells)

    def lookup(self, table: np.ndarray) -> np.ndarray:
        """``table[codes]``: ``table`` holds an entry per unique value, then one
        for missing cells (code -1 picks the last entry)."""
        picked: np.ndarray = table[self.distinct_codes]
        return picked if self.cells is None else picked.take(self.cells)

    def rows(self, start: int, stop: int) -> Factorized:
        """The cells ``start .. stop - 1`` (views, not copies). Their codes are
        the column's: ``uniques`` may hold values none of these cells has."""
        if self.cells is None:
            return Factorized(self.uniques, self.distinct_codes[start:stop], None, True)
        return Factorized(self.uniques, self.distinct_codes, self.cells[start:stop], True)

    def lookup_distinct(self, table: np.ndarray) -> np.ndarray:
        """``table`` at the codes of the distinct objects (or of every cell): the
        entries :meth:`lookup` gives, with few repeats, for questions like "any
        missing?"; of a ``partial`` column, perhaps entries of other cells too."""
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
    if len(cells) < tuning.IDENTITY_HASH_FROM_CELLS:  # the hash would cost more than it saves
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        return Factorized(
            np.asarray(uniques, dtype=object), np.asarray(codes, dtype=np.int64), None
        )
    # id() of every cell, read in bulk from the array of references. Live
    # objects have distinct ids, and the array holds each cell alive meanwhile.
    identities = np.frombuffer(cells, dtype=np.uintp)
    # The hash multiplies 64-bit addresses; other pointer sizes take pandas' table.
    hashed = _identity_slots(identities) if identities.itemsize == 8 else None
    if hashed is None:  # many distinct objects: pandas' hash table
        by_identity, distinct = pd.factorize(identities)
        first = _first_cells(by_identity, len(distinct))
        by_value, uniques = pd.factorize(cells[first], use_na_sentinel=True)
        return Factorized(
            np.asarray(uniques, dtype=object), np.asarray(by_value, dtype=np.int64), by_identity
        )
    slots, distinct_of_slot, first = hashed
    by_value, uniques = pd.factorize(cells[first], use_na_sentinel=True)
    codes_of_slot = np.asarray(by_value, dtype=np.int64)[distinct_of_slot]
    return Factorized(np.asarray(uniques, dtype=object), codes_of_slot, slots)


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


# Odd 64-bit constants for multiplicative hashing, tried in turn: fixed, so a
# column always gets the same slots.
_MULTIPLIERS = (
    0x9E3779B97F4A7C15,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0xD6E8FEB86659FD93,
    0xFF51AFD7ED558CCD,
    0xC4CEB9FE1A85EC53,
)


def _identity_slots(
    identities: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Each cell's slot in a perfect hash of the column's distinct identities,
    which distinct object (numbered in order of first appearance) each slot
    holds, and the first cell of each; None when the column has too many
    distinct objects for it.

    The distinct identities are learnt from the head of the column, then every
    cell is checked against its slot: a cell whose identity is not there
    (an object first seen later) adds its object, and the hash is built again.
    """
    import pandas as pd

    head_codes, known = pd.factorize(identities[: tuning.IDENTITY_HEAD_CELLS])
    first = _first_cells(head_codes, len(known))
    while len(known) <= tuning.IDENTITY_MOST_DISTINCT:
        hashing = _perfect_hash(known)
        if hashing is None:
            return None
        multiplier, shift = hashing
        hashed = identities * multiplier  # wraps modulo 2**64, as hashing wants
        hashed >>= shift
        slots = hashed.view(np.int64)  # take() wants signed indexes
        slot_of_known = ((known * multiplier) >> shift).view(np.int64)
        held = np.zeros(1 << (64 - int(shift)), dtype=np.uint64)  # no object lives at 0
        held[slot_of_known] = known
        found = held.take(slots) == identities
        if found.all():
            # Slots no object hashes to point at the first object: a look-up
            # through them names only values some cell has.
            distinct_of_slot = np.zeros(len(held), dtype=np.intp)
            distinct_of_slot[slot_of_known] = np.arange(len(known))
            return slots, distinct_of_slot, first
        missed = np.flatnonzero(~found)
        # Objects not in the head appear after it, in the order they appear among the missed.
        missed_codes, new = pd.factorize(identities[missed])
        first = np.concatenate([first, missed[_first_cells(missed_codes, len(new))]])
        known = np.concatenate([known, new])
    return None


def _perfect_hash(known: np.ndarray) -> tuple[np.uint64, np.uint64] | None:
    """A multiplier and shift that send each identity to a slot of its own:
    the top bits of ``identity * multiplier``. A table of 2 n**2 slots or more
    (at most 2**18) makes a collision unlikely; the first that works is taken."""
    least_bits = min(16, max(4, (2 * len(known) * len(known)).bit_length()))
    for bits in range(least_bits, least_bits + 3):
        shift = np.uint64(64 - bits)
        for multiplier in _MULTIPLIERS:
            factor = np.uint64(multiplier)
            if len(np.unique((known * factor) >> shift)) == len(known):
                return factor, shift
    return None


def _first_cells(codes: np.ndarray, n_distinct: int) -> np.ndarray:
    """The position of each code's first cell, codes being numbered in order
    of first appearance (so the running maximum steps up exactly there).

    Every distinct value of a real column shows up early, so the search looks
    at a short head of the column first and widens it only as needed.
    """
    head = tuning.IDENTITY_HEAD_CELLS
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
