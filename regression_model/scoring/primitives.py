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
or None where missing. A rule on a category (its new label, its weight) is
applied to each entry of the table in a batch, to the label in a row.
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
    "Primitives",
    "Rule",
    "both",
    "exp",
    "log_shifted",
    "table_weight",
]

# A rule on one category: its label (None when missing) -> a label or a number.
Rule = Callable[[Any], Any]


@dataclass(frozen=True)
class Primitives:
    """What a step may compute with. ``x`` is a numeric column or a row's
    float, ``cat`` a categorical column or a row's label."""

    one_row: bool
    log_shifted: Callable[[Any, float], Any]  # log(x + shift)
    exp: Callable[[Any], Any]
    maximum: Callable[[Any, Any], Any]
    clip: Callable[[Any, float, float], Any]
    where: Callable[[Any, Any, Any], Any]  # (condition, if true, if false)
    greater: Callable[[Any, float], Any]  # 1.0 where x > threshold, else 0.0
    fill: Callable[[Any, Any], Any]  # (x or cat, value): missing cells get value
    missing: Callable[[Any], Any]  # 1.0 where x or cat is missing, else 0.0
    any_nan: Callable[[Any], bool]
    zeros: Callable[[int], Any]  # 0 for each of n rows
    reduce: Callable[[Callable[..., Any], list[Any]], Any]  # a reducer across columns
    dot: Callable[[np.ndarray, list[Any]], Any]  # weights . columns
    side_by_side: Callable[[list[Any]], Any]  # columns as a (rows, columns) matrix
    weighted: Callable[[Any, np.ndarray], Any]  # that matrix times weights
    ends: Callable[[Any, Any], Any]  # exp of the low and the high end of ranges
    # Where x lies beyond [low, high]: (1 or a 0/1 mask, rows, their values),
    # or None when nowhere.
    beyond: Callable[[Any, float, float], tuple[Any, list[int], list[float]] | None]
    # Rules on a category, made into a function of ``cat`` at build time:
    weighing: Callable[[Rule], Callable[[Any], Any]]  # each row's weight
    counting: Callable[[Rule], Callable[[Any], Any]]  # as weighing; None when all 0
    relabelling: Callable[[Rule], Callable[[Any], Any]]  # new labels; missing stays
    picking: Callable[[Rule], Callable[[Any], list[tuple[int, Any]]]]  # (row, label) where true


def both(form: Callable[[Primitives], Callable[[Any], None]]) -> Operation:
    """The operation ``form`` defines, on columns and on one row."""
    return Operation(form(COLUMNS), form(ONE_ROW))


def log_shifted(x: float, shift: float) -> float:
    """np.log(x + shift)'s answer for one float: -inf at 0 and NaN below, not an
    error."""
    value = x + shift
    if value > 0:
        return math.log(value)
    return -math.inf if value == 0 else math.nan


def exp(value: float) -> float:
    """np.exp's answer for one float: inf on overflow, not an error."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def table_weight(table: Mapping[str, float]) -> Rule:
    """A table of weights by category as a rule: a category not in the table
    weighs 0, as does a missing one."""

    def weight(label: Any) -> float:
        return 0.0 if label is None else table.get(str(label), 0.0)

    return weight


def _clip(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def _fill_column(column: Any, value: Any) -> Any:
    """The column with its missing cells filled (itself when none is)."""
    if isinstance(column, CatColumn):
        return column.filled(value)
    if not np.isnan(np.add.reduce(column)):
        return column  # a NaN anywhere makes the sum NaN: nothing to fill
    missing = np.isnan(column)
    return np.where(missing, value, column) if missing.any() else column


def _missing_column(column: Any) -> np.ndarray:
    if isinstance(column, CatColumn):
        missing = np.zeros(len(column.categories) + 1)
        missing[-1] = 1.0  # what code -1 picks
        return column.lookup(missing)
    flags: np.ndarray = np.isnan(column).astype(np.float64)
    return flags


def _beyond_column(
    x: np.ndarray, low: float, high: float
) -> tuple[np.ndarray, list[int], list[float]] | None:
    # Two reductions that skip NaN clear most columns without a pass per
    # bound, and tell which bound another column needs compared.
    below, above = np.fmin.reduce(x) < low, np.fmax.reduce(x) > high
    if not (below or above):
        return None
    with np.errstate(invalid="ignore"):
        beyond = (x < low) | (x > high) if below and above else x < low if below else x > high
    rows = np.flatnonzero(beyond)
    return beyond, rows.tolist(), x[rows].tolist()


def _beyond_row(x: float, low: float, high: float) -> tuple[float, list[int], list[float]] | None:
    return (1.0, [0], [x]) if x < low or x > high else None


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


COLUMNS = Primitives(
    one_row=False,
    log_shifted=lambda x, shift: np.log(x + shift),
    exp=np.exp,
    maximum=np.maximum,
    clip=np.clip,
    where=np.where,
    greater=lambda x, threshold: (x > threshold).astype(np.float64),
    fill=_fill_column,
    missing=_missing_column,
    any_nan=lambda x: bool(np.isnan(x).any()),
    zeros=np.zeros,
    reduce=lambda reducer, xs: np.asarray(reducer(np.vstack(xs), axis=0), dtype=np.float64),
    dot=lambda weights, xs: weights @ np.vstack(xs),
    side_by_side=np.column_stack,
    weighted=lambda features, weights: features @ weights,
    ends=lambda low, high: np.exp(np.column_stack([low, high])),
    beyond=_beyond_column,
    weighing=lambda rule: lambda cat: cat.lookup(_weights(cat, rule)),
    counting=_counts,
    relabelling=lambda rule: lambda cat: cat.relabelled(rule),
    picking=_picks,
)

ONE_ROW = Primitives(
    one_row=True,
    log_shifted=log_shifted,
    exp=exp,
    maximum=max,
    clip=_clip,
    where=lambda condition, yes, no: yes if condition else no,
    greater=lambda x, threshold: 1.0 if x > threshold else 0.0,
    # x != x: NaN, the missing number; a label is missing as None.
    fill=lambda x, value: value if x is None or x != x else x,
    missing=lambda x: 1.0 if x is None or x != x else 0.0,
    any_nan=math.isnan,
    zeros=lambda n_rows: 0.0,
    # numpy's own reducer: its NaN handling, not Python's max and min.
    reduce=lambda reducer, xs: float(reducer(np.array(xs), axis=0)),
    dot=lambda weights, xs: float(weights @ np.array(xs, dtype=np.float64)),
    side_by_side=np.array,
    weighted=lambda features, weights: float(weights @ features),
    ends=lambda low, high: (exp(low), exp(high)),
    beyond=_beyond_row,
    weighing=lambda rule: rule,
    counting=lambda rule: rule,
    relabelling=lambda rule: rule,
    picking=lambda rule: lambda label: [(0, label)] if rule(label) else [],
)
