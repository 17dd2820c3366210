"""The primitives the scoring plan's steps are written with, in two forms:
numpy over a batch's columns (:data:`COLUMNS`) and plain Python over one
row's values (:data:`ONE_ROW`).

A step is written once, as a function of the primitives (its *form*), and
built in both (:func:`both`): the plan runs the columns' form on a batch, and
the row's on a call of one row, where a few Python operations a step cost
less than a few numpy calls. The row's primitives keep numpy's semantics on
Python floats: the log of 0 is -inf and of a negative number NaN, exp
overflows to inf, NaN compares false and a maximum with NaN is NaN. Each form
keeps the arithmetic it has always had (numpy's functions on columns,
``math``'s on a row), so a row's figures may differ from the same row's in a
batch in the last bits.

A categorical column is a table of categories and each row's code in it
(:class:`~regression_model.scoring.columns.CatColumn`); a row holds its label,
or None where missing. A rule on a category (its new label, its weight) is a
:class:`Lookup`, which a batch applies to each entry of its column's table of
categories and a row to its label, in one dict look-up.

A row pays for every Python call a step makes, so the row's forms of the
steps on one column (:attr:`Primitives.fill` and the like) are built whole,
their test written out, and rules are looked up, not called.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from regression_model.scoring.columns import CatColumn
from regression_model.scoring.state import Operation

__all__ = [
    "COLUMNS",
    "ONE_ROW",
    "Lookup",
    "Primitives",
    "Rule",
    "Step",
    "both",
    "exp",
    "table_weight",
]

# A rule on one category: its label (None when missing) -> a label or a number.
Rule = Callable[[Any], Any]
# A step over a state: a batch's State, or a RowState for one row.
Step = Callable[[Any], None]
# A column's training range: (column, lowest, highest).
Bound = tuple[str, float, float]


class Lookup(dict[Any, Any]):
    """A rule on a category as a table: the value of each label it names (None,
    a missing category, among them or not), and ``default`` for every other.
    Its ``rule`` is the look-up itself: for one row, a dict look-up, no Python
    call."""

    def __init__(self, values: Mapping[Any, Any], default: Any) -> None:
        super().__init__(values)
        self.default = default

    def __missing__(self, label: Any) -> Any:
        return self.default

    @property
    def rule(self) -> Rule:
        return self.__getitem__


def table_weight(table: Mapping[str, float]) -> Rule:
    """A table of weights by category as a rule: a category not in the table
    weighs 0, as does a missing one."""
    return Lookup(table, 0.0).rule


@dataclass(frozen=True)
class Primitives:
    """What a step may compute with. ``x`` is a numeric column or a row's
    float, ``cat`` a categorical column or a row's label. The first four make
    a step on one column of the state at build time, from the column's name
    and an argument."""

    one_row: bool
    fill: Callable[[str, Any], Step]  # (column, value): missing cells get value
    greater: Callable[[str, float], Step]  # (column, threshold): 1.0 above, else 0.0
    log_shifted: Callable[[str, float], Step]  # (column, shift): log(x + shift)
    missing: Callable[[str, str], Step]  # (column, target): 1.0 where missing, else 0.0
    exp: Callable[[Any], Any]
    maximum: Callable[[Any, Any], Any]
    clip: Callable[[Any, float, float], Any]
    where: Callable[[Any, Any, Any], Any]  # (condition, if true, if false)
    any_nan: Callable[[Any], bool]
    zeros: Callable[[int], Any]  # 0 for each of n rows
    reduce: Callable[[Callable[..., Any], list[Any]], Any]  # a reducer across columns
    dot: Callable[[np.ndarray, list[Any]], Any]  # weights . columns
    side_by_side: Callable[[list[Any]], Any]  # columns as a (rows, columns) matrix
    weighted: Callable[[Any, np.ndarray], Any]  # that matrix times weights
    ends: Callable[[Any, Any], Any]  # exp of the low and the high end of ranges
    # For each (column, low, high) where the state's column has values beyond
    # [low, high]: (column, low, high, 1 or a 0/1 mask, rows, their values).
    beyond: Callable[
        [Any, list[Bound]], list[tuple[str, float, float, Any, list[int], list[float]]]
    ]
    # Rules on a category, made into a function of ``cat`` at build time:
    weighing: Callable[[Rule], Callable[[Any], Any]]  # each row's weight
    counting: Callable[[Rule], Callable[[Any], Any]]  # as weighing; None when all 0
    relabelling: Callable[[Rule], Callable[[Any], Any]]  # new labels; missing stays
    picking: Callable[[Rule], Callable[[Any], list[tuple[int, Any]]]]  # (row, label) where true


def both(form: Callable[[Primitives], Step]) -> Operation:
    """The operation ``form`` defines, on columns and on one row."""
    return Operation(form(COLUMNS), form(ONE_ROW))


def exp(value: float) -> float:
    """np.exp's answer for one float: inf on overflow, not an error."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _clip(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def _fill_column(column: str, value: Any) -> Step:
    def step(state: Any) -> None:
        cells = state[column]
        if isinstance(cells, CatColumn):
            state[column] = cells.filled(value)
        elif np.isnan(np.add.reduce(cells)):  # a NaN anywhere makes the sum NaN
            missing = np.isnan(cells)
            if missing.any():
                state[column] = np.where(missing, value, cells)

    return step


def _fill_row(column: str, value: Any) -> Step:
    def step(values: Any) -> None:
        x = values[column]
        if x is None or x != x:  # a missing label, or NaN
            values[column] = value

    return step


