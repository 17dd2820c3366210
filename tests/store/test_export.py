"""Exports of the records: flat tables an auditor reads without this package."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from regression_model import audit
from regression_model.cli import main
from regression_model.predict import make_prediction
from regression_model.scoring.rules import field_rules
from regression_model.store.export import RECORD_COLUMNS


def _mixed_calls(test_frame: pd.DataFrame, house: dict[str, Any]) -> list[str]:
    """Three calls: a DataFrame of 300 houses (some priced beyond training), records
    with a rejected row (a word for a number, a field outside the contract, missing
    fields), and one house sent with a field as null. Returns every prediction id."""
    ids = make_prediction(input_data=test_frame.head(300))["prediction_ids"]
    ids += make_prediction(
        input_data=[
            {"OverallQual": 6, "GrLivArea": 1200, "Neighborhood": "NAmes", "YrSold": 2009},
            {"OverallQual": "seven", "GrLivArea": 90000.5, "Neighborhood": "Zzz", "Porch": 3},
        ]
    )["prediction_ids"]
    ids += make_prediction(input_data=[{**house, "Alley": None, "GarageCars": 2.0}])[
        "prediction_ids"
    ]
    return ids


def _record_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A record rebuilt from one exported row, as ``get_record`` gives it."""
    absent = set(json.loads(row["inputs_absent"] or "[]"))
    inputs = {name: row[name] for name in field_rules() if name not in absent}
    inputs.update(json.loads(row["inputs_unparsed"] or "{}"))
    price = row["prediction"]
    return {
        "prediction_id": row["prediction_id"],
        "call_id": row["call_id"],
        "row_number": row["row_number"],
        "created_at": row["created_at"],
        "model_version": row["model_version"],
        "model_identity": row["model_identity"],
        "artifact_sha256": row["artifact_sha256"],
        "config_fingerprint": row["config_fingerprint"],
        "inputs": inputs,
        "prediction": price,
        "interval": None if row["lower"] is None else [row["lower"], row["upper"]],
        "errors": json.loads(row["errors"]) if row["errors"] else None,
        "warnings": json.loads(row["warnings"]) if row["warnings"] else None,
    }


def test_parquet_export_read_by_duckdb_is_what_get_record_returns(
    empty_store_url: str, tmp_path: Path, test_frame: pd.DataFrame, house: dict[str, Any]
) -> None:
    """Every record of the Parquet export, queried with DuckDB (not this package), holds
    exactly what ``get_record`` returns: ids, time, model, price, range, errors,
    warnings and every input, typed, unparsed or absent."""
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    import duckdb

    ids = _mixed_calls(test_frame, house)
    path = tmp_path / "records.parquet"
    assert audit.export_records(path) == len(ids)
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    cursor = connection.execute(f"SELECT * FROM read_parquet('{path}') ORDER BY prediction_id")
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    assert names[: len(RECORD_COLUMNS)] == list(RECORD_COLUMNS)
    assert [row["prediction_id"] for row in rows] == sorted(ids)
    for row in rows:
        assert _record_from_row(row) == audit.get_record(row["prediction_id"])
    assert any(row["warnings"] for row in rows) and any(row["inputs_unparsed"] for row in rows)


def test_text_exports_hold_the_same_rows(
    empty_store_url: str, tmp_path: Path, test_frame: pd.DataFrame, house: dict[str, Any]
) -> None:
    """CSV and JSON lines exports (written by the command line) carry the same records,
    columns and prices as the Parquet one, with times in ISO 8601."""
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    _mixed_calls(test_frame, house)
    for fmt in ("parquet", "csv", "jsonl"):
        assert main(["records", "--format", fmt, "--output", str(tmp_path / f"r.{fmt}")]) == 0
    parquet = pd.read_parquet(tmp_path / "r.parquet")
    csv = pd.read_csv(tmp_path / "r.csv")
    jsonl = pd.read_json(tmp_path / "r.jsonl", lines=True, dtype=False)
    for text in (csv, jsonl):
        assert list(text.columns) == list(parquet.columns)
        assert text["prediction_id"].tolist() == parquet["prediction_id"].tolist()
        assert text["prediction"].equals(parquet["prediction"].astype(float))
        parsed = pd.to_datetime(text["created_at"], utc=True, format="ISO8601")
        assert (parsed == parquet["created_at"]).all()


def test_export_filters_by_version_call_and_time(
    empty_store_url: str, tmp_path: Path, house: dict[str, Any]
) -> None:
    """--version, --call, --since, --until and --limit select as ``find`` does; an export
    that selects nothing still has every column."""
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    first = make_prediction(input_data=[house, house])
    middle = datetime.now(timezone.utc)
    second = make_prediction(input_data=[house])
    call = audit.get_record(first["prediction_ids"][0])["call_id"]  # type: ignore[index]
    cases = {
        ("--call", call): first["prediction_ids"],
        ("--since", middle.isoformat()): second["prediction_ids"],
        ("--until", middle.isoformat()): first["prediction_ids"],
        ("--version", first["version"]): first["prediction_ids"] + second["prediction_ids"],
        ("--limit", "1"): first["prediction_ids"][:1],
        ("--version", "0.0.0"): [],
    }
    for (option, value), expected in cases.items():
        out = tmp_path / "out.parquet"
        assert main(["records", option, value, "--output", str(out)]) == 0
        frame = pd.read_parquet(out)
        assert frame["prediction_id"].tolist() == expected, option
        assert list(frame.columns[: len(RECORD_COLUMNS)]) == list(RECORD_COLUMNS)
    later = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert main(["records", "--since", later, "--output", str(tmp_path / "none.csv")]) == 0
    assert pd.read_csv(tmp_path / "none.csv").empty


def test_export_to_a_missing_folder_is_refused_before_reading(
    empty_store_url: str, tmp_path: Path, house: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """An export whose folder does not exist fails with one line naming the file, and
    writes nothing."""
    make_prediction(input_data=[house])
    target = tmp_path / "nowhere" / "records.parquet"
    assert main(["records", "--output", str(target)]) == 2
    assert str(target) in capsys.readouterr().err and not target.parent.exists()
