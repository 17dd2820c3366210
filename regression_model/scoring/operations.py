"""The operations of the scoring plan: numpy functions over a batch's columns,
each built from one JSON entry of the plan spec by ``BUILDERS``.

An operation transforms the ``State`` (columns by name) in place, as the
pipeline step it was compiled from transforms a DataFrame; the range checks
among them (``checks``) add warnings and per-row signals instead. Each also
has a row form over one row's Python values (``RowState``), for single-row
calls, doing the same arithmetic in the same order.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from regression_model import tuning
from regression_model.registry import REDUCERS
from regression_model.scoring.checks import field_ranges, joint_range
from regression_model.scoring.columns import CatColumn
from regression_model.scoring.signals import RARE_CATEGORIES
from regression_model.scoring.state import (
    Operation,
    RowState,
    State,
    category_column,
    number_column,
)

__all__ = [
    "BUILDERS",
]


def _fill_category(column: str, value: Any) -> Operation:
    def run(state: State) -> None:
        cat = category_column(state, column)
        if not cat.any_missing():
            return
        categories = list(cat.categories)
        if value in categories:
            index = categories.index(value)
        else:
            categories.append(value)
            index = len(categories) - 1
        # Code -1 picks the table's last slot, the fill.
        table = np.append(np.arange(len(cat.categories)), index)
        filled = np.empty(len(categories), dtype=object)
        filled[:] = categories
        state[column] = cat.recoded(table, filled, False)

    def row(values: RowState) -> None:
        if values[column] is None:
            values[column] = value

    return Operation(run, row)


def _fill_number(column: str, value: float) -> Operation:
    def run(state: State) -> None:
        values = number_column(state, column)
        if not np.isnan(np.add.reduce(values)):
            return  # a NaN anywhere makes the sum NaN: nothing to fill
        missing = np.isnan(values)
        if missing.any():
            state[column] = np.where(missing, value, values)

    def row(values: RowState) -> None:
        if math.isnan(values[column]):
            values[column] = value

    return Operation(run, row)


def _missing_indicator(column: str, target: str) -> Operation:
    def run(state: State) -> None:
        values = state[column]
        if isinstance(values, CatColumn):
            missing = np.zeros(len(values.categories) + 1)
            missing[-1] = 1.0  # what code -1 picks
            state[target] = values.lookup(missing)
        else:
            state[target] = np.isnan(values).astype(np.float64)

    def row(values: RowState) -> None:
        value = values[column]
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        values[target] = 1.0 if missing else 0.0

    return Operation(run, row)


def _subtract(target: str, left: str, right: str) -> Operation:
    def run(state: State) -> None:
        state[target] = number_column(state, left) - number_column(state, right)

    def row(values: RowState) -> None:
        values[target] = values[left] - values[right]

    return Operation(run, row)


def _combine(target: str, columns: list[str], function: str) -> Operation:
    reducer = REDUCERS[function]

    def run(state: State) -> None:
        stacked = np.vstack([number_column(state, c) for c in columns])
        state[target] = np.asarray(reducer(stacked, axis=0), dtype=np.float64)

    def row(values: RowState) -> None:
        # numpy's own reducer: its NaN handling, not Python's max and min.
        values[target] = float(reducer(np.array([values[c] for c in columns]), axis=0))

    return Operation(run, row)


def _log_shift(column: str, shift: float) -> Operation:
    def run(state: State) -> None:
        state[column] = np.log(number_column(state, column) + shift)

    def row(values: RowState) -> None:
        values[column] = _log(values[column] + shift)

    return Operation(run, row)


def _log(value: float) -> float:
    """np.log's answer for one float: -inf at 0 and NaN below, not an error."""
    if value > 0:
        return math.log(value)
    return -math.inf if value == 0 else math.nan


def _binarize(column: str, threshold: float) -> Operation:
    def run(state: State) -> None:
        state[column] = (number_column(state, column) > threshold).astype(np.float64)

    def row(values: RowState) -> None:
        values[column] = 1.0 if values[column] > threshold else 0.0

    return Operation(run, row)


