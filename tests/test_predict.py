"""make_prediction: the reference's contract, every row scored or explained."""

from __future__ import annotations

import copy
import json
import logging
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

import regression_model
from regression_model.config.core import Config
from regression_model.errors import InvalidInputError
from regression_model.predict import make_prediction


def test_scores_every_row_of_test_csv(test_frame: pd.DataFrame) -> None:
    """All 1459 rows of the shipped test.csv get a finite, plausible price; errors is None."""
    result = make_prediction(input_data=test_frame)
    assert set(result) >= {"predictions", "version", "errors"}
    assert result["errors"] is None
    assert result["version"] == regression_model.__version__
    prices = result["predictions"]
    assert len(prices) == 1459
    assert all(isinstance(p, float) and 10_000 < p < 2_000_000 for p in prices)


def test_single_rows_equal_the_batch(test_frame: pd.DataFrame) -> None:
    """Each row scored alone gives the same price as in the batch (every 29th row)."""
    batch = make_prediction(input_data=test_frame)["predictions"]
    records = test_frame.to_dict(orient="records")
    for position in range(0, len(records), 29):
        alone = make_prediction(input_data=[records[position]])["predictions"][0]
        assert alone == pytest.approx(batch[position], rel=1e-9), position


def test_input_shapes_and_column_spellings_agree(test_frame: pd.DataFrame) -> None:
    """A DataFrame, records, a dict of columns, and the original digit-led names
    all give the same predictions."""
    head = test_frame.head(25)
    expected = make_prediction(input_data=head)["predictions"]
    original_names = head.rename(
        columns={"FirstFlrSF": "1stFlrSF", "SecondFlrSF": "2ndFlrSF", "ThreeSsnPortch": "3SsnPorch"}
    )
    as_columns = {k: list(v) for k, v in head.to_dict(orient="list").items()}
    for variant in (head.to_dict(orient="records"), as_columns, original_names):
        assert make_prediction(input_data=variant)["predictions"] == pytest.approx(expected)


def test_reads_csv_with_pandas_defaults_too() -> None:
    """A caller using plain pd.read_csv (NA and "None" both NaN) still gets every row scored."""
    from regression_model.config.core import DATASET_DIR

    raw = pd.read_csv(DATASET_DIR / "test.csv")
    result = make_prediction(input_data=raw)
    assert result["errors"] is None
    assert None not in result["predictions"]


def test_callers_data_is_not_modified(test_frame: pd.DataFrame, house: dict[str, Any]) -> None:
    """Neither a DataFrame (values, columns, index) nor a list of dicts is changed."""
    frame = test_frame.head(30).set_index(np.arange(100, 130))
    frame_before = frame.copy(deep=True)
    records = [dict(house, **{"1stFlrSF": house["FirstFlrSF"]}) for _ in range(3)]
    for r in records:
        del r["FirstFlrSF"]
    records_before = copy.deepcopy(records)
    make_prediction(input_data=frame)
    make_prediction(input_data=records)
    pd.testing.assert_frame_equal(frame, frame_before)
    assert records == records_before


def test_invalid_rows_are_reported_and_valid_rows_still_scored(house: dict[str, Any]) -> None:
    """Bad rows get None and an error naming row and field; the others are priced."""
    rows = [house, {**house, "OverallQual": 42}, house, {**house, "GrLivArea": None}]
    result = make_prediction(input_data=rows)
    prices = result["predictions"]
    assert prices[1] is None and prices[3] is None
    assert prices[0] == pytest.approx(prices[2]) and prices[0] is not None
    errors = json.loads(result["errors"])
    assert {(e["row"], e["field"]) for e in errors} == {(1, "OverallQual"), (3, "GrLivArea")}
    assert all(set(e) == {"row", "field", "message"} for e in errors)
    assert "OverallQual" in errors[0]["message"] and "42" in errors[0]["message"]


def test_missing_non_core_fields_are_imputed(house: dict[str, Any], config: Config) -> None:
    """A row holding only the required fields is scored by learned imputation."""
    core = {k: house[k] for k in config.model_config.required_features}
    result = make_prediction(input_data=[core])
    assert result["errors"] is None
    assert 10_000 < result["predictions"][0] < 2_000_000


def test_unknown_columns_are_ignored(house: dict[str, Any]) -> None:
    """Extra keys do not change the price."""
    plain = make_prediction(input_data=[house])["predictions"][0]
    extra = make_prediction(input_data=[{**house, "Colour": "blue"}])["predictions"][0]
    assert plain == extra


def test_empty_input_gives_empty_predictions() -> None:
    """No rows in, no rows out, no error."""
    result = make_prediction(input_data=[])
    assert result["predictions"] == [] and result["errors"] is None


