"""Property tests: whatever a caller sends, a price or a clear error per row.

Example budget: the "ci" profile in `tox -e test`, "fuzz" in `tox -e fuzz`.
"""

from __future__ import annotations

import json
import math
import pickle
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regression_model.config.core import get_config
from regression_model.errors import InvalidInputError, RegressionModelError
from regression_model.predict import make_prediction
from tests.strategies import JUNK, records

CONFIG = get_config().model_config
LOW, HIGH = CONFIG.plausible_price.min, CONFIG.plausible_price.max

EXTRA_KEYS = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k not in CONFIG.features), JUNK, max_size=2
)


@st.composite
def corrupted_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records generated from the schema, some with bad values, missing and extra keys."""
    rows = draw(records(CONFIG.features, CONFIG.required_features, max_rows=25))
    return [{**row, **draw(EXTRA_KEYS)} for row in rows]


def _check_result(rows: int, result: dict[str, Any]) -> None:
    predictions = result["predictions"]
    assert len(predictions) == rows == len(result["prediction_ids"])
    errors = json.loads(result["errors"]) if result["errors"] else []
    rejected = {e["row"] for e in errors}
    for row, price in enumerate(predictions):
        if price is None:
            assert row in rejected, f"row {row} has no price and no error"
        else:
            assert row not in rejected
            assert math.isfinite(price) and LOW <= price <= HIGH
    for error in errors:
        assert 0 <= error["row"] < rows
        assert error["message"]
        # A field is named, unless the row's price itself was implausible.
        assert error["field"] is not None or "plausible" in error["message"]


@given(rows=corrupted_batches())
def test_records_always_get_a_price_or_an_error(rows: list[dict[str, Any]]) -> None:
    """Lists of corrupted records: one slot per row, finite plausible prices, an error
    naming row and field for every rejected row, valid rows priced, no exception, and
    the caller's records unchanged."""
    before = pickle.dumps(rows)
    try:
        result = make_prediction(input_data=rows)
    except RegressionModelError as error:  # only the package's own, never a crash
        pytest.fail(f"records raised {error!r}")
    assert pickle.dumps(rows) == before
    _check_result(len(rows), result)


@given(rows=corrupted_batches())
def test_dataframes_always_get_a_price_or_an_error(rows: list[dict[str, Any]]) -> None:
    """The same, sent as a DataFrame, which is left unchanged."""
    frame = pd.DataFrame(rows, index=range(len(rows)))
    before = frame.copy(deep=True)
    result = make_prediction(input_data=frame)
    pd.testing.assert_frame_equal(frame, before)
    _check_result(len(rows), result)


NOT_TABLES = st.one_of(
    st.integers(),
    st.floats(),
    st.text(),
    st.none(),
    st.booleans(),
    st.lists(st.one_of(st.integers(), st.text(), st.none()), min_size=1),
    st.dictionaries(st.text(), st.one_of(st.integers(), st.text(), st.none()), min_size=1),
)


@given(value=NOT_TABLES)
def test_non_tables_raise_invalid_input_error(value: Any) -> None:
    """A number, a string, None, a list of scalars or a dict of scalars raises
    InvalidInputError, and nothing else."""
    with pytest.raises(InvalidInputError):
        make_prediction(input_data=value)