def _missing_column(column: str, target: str) -> Step:
    def step(state: Any) -> None:
        cells = state[column]
        if isinstance(cells, CatColumn):
            missing = np.zeros(len(cells.categories) + 1)
            missing[-1] = 1.0  # what code -1 picks
            state[target] = cells.lookup(missing)
        else:
            state[target] = np.isnan(cells).astype(np.float64)

    return step


def _missing_row(column: str, target: str) -> Step:
    def step(values: Any) -> None:
        x = values[column]
        values[target] = 1.0 if x is None or x != x else 0.0

    return step


def _greater_column(column: str, threshold: float) -> Step:
    def step(state: Any) -> None:
        state[column] = (state[column] > threshold).astype(np.float64)

    return step


def _greater_row(column: str, threshold: float) -> Step:
    def step(values: Any) -> None:
        values[column] = 1.0 if values[column] > threshold else 0.0

    return step


def _log_shifted_column(column: str, shift: float) -> Step:
    def step(state: Any) -> None:
        state[column] = np.log(state[column] + shift)

    return step


def _log_shifted_row(column: str, shift: float) -> Step:
    def step(values: Any) -> None:
        x = values[column] + shift
        # np.log's answer: -inf at 0 and NaN below, not an error.
        values[column] = math.log(x) if x > 0 else -math.inf if x == 0 else math.nan

    return step


def _beyond_columns(state: Any, bounds: list[Bound]) -> list[tuple[Any, ...]]:
    found = []
    for name, low, high in bounds:
        x = state[name]
        # Two reductions that skip NaN clear most columns without a pass per
        # bound, and tell which bound another column needs compared.
        below, above = np.fmin.reduce(x) < low, np.fmax.reduce(x) > high
        if not (below or above):
            continue
        with np.errstate(invalid="ignore"):
            beyond = (x < low) | (x > high) if below and above else x < low if below else x > high
        rows = np.flatnonzero(beyond)
        found.append((name, low, high, beyond, rows.tolist(), x[rows].tolist()))
    return found


def _beyond_row(values: Any, bounds: list[Bound]) -> list[tuple[Any, ...]]:
    found = []
    for name, low, high in bounds:
        x = values[name]
        if x < low or x > high:
            found.append((name, low, high, 1.0, [0], [x]))
    return found


def _weights(cat: CatColumn, rule: Rule, dtype: Any = np.float64) -> np.ndarray:
    """The rule on each category, then on a missing one (what code -1 picks)."""
    return np.array([rule(c) for c in cat.categories] + [rule(None)], dtype=dtype)


def _counts(rule: Rule) -> Callable[[CatColumn], np.ndarray | None]:
    def count(cat: CatColumn) -> np.ndarray | None:
        table = _weights(cat, rule)
        return cat.lookup(table) if table.any() else None

    return count


def _picks(rule: Rule) -> Callable[[CatColumn], list[tuple[int, Any]]]:
    def pick(cat: CatColumn) -> list[tuple[int, Any]]:
        flagged = _weights(cat, rule, bool)
        if not flagged.any():
            return []
        rows = np.flatnonzero(cat.lookup(flagged)).tolist()
        return [(row, cat.categories[cat.codes[row]]) for row in rows]

    return pick


def _a_row_rule(rule: Rule) -> Rule:
    """A row's form of a rule: the look-up itself, its label in, its value out."""
    return rule


# Each primitive's two forms side by side: on columns, then on one row.
_FORMS: dict[str, tuple[Any, Any]] = {
    "fill": (_fill_column, _fill_row),
    "greater": (_greater_column, _greater_row),
    "log_shifted": (_log_shifted_column, _log_shifted_row),
    "missing": (_missing_column, _missing_row),
    "exp": (np.exp, exp),
    "maximum": (np.maximum, max),
    "clip": (np.clip, _clip),
    "where": (np.where, lambda condition, yes, no: yes if condition else no),
    "any_nan": (lambda x: bool(np.isnan(x).any()), math.isnan),
    "zeros": (np.zeros, lambda n_rows: 0.0),
    # numpy's own reducer on a row too: its NaN handling, not Python's max and min.
    "reduce": (
        lambda reducer, xs: np.asarray(reducer(np.vstack(xs), axis=0), dtype=np.float64),
        lambda reducer, xs: float(reducer(np.array(xs), axis=0)),
    ),
    "dot": (
        lambda weights, xs: weights @ np.vstack(xs),
        lambda weights, xs: float(weights @ np.array(xs, dtype=np.float64)),
    ),
    "side_by_side": (np.column_stack, np.array),
    "weighted": (
        lambda features, weights: features @ weights,
        lambda features, weights: float(weights @ features),
    ),
    "ends": (
        lambda low, high: np.exp(np.column_stack([low, high])),
        lambda low, high: (exp(low), exp(high)),
    ),
    "beyond": (_beyond_columns, _beyond_row),
    "weighing": (lambda rule: lambda cat: cat.lookup(_weights(cat, rule)), _a_row_rule),
    "counting": (_counts, _a_row_rule),
    "relabelling": (lambda rule: lambda cat: cat.relabelled(rule), _a_row_rule),
    "picking": (_picks, lambda rule: lambda label: [(0, label)] if rule(label) else []),
}

COLUMNS = Primitives(False, **{name: forms[0] for name, forms in _FORMS.items()})
ONE_ROW = Primitives(True, **{name: forms[1] for name, forms in _FORMS.items()})