@pytest.mark.parametrize(
    "bad",
    [3, "GrLivArea", None, [1, 2], {"GrLivArea": 1500}, [{"GrLivArea": 1}, 7], 2.5],
)
def test_non_tables_raise_invalid_input_error(bad: Any) -> None:
    """Input that is not a table raises InvalidInputError, a ValueError."""
    with pytest.raises(InvalidInputError) as info:
        make_prediction(input_data=bad)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("bad", "said"),
    [(3, "input_data is an int,"), ("x", "input_data is a str,"), ([{}, 7], "[1] is an int,")],
)
def test_a_non_table_is_named_with_its_article(bad: Any, said: str) -> None:
    """The refusal names what was passed in plain English: "an int", "a str"."""
    with pytest.raises(InvalidInputError, match=re.escape(said)):
        make_prediction(input_data=bad)


def test_both_spellings_of_a_column_is_an_error(house: dict[str, Any]) -> None:
    """Sending 1stFlrSF and FirstFlrSF together is ambiguous and refused."""
    with pytest.raises(InvalidInputError, match="1stFlrSF"):
        make_prediction(input_data=[{**house, "1stFlrSF": 900}])


def test_logs_one_info_per_call_and_one_debug_per_row(
    house: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """INFO carries version, rows, rejected rows and duration; DEBUG carries each row's
    JSON-serialisable inputs and output."""
    with caplog.at_level(logging.DEBUG, logger="regression_model"):
        make_prediction(input_data=[house, {**house, "GrLivArea": -1}])
    infos = [r for r in caplog.records if r.levelno == logging.INFO]
    debugs = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(infos) == 1 and len(debugs) == 2
    info: Any = infos[0]
    assert (info.model_version, info.rows, info.rejected_rows) == (
        regression_model.__version__,
        2,
        1,
    )
    assert info.duration_ms > 0
    first: Any = debugs[0]
    second: Any = debugs[1]
    assert first.row == 0 and first.inputs["GrLivArea"] == house["GrLivArea"]
    assert first.prediction > 0 and first.errors == []
    assert second.prediction is None and second.errors[0]["field"] == "GrLivArea"
    json.dumps([first.inputs, second.inputs, second.errors])


def test_package_logger_has_only_a_null_handler() -> None:
    """A library leaves handlers to the application."""
    handlers = logging.getLogger("regression_model").handlers
    assert [type(h) for h in handlers] == [logging.NullHandler]


@pytest.mark.slow
def test_records_are_recorded_without_importing_pandas(tmp_path: Any) -> None:
    """A fresh process that scores a few records (a list of dicts, one of them
    rejected) and records them in a SQLite store never imports pandas, about a
    fifth of a first call's time; a DataFrame still scores once pandas is there.
    (What a call with the store off imports: tests/integration/test_layout.py.)"""
    import os
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    script = (
        "import sys\n"
        "from regression_model.predict import make_prediction\n"
        "rows = [dict(OverallQual=7, GrLivArea=1710, Neighborhood='CollgCr', YrSold=2008),\n"
        "        dict(OverallQual=5, GrLivArea=-1, Neighborhood='NAmes', YrSold=2009)]\n"
        "one = make_prediction(input_data=rows[:1])\n"
        "two = make_prediction(input_data=rows)\n"
        "assert one['predictions'][0] > 0 and two['predictions'][1] is None, two\n"
        "print('pandas' in sys.modules)\n"
        "import pandas as pd\n"
        "frame = make_prediction(input_data=pd.DataFrame(rows[:1]))\n"
        "assert frame['predictions'] == one['predictions'], frame\n"
    )
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def _houses_with_faults(size: int) -> pd.DataFrame:
    """``size`` rows of test.csv and train.csv as pandas.read_csv gives them, one
    in seven with a fault: an impossible area, an unknown neighbourhood, a
    required field missing."""
    from regression_model.config.core import DATASET_DIR

    houses = pd.concat(
        [
            pd.read_csv(DATASET_DIR / "test.csv"),
            pd.read_csv(DATASET_DIR / "train.csv").drop(columns="SalePrice"),
        ],
        ignore_index=True,
    )
    rows = houses.sample(size, replace=size > len(houses), random_state=size)
    rows = rows.reset_index(drop=True)
    faults = [("GrLivArea", -20.0), ("Neighborhood", "Atlantis"), ("OverallQual", np.nan)]
    for number, row in enumerate(range(3, size, 7)):
        name, value = faults[number % len(faults)]
        rows.loc[row, name] = value
    return rows


@pytest.mark.parametrize(
    "size", [1, 20, 31, 32, 1000, pytest.param(20_000, marks=pytest.mark.slow)]
)
def test_every_input_form_gives_the_same_result(size: int) -> None:
    """Records, the course's DataFrame (object columns holding None), a jsonable
    frame, a read_csv frame (NaN gaps), nullable, category and (where installed)
    pyarrow dtypes, and a dict of columns: the very same prices, ranges, errors
    and warnings, at sizes on both sides of the row-by-row threshold and of
    pricing in parts on threads (20,000 rows)."""
    from benchmarks.input_forms import available_forms

    raw = _houses_with_faults(size)
    results = {
        name: make_prediction(input_data=build(raw)) for name, build in available_forms().items()
    }
    expected = results.pop("records")
    if size > 3:
        assert expected["errors"] is not None  # the faults are there to compare
    for name, result in results.items():
        for key in ("predictions", "intervals", "errors", "warnings"):
            assert result[key] == expected[key], (name, key)


@pytest.mark.parametrize("size", [1, 20, 40])
def test_a_frame_is_recorded_as_its_records_are(size: int, store_url: str) -> None:
    """A DataFrame call's stored inputs read back as the same call's records do:
    the same values for every field, None for every gap, on either side of the
    row-by-row threshold (small frames are read as records, larger ones are
    packed column by column)."""
    from benchmarks.input_forms import as_records, course_frame
    from regression_model import audit

    raw = _houses_with_faults(size)
    by_frame = make_prediction(input_data=course_frame(raw))["prediction_ids"]
    by_records = make_prediction(input_data=as_records(raw))["prediction_ids"]
    for frame_id, records_id in zip(by_frame, by_records, strict=True):
        frame_record, records_record = audit.get_record(frame_id), audit.get_record(records_id)
        assert frame_record is not None and records_record is not None
        assert frame_record["inputs"] == records_record["inputs"]
        assert frame_record["prediction"] == records_record["prediction"]


def _stored_inputs(call_id: str) -> list[Any]:
    """Each stored chunk of a call as ``decode_columns`` reads it: a dict of
    columns when kept column by column, a list of rows when kept as JSON lines."""
    from sqlalchemy import select

    from regression_model import audit
    from regression_model.store.codec import decode_columns
    from regression_model.store.tables import call_chunks

    store = audit.get_store()
    assert store is not None
    with store.engine.connect() as connection:
        blobs = connection.execute(
            select(call_chunks.c.inputs)
            .where(call_chunks.c.call_id == call_id)
            .order_by(call_chunks.c.first_row)
        ).scalars()
        return [decode_columns(blob)[1] for blob in blobs]


def _recorded(rows: list[dict[str, Any]], config: Config) -> tuple[list[Any], list[str]]:
    """Score ``rows`` (recorded), and each row's stored inputs as JSON text
    beside what JSON lines of the row (renamed) read back as."""
    from regression_model import audit
    from regression_model.store.codec import json_text

    renames = config.model_config.variables_to_rename
    result = make_prediction(input_data=rows)
    call_id = audit.get_record(result["prediction_ids"][0])["call_id"]  # type: ignore[index]
    stored = [json.dumps(r["inputs"]) for r in audit.iter_records(call_id=call_id)]
    expected = [
        json.dumps(json.loads(json_text({renames.get(k, k): v for k, v in row.items()})))
        for row in rows
    ]
    assert stored == expected
    return _stored_inputs(call_id), result["prediction_ids"]


def test_records_sharing_their_fields_are_stored_column_by_column(
    store_url: str, config: Config
) -> None:
    """A call of records that all have the same fields in the same order, from
    tuning.STORE_COLUMNS_FROM_ROWS rows on, is stored column by column, and each
    record reads back as JSON lines of it do (ints as ints, floats as floats,
    NaN and infinities as None, 1stFlrSF renamed); records whose fields differ,
    or come in another order, and smaller calls are kept as JSON lines."""
    from regression_model import tuning

    rows = _houses_with_faults(tuning.STORE_COLUMNS_FROM_ROWS).to_dict("records")  # 1stFlrSF
    rows[1]["LotFrontage"], rows[2]["LotArea"] = math.inf, 2**70  # read back None; cell by cell
    (chunk,), _ = _recorded(rows, config)
    assert isinstance(chunk, dict) and chunk["LotFrontage"][0].dtype.kind == "f"
    assert chunk["YrSold"][1] == frozenset({int}) and "FirstFlrSF" in chunk
    smaller = _recorded(rows[:-1], config)[0][0]
    without_alley = [{k: v for k, v in r.items() if k != "Alley"} for r in rows]
    lacking = _recorded([rows[0], *without_alley], config)[0][0]
    reordered = _recorded([dict(reversed(rows[0].items())), *rows[1:]], config)[0][0]
    assert [type(c) for c in (smaller, lacking, reordered)] == [list, list, list]


def test_a_large_records_call_is_stored_and_replayed_as_its_records(
    store_url: str, config: Config
) -> None:
    """25,000 records in the form a JSON client sends (priced in parts on threads,
    packed aside while they are priced, stored in three chunks) are priced as
    the same rows in a DataFrame are, stored column by column, read back as JSON
    lines of them do, and replay to their prices."""
    from benchmarks.input_forms import as_records, csv_frame
    from regression_model import audit

    raw = _houses_with_faults(25_000)
    rows = as_records(raw)
    chunks, ids = _recorded(rows, config)
    assert [type(c) for c in chunks] == [dict, dict, dict]
    by_frame = make_prediction(input_data=csv_frame(raw))
    by_records = [audit.get_record(i)["prediction"] for i in ids[::997]]  # type: ignore[index]
    assert by_records == by_frame["predictions"][::997]
    for prediction_id in ids[::4999]:
        assert audit.reproduce(prediction_id)["match"] is True
