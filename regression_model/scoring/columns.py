"""The columns of a validated call: what the validators produce and the
scoring plan consumes (kept apart so neither imports the other)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from regression_model.config.core import Config
from regression_model.scoring.schema import RowError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CatColumn",
    "ValidatedBatch",
]


@dataclass(frozen=True)
class CatColumn:
    """A categorical column as integer codes into ``categories``; -1 is missing.

    The codes may be kept in two levels, as factorising by object identity
    gives them: a code per entry of a small table (``entry_codes``) and each
    row's entry (``cells``). A step that recodes the column (a fill) then
    rewrites the small table only, and a table over the categories (a weight
    per category) reaches every row in one look-up (:meth:`lookup`).
    """

    entry_codes: np.ndarray  # the code of each entry; of each row when cells is None
    categories: np.ndarray
    has_missing: bool | None = None  # None: not known yet
    cells: np.ndarray | None = None  # each row's entry in entry_codes

    @cached_property
    def codes(self) -> np.ndarray:
        """Each row's code (int64), -1 where missing."""
        if self.cells is None:
            return self.entry_codes
        codes: np.ndarray = self.entry_codes.take(self.cells)
        return codes

    def lookup(self, table: np.ndarray) -> np.ndarray:
        """``table[codes]``: ``table`` holds an entry per category, then one for
        missing rows (code -1 picks the last entry)."""
        picked: np.ndarray = table[self.entry_codes]
        return picked if self.cells is None else picked.take(self.cells)

    def recoded(
        self, table: np.ndarray, categories: np.ndarray, has_missing: bool | None
    ) -> CatColumn:
        """The column with each code ``c`` replaced by ``table[c]`` (``table``
        as for :meth:`lookup`), over new ``categories``: the rows' entries stay."""
        return CatColumn(table[self.entry_codes], categories, has_missing, self.cells)

    def filled(self, value: str) -> CatColumn:
        """The column with ``value`` where a row is missing (itself when none is)."""
        if not self.any_missing():
            return self
        categories = list(self.categories)
        if value in categories:
            index = categories.index(value)
        else:
            categories.append(value)
            index = len(categories) - 1
        # Code -1 picks the table's last slot, the fill.
        table = np.append(np.arange(len(self.categories)), index)
        filled = np.empty(len(categories), dtype=object)
        filled[:] = categories
        return self.recoded(table, filled, False)

    def relabelled(self, label: Callable[[str], str]) -> CatColumn:
        """The column with each category renamed by ``label`` (several may get
        one name); a missing row stays missing."""
        relabelled = np.empty(len(self.categories), dtype=object)
        relabelled[:] = [label(c) for c in self.categories]
        return replace(self, categories=relabelled)

    def any_missing(self) -> bool:
        """Whether some row is missing (cheap when the builder already knew)."""
        if self.has_missing is not None:
            return self.has_missing
        missing = self.entry_codes < 0
        if self.cells is None or not missing.any():
            return bool(missing.any())
        # Some entry is missing: whether a row points at one (bytes, not codes, per row).
        return bool(missing.take(self.cells).any())

    @classmethod
    def from_values(cls, values: Any) -> CatColumn:
        """Code clean values (str, or None for missing) in order of appearance.

        Plain Python: for the few rows of a single call it is many times faster
        than pandas.factorize, and large batches come here only for the cells
        pydantic had to judge.
        """
        index: dict[Any, int] = {}
        codes = [-1 if v is None else index.setdefault(v, len(index)) for v in values]
        categories = np.empty(len(index), dtype=object)
        categories[:] = list(index)
        return cls(np.array(codes, dtype=np.int64), categories, -1 in codes)

    def take(self, rows: np.ndarray) -> CatColumn:
        if self.cells is None:
            return CatColumn(self.entry_codes[rows], self.categories)
        return CatColumn(self.entry_codes, self.categories, None, self.cells[rows])

    def values(self) -> np.ndarray:
        """Object array of the category of each row, None where missing."""
        lookup = np.empty(len(self.categories) + 1, dtype=object)
        lookup[:-1] = self.categories  # the last slot, None, is what code -1 picks
        return self.lookup(lookup)


class ValidatedBatch:
    """The valid rows of one call, column by column, and the errors of the others.

    A call of one valid row can also be made from that row's Python values
    (:meth:`of_row`): the scoring plan reads them as they are, and the columns
    are only made if something asks for them.
    """

    def __init__(
        self,
        n_rows: int,
        valid_rows: np.ndarray,
        errors: list[RowError],
        numeric: dict[str, np.ndarray],
        categorical: dict[str, CatColumn],
    ) -> None:
        self.n_rows = n_rows
        self.valid_rows = valid_rows
        self.errors = errors
        self._numeric: dict[str, np.ndarray] | None = numeric
        self._categorical: dict[str, CatColumn] | None = categorical
        self._row: dict[str, Any] | None = None

    @classmethod
    def of_row(cls, values: dict[str, Any]) -> ValidatedBatch:
        """A call of one valid row, from its values as :meth:`row_values` gives them."""
        batch = cls(1, np.zeros(1, dtype=np.int64), [], {}, {})
        batch._numeric = batch._categorical = None
        batch._row = values
        return batch

    @property
    def numeric(self) -> dict[str, np.ndarray]:
        """The numeric columns, float64 (NaN for missing)."""
        if self._numeric is None:
            self._make_columns()
        assert self._numeric is not None
        return self._numeric

    @property
    def categorical(self) -> dict[str, CatColumn]:
        """The categorical columns."""
        if self._categorical is None:
            self._make_columns()
        assert self._categorical is not None
        return self._categorical

    def _make_columns(self) -> None:
        assert self._row is not None
        self._numeric, self._categorical = {}, {}
        for name, value in self._row.items():
            if value is None or isinstance(value, str):
                self._categorical[name] = CatColumn.from_values([value])
            else:
                self._numeric[name] = np.array([value], dtype=np.float64)

    def row_values(self, position: int) -> dict[str, Any]:
        """The valid row at ``position`` as Python values: a float per number
        (NaN when missing), a str or None per category."""
        if self._row is not None:
            return dict(self._row)
        values: dict[str, Any] = {name: float(v[position]) for name, v in self.numeric.items()}
        for name, cat in self.categorical.items():
            code = cat.codes[position]
            values[name] = None if code < 0 else cat.categories[code]
        return values

    def take(self, positions: np.ndarray) -> ValidatedBatch:
        """The valid rows at ``positions`` (among the valid rows) as a batch of
        their own, numbered from 0 (cross-validation scores each fold so)."""
        return ValidatedBatch(
            n_rows=len(positions),
            valid_rows=np.arange(len(positions)),
            errors=[],
            numeric={k: v[positions] for k, v in self.numeric.items()},
            categorical={k: c.take(positions) for k, c in self.categorical.items()},
        )

    def frame(self, config: Config) -> pd.DataFrame:
        """The pipeline's input: valid rows indexed by position, float64 numbers,
        object categories (None for missing), dwelling codes as strings."""
        import pandas as pd

        index = pd.Index(self.valid_rows, dtype=np.int64)
        columns: dict[str, pd.Series] = {}
        for name in config.model_config.features:
            if name in self.numeric:
                columns[name] = pd.Series(self.numeric[name], index=index, dtype=np.float64)
            else:
                # object, not pandas' inferred "str": the same dtype on pandas 2 and 3.
                values = self.categorical[name].values()
                columns[name] = pd.Series(values, index=index, dtype=object)
        return pd.DataFrame(columns, index=index)
