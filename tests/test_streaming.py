"""predict_file: every row of a file scored chunk by chunk, recorded, in order."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


def _run_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("regression_model")]


def test_log_numbers_rows_by_file_row(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """In chunks of 200, every log record of the run that names a row names its file
    row: one DEBUG price record per file row, one DEBUG record per warning at the row
    the output gives it, and one short WARNING line naming how many rows were priced
    beyond the training data and the first of them; no record of a chunk's own rows."""
    out = tmp_path / "scored.csv"
    with caplog.at_level(logging.DEBUG, logger="regression_model"):
        predict_file(DATASET_DIR / "test.csv", out, chunk_size=200)
    scored = pd.read_csv(out)
    warned = [
        (row, w["message"])
        for row, text in zip(scored["row"], scored["warnings"], strict=True)
        if isinstance(text, str)
        for w in json.loads(text)
    ]
    assert warned and max(row for row, _ in warned) > 200  # some beyond the first chunk
    records = _run_records(caplog)
    priced = [r for r in records if r.levelno == logging.DEBUG and "prediction_id" in vars(r)]
    assert [r.row for r in priced] == list(range(1459))
    assert [r.prediction_id for r in priced] == scored["prediction_id"].tolist()
    assert priced[0].getMessage() == f"row 0 -> {float(scored.loc[0, 'prediction'])!r}"
    told = [(r.row, r.warning["message"]) for r in records if "warning" in vars(r)]
    assert told == warned
    (summary,) = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    rows = len({row for row, _ in warned})
    first = warned[0][0]
    assert summary.startswith(
        f"{DATASET_DIR / 'test.csv'}: {rows} rows priced beyond what the model learned, "
        f"the first at row {first:,} ("
    ), summary
    assert len(summary) - len(str(DATASET_DIR / "test.csv")) < 200, summary


@contextmanager
def _console_log() -> Iterator[None]:
    """INFO records printed to stderr (as captured now), as a program that
    configured logging has them."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("LOG %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _screen_lines(text: str) -> list[str]:
    """What a terminal shows of each line: the text after its last carriage return."""
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n")]


def test_progress_bar_has_a_total_and_log_lines_clear_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV file's bar counts its bytes against the file's size, so it shows a
    percentage and the time left, and ends at 100% with the rows read; log records
    made while it shows go through tqdm, each on a line of its own (not after the
    bar's text)."""
    with _console_log():
        predict_file(DATASET_DIR / "test.csv", tmp_path / "out.csv", chunk_size=200, progress=True)
    err = capsys.readouterr().err
    bars = [line for line in _screen_lines(err) if line.startswith("scoring")]
    assert re.search(r"\d\d%\|.*\[\d\d:\d\d<\d\d:\d\d", bars[0]), err
    assert re.search(r"^scoring: 100%\|.*, 1,459 rows\] *$", bars[-1]), bars[-1]
    logged = [line for line in _screen_lines(err) if "LOG INFO" in line]
    assert all(line.startswith("LOG INFO") for line in logged), err
    assert len([line for line in logged if line.startswith("LOG INFO scored")]) == 8, err


def test_parquet_progress_bar_counts_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Parquet file's bar counts rows against the count its footer gives."""
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    source = tmp_path / "houses.parquet"
    read_house_csv(DATASET_DIR / "test.csv").to_parquet(source)
    predict_file(source, tmp_path / "out.csv", chunk_size=500, progress=True)
    bars = [line for line in _screen_lines(capsys.readouterr().err) if line.startswith("scoring")]
    assert re.search(r"^scoring: 100%\|.*\| 1459/1459 \[", bars[-1]), bars