def _map_categories(column: str, mapping: dict[str, float]) -> Operation:
    def run(state: State) -> None:
        cat = category_column(state, column)
        # Unmapped labels and missing values (code -1, the appended slot) give NaN.
        lookup = np.array(
            [mapping.get(c, np.nan) for c in cat.categories] + [np.nan], dtype=np.float64
        )
        mapped = cat.lookup(lookup)
        if np.isnan(mapped).any():
            raise ValueError(f"OrdinalMapper: column {column!r} holds labels its mapping lacks")
        state[column] = mapped

    def row(values: RowState) -> None:
        label = values[column]
        mapped = math.nan if label is None else float(mapping.get(label, math.nan))
        if math.isnan(mapped):
            raise ValueError(f"OrdinalMapper: column {column!r} holds labels its mapping lacks")
        values[column] = mapped

    return Operation(run, row)


def _rare_labels(column: str, frequent: list[str], replacement: str) -> Operation:
    keep = set(frequent)

    def run(state: State) -> None:
        cat = category_column(state, column)
        relabelled = np.empty(len(cat.categories), dtype=object)
        relabelled[:] = [c if c in keep else replacement for c in cat.categories]
        state[column] = replace(cat, categories=relabelled)
        # How many of a row's categories were too rare to be priced on their own.
        pooled = np.array([c not in keep for c in cat.categories] + [False], dtype=np.float64)
        if pooled.any():
            state.add_signal(RARE_CATEGORIES, cat.lookup(pooled))
        elif RARE_CATEGORIES not in state.signals:
            state.add_signal(RARE_CATEGORIES, np.zeros(state.n_rows))

    def row(values: RowState) -> None:
        label = values[column]
        pooled = label is not None and label not in keep
        if pooled:
            values[column] = replacement
        values.add_signal(RARE_CATEGORIES, 1.0 if pooled else 0.0)

    return Operation(run, row)


def _piecewise_polynomials(spec: dict[str, Any]) -> Operation:
    """A spline step folded with its weights. Per variable: a polynomial per knot
    interval (highest power first, in powers of x - interval start); beyond the
    training range [low, high], the end value plus the end slope per unit
    (``slope_below``, ``slope_above``: 0 for constant extrapolation); ``target``
    receives the sum of the curves, which the linear head adds with weight 1.

    A few rows are evaluated all variables together, as one (variables x rows)
    array, so a single row costs a dozen numpy calls, not a dozen per variable.
    Many rows are evaluated one variable at a time: the arrays stay in the
    processor's cache, which the stacked ones (rows x 23 variables) outgrow,
    and finding the interval is a comparison per interval start; a variable
    whose training range runs between whole numbers (a count, an area, a year)
    is looked up in a table of its curve at each of them, made at load time
    by the same arithmetic. All do the same arithmetic in the same order, so
    they give the same bits.
    """
    stacked = _stacked_polynomials(spec)
    per_variable = _polynomials_per_variable(spec)

    def run(state: State) -> None:
        (stacked if state.n_rows < tuning.SPLINE_PER_VARIABLE_FROM else per_variable)(state)

    return Operation(run, per_variable.row)


def _stacked_polynomials(spec: dict[str, Any]) -> Callable[[State], None]:
    """The spline over a (variables x rows) array: few numpy calls per batch."""
    columns, target = list(spec["columns"]), str(spec["target"])
    intervals = max(len(b) for b in spec["breaks"])
    # Pad shorter variables with intervals starting at +inf: never reached.
    starts = np.full((len(columns), intervals), np.inf)
    powers = np.zeros((len(spec["coefficients"][0][0]), len(columns), intervals))
    for i, (breaks, coefficients) in enumerate(
        zip(spec["breaks"], spec["coefficients"], strict=True)
    ):
        starts[i, : len(breaks)] = breaks
        powers[:, i, : len(breaks)] = np.array(coefficients, dtype=np.float64).T
    low, high = np.array(spec["low"])[:, None], np.array(spec["high"])[:, None]
    below_slope = np.array(spec["slope_below"], dtype=np.float64)[:, None]
    above_slope = np.array(spec["slope_above"], dtype=np.float64)[:, None]
    linear_ends = bool(below_slope.any() or above_slope.any())
    # Interval k of variable i is entry i * intervals + k of the flattened tables:
    # one np.take per table instead of two-dimensional fancy indexing.
    first_entry = (np.arange(len(columns)) * intervals)[:, None]
    flat_starts = starts.ravel()
    flat_powers = [power.ravel() for power in powers]

    def run(state: State) -> None:
        x = np.vstack([number_column(state, c) for c in columns])
        # Beyond the training range the curve keeps its end value (the polynomial
        # at the clipped x), plus the end slope times the distance when linear.
        inside = np.clip(x, low, high)
        entry = np.broadcast_to(first_entry, x.shape).copy()
        for k in range(1, intervals):
            entry += inside >= starts[:, k : k + 1]
        offset = inside - flat_starts.take(entry)
        curve = flat_powers[0].take(entry)
        for power in flat_powers[1:]:
            curve *= offset
            curve += power.take(entry)
        if linear_ends:
            beyond = x - inside
            curve += beyond * np.where(beyond < 0, below_slope, above_slope)
        state[target] = curve.sum(axis=0)

    return run


