"""Recording sales: idempotent, nothing lost, bad rows rejected by row and reason, from
tables, CSV and Parquet files and the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from regression_model import audit
from regression_model.cli import main
from regression_model.errors import InputFileError, InvalidInputError
from regression_model.store.tables import outcomes
from tests.monitoring.houses import DAY, drawn, record


def _stored(store: Any) -> dict[str, tuple[float, date | None]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(outcomes.c.prediction_id, outcomes.c.sale_price, outcomes.c.sold_on)
        ).all()
    return {row.prediction_id: (row.sale_price, row.sold_on) for row in rows}


def test_adding_is_idempotent_and_never_replaces_a_sale(store: Any) -> None:
    """Sales recorded once stay as they are: adding the same table again records
    nothing new and says they were already there; a different price for a recorded id
    is rejected, naming the one kept; an unknown id, a row number beyond its call, a
    malformed id, a price that is not a positive number and a date that is not a date
    come back as rejected rows with their row number, and every good row is recorded."""
    result = record(drawn(5, seed=21), DAY)
    ids = result["prediction_ids"]
    first = pd.DataFrame(
        {
            "prediction_id": ids[:3],
            "sale_price": [200000, 150000.5, 99000],
            "sold_on": ["2026-11-20", None, "2026-12-01"],
        }
    )
    summary = audit.add_outcomes(first)
    assert (summary.rows, summary.added, summary.already_recorded, summary.rejected) == (
        3,
        3,
        0,
        [],
    )
    again = audit.add_outcomes(first)
    assert (again.added, again.already_recorded, again.rejected) == (0, 3, [])
    unknown = ids[0][:-8] + "000000ff"  # a row the call does not have
    bad = [
        {"prediction_id": ids[0], "sale_price": 210000, "sold_on": "2026-11-20"},
        {"prediction_id": ids[3], "sale_price": 180000},
        {"prediction_id": unknown, "sale_price": 1},
        {"prediction_id": "0190a1b2-c3d4-7e5f-8a9b-0c1d00000000", "sale_price": 1},
        {"prediction_id": "not-an-id", "sale_price": 1},
        {"prediction_id": ids[4], "sale_price": -3},
        {"prediction_id": ids[4], "sale_price": "lots"},
        {"prediction_id": ids[4], "sale_price": 1, "sold_on": "30/11/2026"},
        {"sale_price": 1},
    ]
    summary = audit.add_outcomes(bad)
    assert (summary.added, summary.already_recorded) == (1, 0)
    rejected = {item["row"]: item["message"] for item in summary.rejected}
    assert sorted(rejected) == [0, 2, 3, 4, 5, 6, 7, 8]
    assert "already has an outcome: sale price 200,000.00 sold on 2026-11-20" in rejected[0]
    assert rejected[2] == f"no prediction {unknown} in the store"
    assert "not a prediction id" in rejected[4] and "above 0" in rejected[5]
    assert "'lots'" in rejected[6] and "not a date" in rejected[7]
    assert rejected[8] == "prediction_id is missing"
    kept = _stored(store)
    assert kept[ids[0]] == (200000.0, date(2026, 11, 20)) and kept[ids[1]] == (150000.5, None)
    assert kept[ids[3]] == (180000.0, None) and len(kept) == 4


def test_outcomes_add_reads_csv_and_parquet_and_exits_by_result(
    store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``regression-model outcomes add`` records a CSV (compressed too) and a Parquet
    file: exit 0 when every row is recorded or already there, 1 with the rejected rows
    as JSON lines in --errors, 2 with one line for a file it cannot use (missing, no
    prediction_id column, an unknown format), recording nothing then."""
    ids = record(drawn(6, seed=22), DAY)["prediction_ids"]
    pd.DataFrame({"prediction_id": ids[:2], "sale_price": [1e5, 2e5]}).to_csv(
        tmp_path / "sales.csv.gz", index=False
    )
    assert main(["outcomes", "add", str(tmp_path / "sales.csv.gz")]) == 0
    table = pd.DataFrame(
        {
            "prediction_id": [ids[2], ids[3], "nope"],
            "sale_price": [3e5, 4e5, 5e5],
            "sold_on": pd.to_datetime(["2026-11-03", "2026-11-04", None]),
        }
    )
    table.to_parquet(tmp_path / "sales.parquet")
    errors = tmp_path / "rejected.jsonl"
    code = main(["outcomes", "add", str(tmp_path / "sales.parquet"), "--errors", str(errors)])
    assert code == 1
    (line,) = errors.read_text().splitlines()
    assert json.loads(line) == {
        "row": 2,
        "prediction_id": "nope",
        "message": "prediction_id 'nope' is not a prediction id (a UUID make_prediction returned)",
    }
    assert _stored(store)[ids[3]] == (4e5, date(2026, 11, 4)) and len(_stored(store)) == 4
    assert main(["outcomes", "add", str(tmp_path / "sales.csv.gz")]) == 0
    assert "0 of 2 sales; 2 were already recorded" in capsys.readouterr().err
    (tmp_path / "other.csv").write_text("id,price\n1,2\n")
    for path in ("missing.csv", "other.csv", "sales.txt"):
        (tmp_path / "sales.txt").write_text("x")
        assert main(["outcomes", "add", str(tmp_path / path)]) == 2
        message = capsys.readouterr().err
        assert message.count("\n") == 1 and "Traceback" not in message, message
    assert len(_stored(store)) == 4


def test_tables_that_are_not_sales_are_refused_whole(store: Any, tmp_path: Path) -> None:
    """A table without ``sale_price``, something that is not a table, and a file that
    is not CSV raise the package's errors, naming the problem."""
    with pytest.raises(InvalidInputError, match="lack the column"):
        audit.add_outcomes(pd.DataFrame({"prediction_id": ["x"]}))
    with pytest.raises(InvalidInputError, match="not int"):
        audit.add_outcomes(3)  # type: ignore[arg-type]
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputFileError, match=r"binary\.csv"):
        audit.add_outcomes(tmp_path / "binary.csv")


def test_outcomes_add_names_a_folder_and_a_missing_errors_folder(
    store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder given as the sales file is called a folder, and ``--errors`` in a
    folder that does not exist names that folder and says to create it; both
    exit 2 in one line, recording nothing."""
    ids = record(drawn(2, seed=23), DAY)["prediction_ids"]
    pd.DataFrame({"prediction_id": ids, "sale_price": [1e5, 2e5]}).to_csv(
        tmp_path / "sales.csv", index=False
    )
    assert main(["outcomes", "add", str(tmp_path)]) == 2
    assert "is a folder, not a file" in capsys.readouterr().err
    errors = tmp_path / "nodir" / "rejected.jsonl"
    assert main(["outcomes", "add", str(tmp_path / "sales.csv"), "--errors", str(errors)]) == 2
    message = capsys.readouterr().err
    assert f"its folder {errors.parent} does not exist; create the folder first" in message
    assert message.count("\n") == 1 and not _stored(store)
