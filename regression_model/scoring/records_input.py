"""A call's rows as a list of records (dicts), as received: the fields they
share, their columns cut out in one pass, and each row's values."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from regression_model.scoring.factorize import Factorized, factorize_cells
from regression_model.scoring.table_input import PartedTable

__all__ = ["RecordsInput"]


def _missing(value: Any) -> bool:
    """pandas' notion of a missing scalar (None, NaN, NA, NaT), safe on lists."""
    if value is None:
        return True
    kind = type(value)
    if kind is float:  # the common cells first: pd.isna costs a microsecond each
        return bool(value != value)
    if kind is str or kind is int or kind is bool:
        return False
    import pandas as pd  # a rarer cell (numpy scalar, NA, NaT): pandas judges it

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class RecordsInput(PartedTable):
    def __init__(
        self,
        records: Sequence[Mapping[str, Any]],
        renames: Mapping[str, str],
        whole: tuple[RecordsInput, int] | None = None,
    ) -> None:
        """``whole``: the table these records are rows of, and the first one's
        position there (see :meth:`rows`)."""
        self._records = records
        self._renames = dict(renames)
        self._original = {new: old for old, new in renames.items()}
        self.n_rows = len(records)
        self._columns: dict[str, tuple[Any, ...]] | None = None
        self._cutting = threading.Lock()
        # Columns factorised whole, once per call, as FrameInput does.
        self._factorized: dict[str, Factorized] = {}
        self._factorizing = threading.Lock()
        self._whole: RecordsInput | None = whole[0] if whole is not None else None
        self._start = whole[1] if whole is not None else 0
        # Records nearly always share their fields, in one order (a JSON
        # client's, a frame's rows): then one comparison a record names the
        # columns, and the columns are cut out of the records in one pass when
        # first asked for. Rows of records that share their fields share them.
        self._shared_keys: list[str] | None = None
        self._in_order = False  # every record lists the shared fields in one order
        if self._whole is not None and self._whole._shared_keys is not None:
            self._shared_keys, self._in_order = self._whole._shared_keys, self._whole._in_order
        else:
            keys = list(records[0]) if records else []
            self._in_order = all(map(keys.__eq__, map(list, records)))
            if self._in_order or all(r.keys() == records[0].keys() for r in records):
                self._shared_keys = keys
        self.shares_keys = self._shared_keys is not None
        if self._shared_keys is not None:
            self.column_names = [self._renames.get(k, k) for k in self._shared_keys]
            return
        seen: dict[str, None] = {}
        for record in records:
            for key in record:
                seen.setdefault(self._renames.get(key, key), None)
        self.column_names = list(seen)

    def _get(self, record: Mapping[str, Any], name: str) -> Any:
        if name in record:
            return record[name]
        original = self._original.get(name)
        return record.get(original) if original is not None else None

    def column(self, name: str) -> Any:
        if name not in self.column_names:
            return None
        if self._shared_keys is None:
            return [self._get(r, name) for r in self._records]
        return self._cut()[name]

    def _cut(self) -> dict[str, tuple[Any, ...]]:
        """Every column, from records that share their fields: slices of the
        whole table's columns when they are cut already, else cut here, once
        whichever thread asks first (validation, or the store's packing)."""
        with self._cutting:
            if self._columns is None:
                whole = self._whole._columns if self._whole is not None else None
                if whole is not None:
                    stop = self._start + self.n_rows
                    self._columns = {k: v[self._start : stop] for k, v in whole.items()}
                else:
                    self._columns = self._cut_columns(self._shared_keys or [])
            return self._columns

    def _cut_columns(self, keys: list[str]) -> dict[str, tuple[Any, ...]]:
        """Every column, from records that all have the fields ``keys``."""
        if not keys:
            return {}
        if len(keys) == 1:  # itemgetter of one key gives the value, not a tuple
            cells = tuple(record[keys[0]] for record in self._records)
            return {self._renames.get(keys[0], keys[0]): cells}
        rows = map(itemgetter(*keys), self._records)
        columns = zip(*rows, strict=True)  # every row holds one cell per key
        return {self._renames.get(k, k): cells for k, cells in zip(keys, columns, strict=True)}

    def received_columns(self) -> dict[str, tuple[Any, ...]] | None:
        # The same fields in the same order: then a row read back from the
        # columns is its record, keys in order.
        return self._cut() if self._in_order else None

    def factorize_received(self, column: Any) -> tuple[np.ndarray, np.ndarray]:
        columns = self._columns if self._whole is None else None
        for name, cells in (columns or {}).items():
            if cells is column:  # a column received_columns() gave: the call's own factorisation
                factorized = self.factorized(name)
                return factorized.codes, factorized.uniques
        return factorize_cells(column)

    def records(self, names: Sequence[str]) -> list[dict[str, Any]]:
        rows = []
        for record in self._records:
            row = {}
            for name in names:
                # _get and _missing written out for the common cells: a single
                # call's record pays for each of its fields.
                value = record[name] if name in record else self._get(record, name)
                kind = type(value)
                if kind is float:
                    row[name] = None if value != value else value
                elif kind is str or kind is int:
                    row[name] = value
                else:
                    row[name] = None if _missing(value) else value
            rows.append(row)
        return rows

    def received(self, start: int, stop: int) -> list[dict[str, Any]]:
        return [
            {self._renames.get(k, k): v for k, v in record.items()}
            for record in self._records[start:stop]
        ]

    def rows(self, start: int, stop: int) -> RecordsInput:
        whole = self._whole or self
        return RecordsInput(self._records[start:stop], self._renames, (whole, self._start + start))
