"""What the validators and the store read from a call's rows: the base of the
input forms (a DataFrame, records, a dict of columns), and the table whose
parts (of a large call) share its factorisations."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from regression_model.scoring.factorize import Factorized, factorize, factorize_cells

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PartedTable", "TableInput"]


class TableInput:
    """Rows to score, as received, with renamed column names.

    Subclasses hold a DataFrame, a list of records or a dict of columns.
    """

    n_rows: int
    column_names: list[str]

    def column(self, name: str) -> Any:
        """The values of one column (a Series or a sequence), or None if absent."""
        raise NotImplementedError

    def records(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """Rows as dicts over ``names``; missing values and absent keys are None."""
        raise NotImplementedError

    def received(self, start: int, stop: int) -> pd.DataFrame | list[dict[str, Any]]:
        """Rows ``start .. stop - 1`` as received (renamed): a DataFrame, or
        records whose keys may differ from row to row."""
        raise NotImplementedError

    def rows(self, start: int, stop: int) -> TableInput:
        """Rows ``start .. stop - 1`` as a table of their own, numbered from 0."""
        raise NotImplementedError

    def received_columns(self) -> dict[str, tuple[Any, ...]] | None:
        """The rows as received (renamed), cut into columns, when every row is
        a record with the same fields in the same order; else None (a
        DataFrame's rows are :meth:`received`)."""
        return None

    def factorized(self, name: str, values: Any = None) -> Factorized:
        """The cells of a present column, factorised (see
        :func:`~regression_model.scoring.factorize.factorize`); ``values``:
        the column as :meth:`column` gave it, if the caller has it already.

        Raises
        ------
        TypeError
            When a cell cannot be hashed.
        """
        return factorize(self.column(name) if values is None else values)

    def factorize_received(self, column: Any) -> tuple[np.ndarray, np.ndarray]:
        """Codes and distinct values of cells of ``received(0, n_rows)``, as
        ``pandas.factorize`` gives them, for the store's packing: a whole
        column of a DataFrame reuses the call's own factorisation of it (made
        once for validation and the store alike).

        Raises
        ------
        TypeError
            When a cell cannot be hashed.
        """
        return factorize_cells(column)


class PartedTable(TableInput):
    """A table whose columns are factorised whole, once per call, whichever
    thread asks first: the parts of a large call (``rows(...)``) read slices
    of them, and the store's packing the columns themselves."""

    _whole: PartedTable | None  # the table a part was cut from
    _start: int  # where the part starts there
    _factorized: dict[str, Factorized]
    _factorizing: threading.Lock

    def factorized(self, name: str, values: Any = None) -> Factorized:
        if self._whole is not None:
            whole = self._whole.factorized(name)
            return whole.rows(self._start, self._start + self.n_rows)
        with self._factorizing:
            column = self._factorized.get(name)
            if column is None:
                cells = self.column(name) if values is None else values
                column = self._factorized[name] = factorize(cells)
        return column
