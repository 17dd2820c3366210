"""The scoring plan's working state: a batch's columns by name, as the
operations transform them, with the warnings and per-row signals the checks
among them leave."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

import numpy as np

from regression_model.scoring.columns import CatColumn

__all__ = [
    "FINDING_ORDER",
    "Column",
    "Finding",
    "Operation",
    "RowState",
    "State",
    "category_column",
    "number_column",
]

Column = np.ndarray | CatColumn


@dataclass(frozen=True, order=True)
class Finding:
    """A warning about one valid row: ``index`` is its position among the batch's
    valid rows; ``field`` names the column(s), or is None for the whole row."""

    index: int
    kind: str
    field: str | None
    message: str


# The order Finding's comparisons define, as a sort key: a C-level getter
# sorts a large batch's findings many times faster than the dataclass's __lt__.
FINDING_ORDER = attrgetter(*(f.name for f in fields(Finding)))


class State(dict[str, Column]):
    """The columns of the batch as the operations transform them, plus what the
    checks among them find, and per-row figures (``signals``) the price range
    is widened by."""

    def __init__(self, columns: dict[str, Column], n_rows: int) -> None:
        super().__init__(columns)
        self.n_rows = n_rows
        self.findings: list[Finding] = []
        self.signals: dict[str, np.ndarray] = {}

    def category(self, name: str) -> CatColumn:
        """A categorical column, as the operations left it."""
        return category_column(self, name)

    def add_signal(self, name: str, values: np.ndarray | None) -> None:
        """Accumulate a per-row figure (several checks may add to one); None
        adds 0 to every row."""
        if values is None:
            if name not in self.signals:
                self.signals[name] = np.zeros(self.n_rows)
        elif name in self.signals:
            self.signals[name] = self.signals[name] + values
        else:
            self.signals[name] = np.asarray(values, dtype=np.float64)


class RowState(dict[str, Any]):
    """One row's values by name as the operations transform them: a float for
    a number (NaN when missing), a str or None for a category; plus what the
    checks find (``index`` 0) and the row's signals.

    A single row scored this way costs a few Python operations per step, where
    its columns of one value would cost a few numpy calls each.
    """

    n_rows = 1

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.findings: list[Finding] = []
        self.signals: dict[str, float] = {}

    def add_signal(self, name: str, value: float) -> None:
        """Accumulate a per-row figure, as :meth:`State.add_signal` does."""
        self.signals[name] = self.signals.get(name, 0.0) + value


@dataclass(frozen=True)
class Operation:
    """One step of the scoring plan, in two forms that do the same arithmetic:
    on a batch's columns (calling it) and on a single row's values (``row``),
    both made from one definition (see ``primitives``)."""

    columns: Callable[[State], None]
    row: Callable[[RowState], None]

    def __call__(self, state: State) -> None:
        self.columns(state)


def category_column(state: State, name: str) -> CatColumn:
    """A categorical column of the state."""
    column = state[name]
    assert isinstance(column, CatColumn), name
    return column


def number_column(state: State, name: str) -> np.ndarray:
    """A numeric column of the state."""
    column = state[name]
    assert isinstance(column, np.ndarray), name
    return column
