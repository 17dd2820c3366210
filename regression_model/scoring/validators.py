"""Validated rows in columnar form, reached row by row or column by column.

Both validators apply :class:`~regression_model.scoring.schema.HouseDataInputSchema`
and give the same verdicts and messages (a test checks it on generated rows):

* :func:`validate_rows` runs pydantic on each record: cheapest for a few rows.
* :func:`validate_columns` checks whole columns with numpy, using bounds and
  categories read from the schema itself, and hands every cell it cannot
  clear to pydantic, so the message is pydantic's own: fastest for batches.

pandas is imported by the functions that use it: a few records are validated
without it.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
from pydantic import ValidationError

from regression_model import tuning
from regression_model.config.core import Config
from regression_model.scoring.columns import CatColumn, ValidatedBatch
from regression_model.scoring.columnwise import category_column, cell, numeric_column
from regression_model.scoring.inputs import TableInput
from regression_model.scoring.rules import field_rules
from regression_model.scoring.schema import (
    HouseDataInputSchema,
    RowError,
    row_errors,
)

__all__ = [
    "factorize_text",
    "validate_columns",
    "validate_rows",
    "validate_table",
]


@cache
def _field_order() -> dict[str, int]:
    """Each field's position in the schema: errors of a row are listed so."""
    return {name: i for i, name in enumerate(HouseDataInputSchema.model_fields)}


def _field_error(row: int, name: str, value: Any) -> tuple[Any, list[RowError]]:
    """Validate one cell through the schema: its clean value, or its errors."""
    try:
        checked = HouseDataInputSchema.model_validate({name: value})
    except ValidationError as error:
        return None, row_errors(row, error)
    return getattr(checked, name), []


def _finish(
    n_rows: int,
    config: Config,
    bad_rows: set[int],
    errors: list[tuple[int, int, RowError]],
    numeric: dict[str, np.ndarray],
    categorical: dict[str, CatColumn],
) -> ValidatedBatch:
    """Add the required-field errors of otherwise valid rows, keep the valid rows."""
    model_cfg = config.model_config
    order = _field_order()
    for rank, name in enumerate(model_cfg.required_features):
        if name in numeric:
            missing = np.flatnonzero(np.isnan(numeric[name]))
        else:
            missing = np.flatnonzero(categorical[name].codes < 0)
        for row in missing.tolist():
            if row not in bad_rows:
                message = f"{name}: required, a price cannot be estimated without it"
                errors.append((row, len(order) + rank, RowError(row, name, message)))
    rejected = {row for row, _, _ in errors}
    errors.sort(key=lambda item: (item[0], item[1]))
    if not rejected:
        return ValidatedBatch(n_rows, np.arange(n_rows), [], numeric, categorical)
    keep = np.array([r for r in range(n_rows) if r not in rejected], dtype=np.int64)
    return ValidatedBatch(
        n_rows=n_rows,
        valid_rows=keep,
        errors=[e for _, _, e in errors],
        numeric={k: v[keep] for k, v in numeric.items()},
        categorical={k: c.take(keep) for k, c in categorical.items()},
    )


def _as_category_codes(name: str, values: Any, config: Config) -> CatColumn:
    if name in config.model_config.numeric_codes_as_category:
        if len(values) < tuning.COLUMNWISE_FROM_ROWS:
            return CatColumn.from_values(
                [None if v is None or v != v else str(int(v)) for v in values]
            )
        # Factorise the numbers first, then name the few distinct codes: 20 -> "20".
        if isinstance(values, np.ndarray) and values.dtype == np.float64:
            numbers = values
        else:
            numbers = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        import pandas as pd

        codes, uniques = pd.factorize(numbers, use_na_sentinel=True)
        names = np.empty(len(uniques), dtype=object)
        names[:] = [str(int(u)) for u in uniques]
        return CatColumn(np.asarray(codes, dtype=np.int64), names)
    return CatColumn.from_values(values)