@dataclass(frozen=True)
class _WholeNumbers:
    """A curve at each whole number from ``first`` on, clipped to its training
    range as the curve clips: ``values[n - first]``. ``first`` is 0 when the
    range starts at or above 0, so a cell's number is its own index."""

    first: int
    values: np.ndarray


@dataclass(frozen=True)
class _Curve:
    """One variable's polynomials: interval starts and a table per power, as
    arrays for columns and as lists for a single row."""

    column: str
    low: float
    high: float
    starts: np.ndarray
    powers: list[np.ndarray]  # highest power first, one entry per interval
    below: float  # end slopes
    above: float

    @cached_property
    def interior(self) -> list[float]:
        """The starts of the intervals after the first."""
        return [float(start) for start in self.starts[1:]]

    @property
    def row_tables(self) -> tuple[list[float], list[list[float]]]:
        return self.starts.tolist(), [p.tolist() for p in self.powers]

    def at(self, inside: np.ndarray) -> np.ndarray:
        """The polynomials at values already clipped to [low, high]."""
        entry = _interval_of(inside, self.interior)
        offset = inside - self.starts.take(entry)
        value = self.powers[0].take(entry)
        for power in self.powers[1:]:
            value *= offset
            value += power.take(entry)
        return value

    def whole_numbers(self) -> _WholeNumbers | None:
        """The curve as a table of whole numbers, when its range runs between
        two of them not too far apart: counts, areas and years, whose cells a
        look-up prices in a few passes where the polynomials take twenty."""
        if not (self.low.is_integer() and self.high.is_integer()):
            return None
        first = 0 if self.low >= 0 else int(self.low)
        if self.high - first >= tuning.SPLINE_MOST_TABLED:
            return None
        numbers = np.arange(first, self.high + 1, dtype=np.float64)
        return _WholeNumbers(first, self.at(np.clip(numbers, self.low, self.high)))


