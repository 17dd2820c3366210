"""Turn what a caller passes into a table with the reference's column names.

A :class:`TableInput` gives the validators columns (for large batches) or
records (for small ones) and the rows as received (which the prediction store
keeps),
without copying or modifying the caller's object.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from regression_model import tuning
from regression_model.config.core import Config
from regression_model.errors import InvalidInputError
from regression_model.scoring.factorize import Factorized, factorize, factorize_cells
from regression_model.scoring.frame_cells import column_cells, frame_rows, rows_of_columns
from regression_model.scoring.well_formed import (
    HINT,
    a_type,
    check_columns,
    check_names,
    length,
    loaded_pandas,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ColumnsInput",
    "FrameInput",
    "RecordsInput",
    "TableInput",
    "as_table",
    "check_names",
]


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


class FrameInput(TableInput):
    def __init__(self, frame: pd.DataFrame) -> None:
        # rename() is lazy under pandas' copy-on-write: the caller's frame and
        # its data are not touched.
        self._frame = frame.reset_index(drop=True)
        self.n_rows = len(frame)
        self.column_names = [str(c) for c in frame.columns]
        # Columns factorised whole, once per call, whichever thread asks first:
        # the parts of a large call (rows(...)) read slices of them, and the
        # store's packing the columns themselves.
        self._factorized: dict[str, Factorized] = {}
        self._factorizing = threading.Lock()
        self._whole: FrameInput | None = None  # the table a part was cut from
        self._start = 0  # where it starts there

    def factorized(self, name: str, values: Any = None) -> Factorized:
        return _factorized_once(self, name, values)

    def factorize_received(self, column: Any) -> tuple[np.ndarray, np.ndarray]:
        name = getattr(column, "name", None)
        if self._whole is None and len(column) == self.n_rows and name in self._frame.columns:
            factorized = self.factorized(str(name))  # the very cells: received() is a view
            return factorized.codes, factorized.uniques
        return factorize_cells(column)

    def column(self, name: str) -> Any:
        return self._frame[name] if name in self._frame.columns else None

    def records(self, names: Sequence[str]) -> list[dict[str, Any]]:
        return RecordsInput(frame_rows(self._frame), {}).records(names)

    def received(self, start: int, stop: int) -> pd.DataFrame:
        return self._frame.iloc[start:stop]

    def rows(self, start: int, stop: int) -> FrameInput:
        part = FrameInput(self._frame.iloc[start:stop])
        part._whole, part._start = self._whole or self, self._start + start
        return part


class RecordsInput(TableInput):
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

    def factorized(self, name: str, values: Any = None) -> Factorized:
        return _factorized_once(self, name, values)

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


def _factorized_once(table: FrameInput | RecordsInput, name: str, values: Any) -> Factorized:
    """A present column of ``table`` factorised once per call, whichever thread
    asks first; a part of a large call (``rows(...)``) reads a slice of its
    whole table's."""
    if table._whole is not None:
        whole = table._whole.factorized(name)
        return whole.rows(table._start, table._start + table.n_rows)
    with table._factorizing:
        column = table._factorized.get(name)
        if column is None:
            cells = table.column(name) if values is None else values
            column = table._factorized[name] = factorize(cells)
    return column


class ColumnsInput(FrameInput):
    def __init__(self, columns: Mapping[str, Any], renames: Mapping[str, str]) -> None:
        import pandas as pd

        frame = pd.DataFrame({renames.get(k, k): list(v) for k, v in columns.items()})
        super().__init__(frame)


def as_table(input_data: Any, config: Config) -> TableInput:
    """Wrap ``input_data`` as a :class:`TableInput`, checking it is a table.

    The caller's object is never modified. Row numbers are 0-based positions
    in the input, whatever a DataFrame's index.

    Raises
    ------
    InvalidInputError
        When the input is not a table: a scalar, a string, ``None``, a list
        holding something other than dicts, a dict holding a scalar, or
        columns of different lengths; also when a column is given under both
        its original and its renamed name, or twice.

    Examples
    --------
    >>> from regression_model.config.core import get_config
    >>> from regression_model.scoring.inputs import as_table
    >>> table = as_table([{"1stFlrSF": 856, "GrLivArea": 1710}], get_config())
    >>> table.n_rows, table.column_names
    (1, ['FirstFlrSF', 'GrLivArea'])
    """
    renames = config.model_config.variables_to_rename
    pandas = loaded_pandas()
    if pandas is not None and isinstance(input_data, pandas.DataFrame):
        check_names(input_data.columns.tolist(), renames)
        # Validation takes so few rows record by record anyway, and pandas'
        # per-column machinery would cost more than the pricing.
        if len(input_data) < tuning.COLUMNWISE_FROM_ROWS:
            return RecordsInput(frame_rows(input_data), renames)
        return FrameInput(input_data.rename(columns=renames))
    if isinstance(input_data, Mapping):
        check_columns(input_data)
        check_names(list(input_data), renames)
        n_rows = length(input_data)
        if n_rows < tuning.COLUMNWISE_FROM_ROWS:  # as records, as a small frame is
            columns = [column_cells(values) for values in input_data.values()]
            return RecordsInput(rows_of_columns(list(input_data), columns, n_rows), renames)
        return ColumnsInput(input_data, renames)
    if isinstance(input_data, Sequence) and not isinstance(input_data, (str, bytes)):
        for position, record in enumerate(input_data):
            if not isinstance(record, Mapping):
                raise InvalidInputError(
                    f"input_data[{position}] is {a_type(record)}, not a record (dict); {HINT}"
                )
        table = RecordsInput(input_data, renames)
        # Records that share their fields share their names' verdict too.
        for position, record in enumerate(input_data[:1] if table.shares_keys else input_data):
            check_names(list(record), renames, where=f"input_data[{position}]: ")
        return table
    raise InvalidInputError(f"input_data is {a_type(input_data)}, not a table; {HINT}")
