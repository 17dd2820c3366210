"""The column-wise validator gives the row-wise (pydantic) validator's verdicts
and messages on the same rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given

from regression_model.config.core import Config, get_config
from regression_model.scoring.inputs import FrameInput, RecordsInput
from regression_model.scoring.validators import validate_columns, validate_rows
from tests.strategies import records

FEATURES = get_config().model_config.features
REQUIRED = get_config().model_config.required_features
RENAMES = get_config().model_config.variables_to_rename


def _same(left: Any, right: Any, config: Config) -> None:
    assert [(e.row, e.field, e.message) for e in left.errors] == [
        (e.row, e.field, e.message) for e in right.errors
    ]
    assert left.valid_rows.tolist() == right.valid_rows.tolist()
    pd.testing.assert_frame_equal(left.frame(config), right.frame(config))


def test_both_ways_agree_on_test_csv(config: Config, test_frame: pd.DataFrame) -> None:
    """On all of test.csv, both validators keep every row and build the same frame."""
    table = FrameInput(test_frame)
    _same(validate_rows(table, config), validate_columns(table, config), config)


def test_both_ways_agree_on_bad_cells(config: Config, test_frame: pd.DataFrame) -> None:
    """Bad values in typed and object columns get the same errors both ways."""
    frame = test_frame.head(40).copy()
    frame["GrLivArea"] = frame["GrLivArea"].astype(object)
    frame.loc[3, "GrLivArea"] = True
    frame.loc[4, "GrLivArea"] = "1500"
    frame.loc[5, "OverallQual"] = 11
    frame.loc[6, "Neighborhood"] = "Nowhere"
    frame.loc[7, "BsmtQual"] = "NA"
    frame.loc[8, "YrSold"] = np.nan
    frame.loc[9, "MSSubClass"] = 25
    table = FrameInput(frame)
    rows, columns = validate_rows(table, config), validate_columns(table, config)
    _same(rows, columns, config)
    assert {e.row for e in rows.errors} == {3, 4, 5, 6, 8, 9}


@given(rows=records(FEATURES, REQUIRED))
def test_both_ways_agree_on_generated_records(rows: list[dict[str, Any]]) -> None:
    """Generated records (valid, missing, junk, out-of-range values), given as records
    and as a DataFrame: row-wise and column-wise verdicts and messages are identical."""
    config = get_config()
    _same(
        validate_rows(RecordsInput(rows, RENAMES), config),
        validate_columns(RecordsInput(rows, RENAMES), config),
        config,
    )
    frame = pd.DataFrame(rows, index=range(len(rows)))
    _same(
        validate_rows(FrameInput(frame), config),
        validate_columns(FrameInput(frame), config),
        config,
    )


def test_a_single_record_gives_the_columns_of_a_batch(
    config: Config, test_frame: pd.DataFrame
) -> None:
    """A valid record validated alone keeps its Python values for the scoring
    plan; asked for its columns, it gives those of the same record in a batch."""
    for record in test_frame.head(25).to_dict(orient="records"):
        alone = validate_rows(RecordsInput([record], {}), config)
        pair = validate_rows(RecordsInput([record, record], {}), config)
        assert alone.valid_rows.tolist() == [0] and not alone.errors
        assert _same_with_nan(alone.row_values(0), pair.row_values(0))
        assert alone.numeric.keys() == pair.numeric.keys()
        for name, values in alone.numeric.items():
            np.testing.assert_array_equal(values, pair.numeric[name][:1])
        for name, cat in alone.categorical.items():
            assert cat.values().tolist() == pair.categorical[name].values()[:1].tolist()


def _same_with_nan(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Equal dicts, NaN equal to NaN."""
    return left.keys() == right.keys() and all(
        left[k] == right[k] or (left[k] != left[k] and right[k] != right[k]) for k in left
    )


def test_both_ways_agree_on_typed_number_columns(config: Config, test_frame: pd.DataFrame) -> None:
    """Number columns held as int64 and float64, the case the column-wise validator
    clears by their least and greatest value: values beyond the bounds, a
    fraction in a count, infinities, and columns of nothing but missing values
    get the same errors both ways, and clean columns none."""
    frame = test_frame.head(30).copy()
    frame["GrLivArea"] = frame["GrLivArea"].astype(np.int64)
    frame.loc[2, "GrLivArea"] = 10**9  # beyond the bound, in an int64 column
    frame["OverallQual"] = frame["OverallQual"].astype(np.float64)
    frame.loc[4, "OverallQual"] = 5.5  # a fraction in a whole-number field
    frame["LotArea"] = frame["LotArea"].astype(np.float64)
    frame.loc[6, "LotArea"] = np.inf
    frame.loc[7, "LotArea"] = -np.inf
    frame["PoolArea"] = np.nan  # nothing but missing values
    frame["YearBuilt"] = frame["YearBuilt"].astype(np.float64)  # whole floats: clean
    table = FrameInput(frame)
    rows, columns = validate_rows(table, config), validate_columns(table, config)
    _same(rows, columns, config)
    assert {(e.row, e.field) for e in rows.errors} == {
        (2, "GrLivArea"),
        (4, "OverallQual"),
        (6, "LotArea"),
        (7, "LotArea"),
    }


def test_both_ways_agree_on_narrow_and_nullable_number_columns(
    config: Config, test_frame: pd.DataFrame
) -> None:
    """Number columns of other widths and pandas' nullable integers: numpy's
    become floats directly, a nullable column's NA becomes a missing value
    (an error only in a required field), and a value beyond its bound is an
    error both ways."""
    frame = test_frame.head(30).copy()
    frame["GrLivArea"] = frame["GrLivArea"].astype("Int64")
    frame.loc[2, "GrLivArea"] = pd.NA  # required: an error
    frame.loc[3, "GrLivArea"] = 10**9  # beyond the bound
    frame["LotArea"] = frame["LotArea"].astype("Int64")
    frame.loc[5, "LotArea"] = pd.NA  # optional: missing, no error
    frame["OverallQual"] = frame["OverallQual"].astype(np.uint8)
    frame["YearBuilt"] = frame["YearBuilt"].astype(np.int32)
    frame["MasVnrArea"] = frame["MasVnrArea"].astype(np.float32)
    table = FrameInput(frame)
    rows, columns = validate_rows(table, config), validate_columns(table, config)
    _same(rows, columns, config)
    assert {(e.row, e.field) for e in rows.errors} == {(2, "GrLivArea"), (3, "GrLivArea")}
    assert np.isnan(columns.numeric["LotArea"][columns.valid_rows.tolist().index(5)])
