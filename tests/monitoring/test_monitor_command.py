"""``regression-model monitor``: its exit codes, outputs, and results written to SQL,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from regression_model.cli import main
from regression_model.store.tables import models, monitor_results, monitor_runs
from tests.monitoring.houses import DAY, drawn, plant, record

WEEK = ["--since", DAY.isoformat(), "--until", (DAY + timedelta(days=7)).isoformat()]


def _runs(store: Any) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(monitor_runs)).scalar())


def test_exit_code_says_whether_an_alert_fired(
    store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Houses drawn like the training ones exit 0 with verdict ok; a day of planted
    drift exits 3, and the table names the fields and the window; --format json holds
    the same verdicts."""
    record(drawn(800, seed=31), DAY)
    assert main(["monitor", *WEEK]) == 0
    table = capsys.readouterr().out
    assert "No field warns or alerts" in table and table.rstrip().endswith("(exit code 0)")
    record(plant(drawn(800, seed=32), seed=33), DAY + timedelta(days=2))
    assert main(["monitor", *WEEK]) == 3
    table = capsys.readouterr().out
    for name in ("GrLivArea", "LotArea", "Neighborhood", "OverallQual"):
        assert f"\n{name} " in table
    assert "2026-11-04" in table and table.rstrip().endswith("verdict: alert (exit code 3)")
    assert main(["monitor", *WEEK, "--format", "json"]) == 3
    found = json.loads(capsys.readouterr().out)
    assert [w["verdict"] for w in found["windows"]] == ["ok", "alert"]
    assert found["verdict"] == "alert" and found["records"] == 1600


def test_each_run_is_written_to_sql_for_dashboards(
    store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run writes its row to monitor_runs and one row per window, measure and subject
    to monitor_results, which plain SQL reads back (the fields that alerted that day);
    --no-record writes nothing."""
    record(plant(drawn(800, seed=34), seed=35), DAY)
    assert main(["monitor", *WEEK, "--format", "json"]) == 3
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    with store.engine.connect() as connection:
        alerted = connection.execute(
            text(
                "SELECT subject FROM monitor_results WHERE run_id = :run AND period = 'day' "
                "AND measure = 'field' AND verdict = 'alert' ORDER BY subject"
            ),
            {"run": run_id},
        ).scalars()
        assert list(alerted) == ["GrLivArea", "LotArea", "Neighborhood", "OverallQual"]
        run = connection.execute(select(monitor_runs)).one()
        counted = connection.execute(
            select(monitor_results.c.period, func.count()).group_by(monitor_results.c.period)
        ).all()
    assert (run.verdict, run.records, run.every) == ("alert", 800, "day")
    assert dict(counted)["day"] == dict(counted)["all"] >= 79 + 1 + 1
    assert main(["monitor", *WEEK, "--no-record"]) == 3
    assert _runs(store) == 1


def test_it_exits_2_when_it_cannot_run(
    store: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No store yet (SQLite) or no records in the period, an unknown version, a
    model row without a reference profile (a model trained before profiles), an
    option out of its choices and a store turned off each exit 2 with one line
    naming the cause, recording nothing."""
    assert main(["monitor", *WEEK]) == 2
    said = capsys.readouterr().err
    assert "holds no records between" in said or "no store at" in said
    record(drawn(50, seed=36), DAY)
    assert main(["monitor", *WEEK, "--version", "0.0.1"]) == 2
    assert "no records of model version 0.0.1" in capsys.readouterr().err
    with store.engine.begin() as connection:
        connection.execute(update(models).values(profile=None))
    assert main(["monitor", *WEEK]) == 2
    assert "trained before reference profiles" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["monitor", "--every", "hour"])
    assert stopped.value.code == 2
    assert "invalid choice: 'hour'" in capsys.readouterr().err
    monkeypatch.setenv("REGRESSION_MODEL_DB_URL", "none")
    assert main(["monitor"]) == 2
    message = capsys.readouterr().err
    assert "persistence is off" in message and message.count("\n") == 1
    assert _runs(store) == 0


def test_a_report_folder_or_a_future_since_is_named_before_any_work(
    store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--report`` in a folder that does not exist names the folder and says to
    create it (with matplotlib installed), and a ``--since`` in the future says
    so rather than blaming an ``--until`` never given; each exits 2, recording
    no run."""
    pytest.importorskip("matplotlib", reason="the report's checks come after matplotlib's")
    record(drawn(20, seed=37), DAY)
    page = tmp_path / "nodir" / "report.html"
    assert main(["monitor", *WEEK, "--report", str(page)]) == 2
    assert f"its folder {page.parent} does not exist; create the folder first" in (
        capsys.readouterr().err
    )
    assert main(["monitor", "--since", "2999-01-01"]) == 2
    message = capsys.readouterr().err
    assert "since (2999-01-01T00:00:00+00:00) is in the future" in message
    assert "until" not in message.split("(now")[0] and _runs(store) == 0
