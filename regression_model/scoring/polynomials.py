"""The spline step folded with the head's weights: a piecewise polynomial per
variable, whose sum the linear head adds with weight 1.

Per variable (:class:`Curve`): a polynomial per knot interval (highest power
first, in powers of x - interval start); beyond the training range [low,
high], the end value plus the end slope per unit (``below``, ``above``: 0 for
constant extrapolation). That definition is evaluated in three renderings,
all by the same Horner scheme (:func:`horner`) on the same clipped values, so
they give the same bits:

* one row: Python floats; a whole number is looked up in the variable's
  table of whole numbers (below), another's interval found by binary search;
* many rows (:attr:`~regression_model.tuning.SPLINE_PER_VARIABLE_FROM` on):
  one variable at a time, so the arrays stay in the processor's cache, its
  interval found by a comparison per interval start; a variable whose
  training range runs between whole numbers (a count, an area, a year) is
  looked up in a table of its curve at each of them (:class:`WholeNumbers`),
  made at load time by the same polynomials;
* few rows: every variable at once (:class:`Stacked`), as one (variables x
  rows) array, so the step costs a dozen numpy calls rather than a dozen per
  variable.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from regression_model import tuning
from regression_model.scoring.primitives import ONE_ROW
from regression_model.scoring.state import Operation, number_column

__all__ = [
    "Curve",
    "Stacked",
    "WholeNumbers",
    "beyond_ends",
    "horner",
    "interval_of",
    "piecewise_polynomials",
]


def horner(powers: Sequence[Callable[[Any], Any]], entry: Any, offset: Any) -> Any:
    """Each value's polynomial at its offset into its interval: ``powers[k]``
    looks up the coefficient of one power, highest first, of each value's
    interval ``entry`` (an array's ``take`` for an index array; a list's
    ``__getitem__`` for one row's index)."""
    value = powers[0](entry)  # a take gives a copy: updated in place below
    for power in powers[1:]:
        value *= offset
        value += power(entry)
    return value


def beyond_ends(x: Any, inside: Any, below: Any, above: Any, where: Callable[..., Any]) -> Any:
    """The end slope times the distance beyond the training range (``inside``:
    ``x`` clipped to it); ``where`` is np.where, or its form for one row."""
    beyond = x - inside
    return beyond * where(beyond < 0, below, above)


def interval_of(values: np.ndarray, interior: list[float]) -> np.ndarray:
    """Each value's interval: how many interior starts lie at or below it, as
    ``searchsorted(side="right")`` counts them. A comparison per start is many
    times faster than a binary search per value for the few starts a spline has."""
    if not interior:
        return np.zeros(len(values), dtype=np.intp)
    # Counted in bytes, a byte per comparison, and widened once for indexing;
    # counted in intp from the start when the count could outgrow a byte.
    count: np.ndarray = np.greater_equal(values, interior[0]).view(np.uint8)
    if len(interior) > 255:
        count = count.astype(np.intp)
    for start in interior[1:]:
        count += np.greater_equal(values, start).view(np.uint8)
    return count.astype(np.intp, copy=False)


@dataclass(frozen=True)
class WholeNumbers:
    """A curve at each whole number from ``first`` on, clipped to its training
    range as the curve clips: ``values[n - first]``. ``first`` is 0 when the
    range starts at or above 0, so a cell's number is its own index."""

    first: int
    values: np.ndarray


@dataclass(frozen=True)
class Curve:
    """One variable's polynomials, its training range and its end slopes, with
    its tables as arrays for columns and as lists for one row."""

    column: str
    low: float
    high: float
    starts: np.ndarray
    powers: list[np.ndarray]  # highest power first, one entry per interval
    below: float  # end slopes
    above: float
    interior: list[float]  # the starts of the intervals after the first
    row_starts: list[float]
    row_powers: list[Callable[[int], float]]  # each power's list's __getitem__
    table: WholeNumbers | None = None  # see whole_numbers
    row_table: list[float] | None = None
    first: int = 0  # the table's first whole number

    @classmethod
    def of(
        cls, column: str, low: float, high: float, breaks: Any, coefficients: Any, slopes: Any
    ) -> Curve:
        """The curve of one variable of a ``piecewise_polynomials`` spec, with
        its table of whole numbers when it has one."""
        starts = np.array(breaks, dtype=np.float64)
        powers = [np.ascontiguousarray(p) for p in np.array(coefficients, dtype=np.float64).T]
        curve = cls(
            column=str(column),
            low=float(low),
            high=float(high),
            starts=starts,
            powers=powers,
            below=float(slopes[0]),
            above=float(slopes[1]),
            interior=[float(start) for start in starts[1:]],
            row_starts=starts.tolist(),
            row_powers=[p.tolist().__getitem__ for p in powers],
        )
        table = curve.whole_numbers()
        if table is None:
            return curve
        return replace(curve, table=table, row_table=table.values.tolist(), first=table.first)

    def at(self, inside: np.ndarray) -> np.ndarray:
        """The polynomials at values already clipped to [low, high]."""
        entry = interval_of(inside, self.interior)
        takes = [power.take for power in self.powers]
        value: np.ndarray = horner(takes, entry, inside - self.starts.take(entry))
        return value

    def at_row(self, inside: float) -> float:
        """:meth:`at` for one row's clipped float."""
        starts = self.row_starts
        entry = bisect_right(starts, inside, lo=1) - 1
        value: float = horner(self.row_powers, entry, inside - starts[entry])
        return value

    def of_column(self, x: np.ndarray, linear_ends: bool) -> np.ndarray:
        """The curve at each value of a column, end slopes included."""
        # A table clips through its own ends; the polynomials and the end
        # slopes need the clipped values, made once.
        clipped = self.table is None or linear_ends
        inside = np.clip(x, self.low, self.high) if clipped else x
        value = self.at(inside) if self.table is None else self.looked_up(self.table, x)
        if linear_ends:
            value += beyond_ends(x, inside, self.below, self.above, np.where)
        return value

    def of_row(self, x: float, linear_ends: bool) -> float:
        """:meth:`of_column` for one row's float: a whole number is looked up
        in the same table (the polynomials' own bits), another goes through
        the polynomials."""
        low, high = self.low, self.high
        inside = low if x < low else high if x > high else x  # np.clip's answer
        table = self.row_table
        if table is not None and inside.is_integer():
            value = table[int(inside) - self.first]
        else:
            value = self.at_row(inside)
        if linear_ends:
            value += beyond_ends(x, inside, self.below, self.above, ONE_ROW.where)
        return value

    def whole_numbers(self) -> WholeNumbers | None:
        """The curve as a table of whole numbers, when its range runs between
        two of them not too far apart: counts, areas and years, whose cells a
        look-up prices in a few passes where the polynomials take twenty."""
        if not (self.low.is_integer() and self.high.is_integer()):
            return None
        first = 0 if self.low >= 0 else int(self.low)
        if self.high - first >= tuning.SPLINE_MOST_TABLED:
            return None
        numbers = np.arange(first, self.high + 1, dtype=np.float64)
        return WholeNumbers(first, self.at(np.clip(numbers, self.low, self.high)))

    def looked_up(self, table: WholeNumbers, x: np.ndarray) -> np.ndarray:
        """``self.at(np.clip(x, self.low, self.high))`` through the table of
        whole numbers for the cells that are whole, and the polynomials for the
        others: the same bits, as the table holds the polynomials' own
        arithmetic at those numbers. A whole number beyond the table (or beyond
        the range) takes the table's end entry, which is the clipped curve's."""
        # Shifted as floats, not as ints: a float near 2**63 would overflow. Where
        # the subtraction rounds, the number lies far beyond the table either way.
        shifted = x - table.first if table.first else x
        with np.errstate(invalid="ignore"):  # NaN, infinities: not whole, see below
            whole = shifted.astype(np.intp)
        fraction = shifted - whole  # exact below 2**53; above, every float is whole
        value: np.ndarray = table.values.take(whole, mode="clip")
        if fraction.any():  # NaN counts as a fraction
            odd = np.flatnonzero(fraction)
            value[odd] = self.at(np.clip(x[odd], self.low, self.high))
        return value


class Stacked:
    """Every curve at once, over a (variables x rows) array: variable ``i``'s
    interval ``k`` is entry ``i * intervals + k`` of flat tables (one take per
    table, rather than two-dimensional indexing), shorter variables padded
    with intervals starting at +inf, never reached."""

    def __init__(self, curves: list[Curve]) -> None:
        self.columns = [curve.column for curve in curves]
        self.intervals = max(len(curve.starts) for curve in curves)
        starts = np.full((len(curves), self.intervals), np.inf)
        powers = np.zeros((len(curves[0].powers), len(curves), self.intervals))
        for i, curve in enumerate(curves):
            starts[i, : len(curve.starts)] = curve.starts
            powers[:, i, : len(curve.starts)] = curve.powers
        self.starts = starts
        self.first_entry = (np.arange(len(curves)) * self.intervals)[:, None]
        self.flat_starts = starts.ravel()
        self.flat_powers = [power.ravel() for power in powers]
        # The ends and slopes as columns, one row per variable.
        self.low = np.array([[curve.low] for curve in curves])
        self.high = np.array([[curve.high] for curve in curves])
        self.below = np.array([[curve.below] for curve in curves], dtype=np.float64)
        self.above = np.array([[curve.above] for curve in curves], dtype=np.float64)

    def sum(self, x: np.ndarray, linear_ends: bool) -> np.ndarray:
        """The sum of the curves of each row (``x``: a row per variable)."""
        inside = np.clip(x, self.low, self.high)
        entry = np.broadcast_to(self.first_entry, x.shape).copy()
        for k in range(1, self.intervals):
            entry += inside >= self.starts[:, k : k + 1]
        takes = [power.take for power in self.flat_powers]
        curve = horner(takes, entry, inside - self.flat_starts.take(entry))
        if linear_ends:
            curve += beyond_ends(x, inside, self.below, self.above, np.where)
        total: np.ndarray = curve.sum(axis=0)
        return total


def piecewise_polynomials(spec: dict[str, Any]) -> Operation:
    """The spline step of a ``piecewise_polynomials`` spec: ``target``
    receives the sum of the curves of ``columns`` (see module doc)."""
    target = str(spec["target"])
    curves = [
        Curve.of(*fields)
        for fields in zip(
            spec["columns"],
            spec["low"],
            spec["high"],
            spec["breaks"],
            spec["coefficients"],
            zip(spec["slope_below"], spec["slope_above"], strict=True),
            strict=True,
        )
    ]
    linear_ends = any(curve.below or curve.above for curve in curves)
    stacked = Stacked(curves)

    def per_variable(state: Any) -> None:
        total = np.zeros(state.n_rows)
        for curve in curves:
            total += curve.of_column(number_column(state, curve.column), linear_ends)
        state[target] = total

    def run(state: Any) -> None:
        if state.n_rows >= tuning.SPLINE_PER_VARIABLE_FROM:
            per_variable(state)
        else:
            x = np.vstack([number_column(state, column) for column in stacked.columns])
            state[target] = stacked.sum(x, linear_ends)

    def row(values: Any) -> None:
        total = 0.0
        for curve in curves:
            total += curve.of_row(values[curve.column], linear_ends)
        values[target] = total

    return Operation(run, row)
