"""Turn what a caller passes into a table with the reference's column names.

A :class:`TableInput` gives the validators columns (for large batches) or
records (for small ones) and the rows as received (which the prediction store
keeps), without copying or modifying the caller's object. A DataFrame or a
dict of columns is a :class:`FrameInput`; a list of records, or a small frame
read as records, a :class:`RecordsInput` (``records_input``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from regression_model import tuning
from regression_model.config.core import Config
from regression_model.errors import InvalidInputError
from regression_model.scoring.factorize import Factorized, factorize_cells
from regression_model.scoring.frame_cells import column_cells, frame_rows, rows_of_columns
from regression_model.scoring.records_input import RecordsInput
from regression_model.scoring.table_input import PartedTable, TableInput
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


class FrameInput(PartedTable):
    def __init__(self, frame: pd.DataFrame) -> None:
        # rename() is lazy under pandas' copy-on-write: the caller's frame and
        # its data are not touched.
        self._frame = frame.reset_index(drop=True)
        self.n_rows = len(frame)
        self.column_names = [str(c) for c in frame.columns]
        self._factorized: dict[str, Factorized] = {}
        self._factorizing = threading.Lock()
        self._whole = None
        self._start = 0

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