def validate_rows(table: TableInput, config: Config) -> ValidatedBatch:
    """Validate record by record with pydantic.

    Examples
    --------
    >>> from regression_model.config.core import get_config
    >>> from regression_model.scoring.inputs import as_table
    >>> from regression_model.scoring.validators import validate_rows
    >>> rows = [{"GrLivArea": 1500, "OverallQual": 5, "Neighborhood": "NAmes", "YrSold": 2008},
    ...         {"GrLivArea": -3, "OverallQual": 5, "Neighborhood": "NAmes", "YrSold": 2008}]
    >>> batch = validate_rows(as_table(rows, get_config()), get_config())
    >>> batch.valid_rows.tolist(), [(e.row, e.field) for e in batch.errors]
    ([0], [(1, 'GrLivArea')])
    """
    features = config.model_config.features
    rules = field_rules()
    order = _field_order()
    errors: list[tuple[int, int, RowError]] = []
    clean: list[dict[str, Any]] = []
    bad_rows: set[int] = set()
    for position, record in enumerate(table.records(features)):
        try:
            checked = HouseDataInputSchema.model_validate(record)
        except ValidationError as error:
            bad_rows.add(position)
            for item in row_errors(position, error):
                errors.append((position, order.get(item.field or "", -1), item))
            clean.append(dict.fromkeys(features))
            continue
        clean.append({name: getattr(checked, name) for name in features})
    if table.n_rows == 1 and not bad_rows:
        # One valid row, the common single call: the plan reads its values as
        # they are, so no column is made unless a required field is missing.
        row = _row_values(clean[0], config)
        if not any(_absent(row[name]) for name in config.model_config.required_features):
            return ValidatedBatch.of_row(row)
    numeric: dict[str, np.ndarray] = {}
    categorical: dict[str, CatColumn] = {}
    for name in features:
        values = [row[name] for row in clean]
        if rules[name].kind == "category" or name in config.model_config.numeric_codes_as_category:
            categorical[name] = _as_category_codes(name, values, config)
        else:
            numeric[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return _finish(table.n_rows, config, bad_rows, errors, numeric, categorical)


def _row_values(clean: dict[str, Any], config: Config) -> dict[str, Any]:
    """One valid record's values as the columns would hold them: floats (NaN
    for missing), categories as str or None, dwelling codes as text."""
    rules = field_rules()
    as_category = config.model_config.numeric_codes_as_category
    values: dict[str, Any] = {}
    for name, value in clean.items():
        if name in as_category:
            values[name] = None if value is None or value != value else str(int(value))
        elif rules[name].kind == "category":
            values[name] = value
        else:
            values[name] = math.nan if value is None else float(value)
    return values


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def validate_columns(table: TableInput, config: Config) -> ValidatedBatch:
    """Validate column by column with numpy; pydantic judges every cell the fast
    checks cannot clear, so verdicts and messages match :func:`validate_rows`."""
    features = config.model_config.features
    rules = field_rules()
    order = _field_order()
    n_rows = table.n_rows
    errors: list[tuple[int, int, RowError]] = []
    bad_rows: set[int] = set()
    numeric: dict[str, np.ndarray] = {}
    categorical: dict[str, CatColumn] = {}

    def slow_cells(name: str, values: Any, rows: np.ndarray, clean: Any) -> None:
        for row in rows.tolist():
            value, found = _field_error(row, name, cell(values, row))
            if found:
                bad_rows.add(row)
                errors.extend((row, order[name], e) for e in found)
            clean[row] = value

    for name in features:
        rule = rules[name]
        values = table.column(name)
        if rule.kind == "category":
            coded = category_column(rule, table, name, values)
            if coded is None:  # unhashable cells or mixed types: judge each cell
                clean_values = np.full(n_rows, None, dtype=object)
                slow_cells(name, values, np.arange(n_rows), clean_values)
                column = CatColumn.from_values(clean_values)
            else:
                column, doubtful = coded
                if len(doubtful):
                    clean_values = column.values()
                    slow_cells(name, values, doubtful, clean_values)
                    column = CatColumn.from_values(clean_values)
            categorical[name] = column
            continue
        numbers, doubtful = numeric_column(rule, values, n_rows)
        if len(doubtful):
            clean_numbers = numbers.astype(object)
            slow_cells(name, values, doubtful, clean_numbers)
            numbers = np.array(
                [np.nan if v is None else v for v in clean_numbers], dtype=np.float64
            )
        if name in config.model_config.numeric_codes_as_category:
            categorical[name] = _as_category_codes(name, numbers, config)
        else:
            numeric[name] = numbers
    return _finish(n_rows, config, bad_rows, errors, numeric, categorical)


def factorize_text(table: TableInput, config: Config) -> None:
    """Factorise the table's text features whole (see
    :meth:`~regression_model.scoring.inputs.TableInput.factorized`), before
    its parts are validated on threads of their own."""
    rules = field_rules()
    present = set(table.column_names)
    for name in config.model_config.features:
        if name in present and rules[name].kind == "category":
            try:
                table.factorized(name)
            except TypeError:  # unhashable cells: validation judges each one
                continue


def validate_table(table: TableInput, config: Config) -> ValidatedBatch:
    """Validate with whichever validator is faster for this many rows."""
    if table.n_rows < tuning.COLUMNWISE_FROM_ROWS:
        return validate_rows(table, config)
    return validate_columns(table, config)
