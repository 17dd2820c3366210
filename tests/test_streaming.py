"""predict_file: every row of a file scored chunk by chunk, recorded, in order."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from regression_model import audit
from regression_model.config.core import DATASET_DIR
from regression_model.data import read_house_csv
from regression_model.errors import InvalidInputError
from regression_model.predict import make_prediction
from regression_model.streaming import predict_file


@pytest.fixture()
def csv_with_bad_rows(tmp_path: Path) -> Path:
    """test.csv with rows 5 and 1203 broken (negative area, unknown neighborhood)."""
    frame = pd.read_csv(DATASET_DIR / "test.csv", keep_default_na=False, na_values=["NA"])
    frame.loc[5, "GrLivArea"] = -1
    frame.loc[1203, "Neighborhood"] = "Atlantis"
    path = tmp_path / "houses.csv"
    frame.to_csv(path, index=False, na_rep="NA")
    return path


def test_csv_chunks_give_the_batch_result(csv_with_bad_rows: Path, tmp_path: Path) -> None:
    """Scoring in chunks of 200 gives one output row per input row, in order, with the
    prices of a single batch call, the bad rows' errors numbered from the file's start,
    and every row recorded under its prediction id."""
    out, errs = tmp_path / "scored.csv", tmp_path / "errors.jsonl"
    summary = predict_file(csv_with_bad_rows, out, chunk_size=200, errors=errs)
    assert (summary.rows, summary.scored, summary.rejected, summary.chunks) == (1459, 1457, 2, 8)
    scored = pd.read_csv(out)
    assert scored["row"].tolist() == list(range(1459))
    whole = make_prediction(input_data=read_house_csv(csv_with_bad_rows))
    expected = pd.Series(whole["predictions"], dtype="float64")
    pd.testing.assert_series_equal(scored["prediction"], expected, check_names=False, rtol=1e-12)
    assert scored["prediction"].isna().tolist().count(True) == 2
    error_rows = [json.loads(line) for line in errs.read_text().splitlines()]
    assert [(e["row"], e["field"]) for e in error_rows] == [
        (5, "GrLivArea"),
        (1203, "Neighborhood"),
    ]
    assert json.loads(scored.loc[1203, "errors"])[0]["row"] == 1203
    record = audit.get_record(scored.loc[1203, "prediction_id"])
    assert record is not None and record["errors"][0]["field"] == "Neighborhood"
    assert audit.get_record(scored.loc[0, "prediction_id"])["prediction"] == pytest.approx(  # type: ignore[index]
        scored.loc[0, "prediction"], rel=1e-12
    )


def test_parquet_round_trip(tmp_path: Path) -> None:
    """Parquet in, Parquet out: same rows and prices as CSV."""
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    source = tmp_path / "houses.parquet"
    read_house_csv(DATASET_DIR / "test.csv").to_parquet(source)
    out = tmp_path / "scored.parquet"
    summary = predict_file(source, out, chunk_size=1000)
    assert (summary.rows, summary.scored, summary.chunks) == (1459, 1459, 2)
    scored = pd.read_parquet(out)
    expected = make_prediction(input_data=read_house_csv(DATASET_DIR / "test.csv"))
    assert scored["prediction"].tolist() == pytest.approx(expected["predictions"], rel=1e-12)


def test_jsonl_and_unknown_format(tmp_path: Path) -> None:
    """JSON lines work; an unknown suffix asks for the format."""
    source = tmp_path / "houses.jsonl"
    read_house_csv(DATASET_DIR / "test.csv").head(10).to_json(source, orient="records", lines=True)
    summary = predict_file(source, tmp_path / "out.jsonl")
    assert (summary.rows, summary.scored) == (10, 10)
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == 10 and json.loads(lines[9])["row"] == 9
    with pytest.raises(InvalidInputError, match="format"):
        predict_file(tmp_path / "houses.xlsx", tmp_path / "out.csv")