def _looked_up(curve: _Curve, table: _WholeNumbers, x: np.ndarray) -> np.ndarray:
    """``curve.at(np.clip(x, curve.low, curve.high))`` through the curve's table
    of whole numbers, for the cells that are whole, and the polynomials for
    the others: the same bits, as the table holds the polynomials' own
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
        value[odd] = curve.at(np.clip(x[odd], curve.low, curve.high))
    return value


def _interval_of(values: np.ndarray, interior: list[float]) -> np.ndarray:
    """Each value's interval: how many interior starts lie at or below it, as
    ``searchsorted(side="right")`` counts them. A comparison per start is many
    times faster than a binary search per value for the few starts a spline has."""
    if not interior:
        return np.zeros(len(values), dtype=np.intp)
    # Counted in bytes, a byte per comparison, and widened once for take();
    # counted in intp from the start when the count could outgrow a byte.
    count: np.ndarray = np.greater_equal(values, interior[0]).view(np.uint8)
    if len(interior) > 255:
        count = count.astype(np.intp)
    for start in interior[1:]:
        count += np.greater_equal(values, start).view(np.uint8)
    return count.astype(np.intp, copy=False)


def _polynomials_per_variable(spec: dict[str, Any]) -> Operation:
    """The spline one variable at a time: for many rows, and for a single one."""
    target = str(spec["target"])
    curves = [
        _Curve(
            column=str(column),
            low=float(low),
            high=float(high),
            starts=np.array(breaks, dtype=np.float64),
            powers=[np.ascontiguousarray(p) for p in np.array(coefficients, dtype=np.float64).T],
            below=float(below),
            above=float(above),
        )
        for column, low, high, breaks, coefficients, below, above in zip(
            spec["columns"],
            spec["low"],
            spec["high"],
            spec["breaks"],
            spec["coefficients"],
            spec["slope_below"],
            spec["slope_above"],
            strict=True,
        )
    ]
    linear_ends = any(c.below or c.above for c in curves)
    tables = [c.row_tables for c in curves]
    whole_numbers = [c.whole_numbers() for c in curves]

    def run(state: State) -> None:
        total = np.zeros(state.n_rows)
        for curve, table in zip(curves, whole_numbers, strict=True):
            x = number_column(state, curve.column)
            # A table clips through its own ends; the polynomials and the end
            # slopes need the clipped values, made once.
            inside = np.clip(x, curve.low, curve.high) if table is None or linear_ends else x
            value = curve.at(inside) if table is None else _looked_up(curve, table, x)
            if linear_ends:
                beyond = x - inside
                value += beyond * np.where(beyond < 0, curve.below, curve.above)
            total += value
        state[target] = total

    def row(values: RowState) -> None:
        total = 0.0
        for curve, (starts, powers) in zip(curves, tables, strict=True):
            x = values[curve.column]
            inside = curve.low if x < curve.low else curve.high if x > curve.high else x
            entry = bisect_right(starts, inside, lo=1) - 1
            offset = inside - starts[entry]
            value = powers[0][entry]
            for power in powers[1:]:
                value = value * offset + power[entry]
            if linear_ends:
                beyond = x - inside
                value += beyond * (curve.below if beyond < 0 else curve.above)
            total += value
        values[target] = total

    return Operation(run, row)


def _category_slopes(spec: dict[str, Any]) -> Operation:
    """A weight per category times the clipped, centred variable (a slope per
    category, folded with the head's weights)."""
    category, variable, target = str(spec["category"]), str(spec["variable"]), str(spec["target"])
    low, high, center = float(spec["lower"]), float(spec["upper"]), float(spec["center"])
    weights = {str(c): float(w) for c, w in spec["weights"].items()}

    def run(state: State) -> None:
        cat = category_column(state, category)
        lookup = np.array([weights.get(str(c), 0.0) for c in cat.categories] + [0.0])
        state[target] = cat.lookup(lookup) * (
            np.clip(number_column(state, variable), low, high) - center
        )

    def row(values: RowState) -> None:
        label, x = values[category], values[variable]
        weight = 0.0 if label is None else weights.get(str(label), 0.0)
        values[target] = weight * ((low if x < low else high if x > high else x) - center)

    return Operation(run, row)


# Each operation a spec may name, and how to build it from its JSON.
BUILDERS: dict[str, Callable[[dict[str, Any]], Operation]] = {
    "fill_category": lambda o: _fill_category(o["column"], o["value"]),
    "fill_number": lambda o: _fill_number(o["column"], float(o["value"])),
    "missing_indicator": lambda o: _missing_indicator(o["column"], o["target"]),
    "subtract": lambda o: _subtract(o["target"], o["left"], o["right"]),
    "combine": lambda o: _combine(o["target"], list(o["columns"]), o["function"]),
    "log_shift": lambda o: _log_shift(o["column"], float(o["shift"])),
    "binarize": lambda o: _binarize(o["column"], float(o["threshold"])),
    "map_categories": lambda o: _map_categories(o["column"], dict(o["mapping"])),
    "rare_labels": lambda o: _rare_labels(o["column"], list(o["frequent"]), o["replacement"]),
    "piecewise_polynomials": _piecewise_polynomials,
    "field_ranges": lambda o: field_ranges(list(o["columns"]), o["lower"], o["upper"]),
    "joint_range": joint_range,
    "category_slopes": _category_slopes,
}
