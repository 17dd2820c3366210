"""The regression-model command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import regression_model
from regression_model.config.core import DATASET_DIR


def cli(*args: str, tmp_path: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"}
    return subprocess.run(
        [sys.executable, "-m", "regression_model.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_predict_csv_writes_one_row_per_input_row(tmp_path: Path) -> None:
    """predict --input test.csv --output out.csv: 1459 rows with prices and ids, exit 0;
    each id replays with reproduce (exit 0) and is listed by records."""
    out = tmp_path / "out.csv"
    done = cli(
        "predict", "--input", str(DATASET_DIR / "test.csv"), "--output", str(out), tmp_path=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "scored 1459 of 1459 rows" in done.stderr
    scored = pd.read_csv(out)
    assert len(scored) == 1459 and scored["prediction"].notna().all()
    assert scored["Id"].tolist() == pd.read_csv(DATASET_DIR / "test.csv")["Id"].tolist()
    replay = cli("reproduce", scored.loc[7, "prediction_id"], tmp_path=tmp_path)
    assert replay.returncode == 0 and json.loads(replay.stdout)["match"] is True
    listed = cli(
        "records", "--version", regression_model.__version__, "--limit", "3", tmp_path=tmp_path
    )
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["prediction_id"] for r in rows] == scored["prediction_id"].head(3).tolist()


def test_predict_jsonl_stdin_to_stdout_with_rejections(tmp_path: Path) -> None:
    """JSON lines in and out through - ; a rejected row makes exit code 1 and its
    error goes to stderr."""
    rows = [
        {"OverallQual": 5, "GrLivArea": 900, "Neighborhood": "NAmes", "YrSold": 2008},
        {"OverallQual": 55, "GrLivArea": 900, "Neighborhood": "NAmes", "YrSold": 2008},
    ]
    done = cli(
        "predict",
        "--input",
        "-",
        "--output",
        "-",
        tmp_path=tmp_path,
        stdin="".join(json.dumps(r) + "\n" for r in rows),
    )
    assert done.returncode == 1
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["row"] for o in out] == [0, 1]
    assert out[0]["prediction"] > 0 and out[1]["prediction"] is None
    assert '"field":"OverallQual"' in done.stderr.replace(" ", "")


def test_errors_file_and_usage_errors(tmp_path: Path) -> None:
    """--errors collects rejected rows; bad usage exits 2 with a message."""
    source = tmp_path / "in.csv"
    frame = pd.read_csv(DATASET_DIR / "test.csv", keep_default_na=False, na_values=["NA"]).head(5)
    frame.loc[2, "YrSold"] = 1066
    frame.to_csv(source, index=False, na_rep="NA")
    done = cli(
        "predict",
        "--input",
        str(source),
        "--output",
        str(tmp_path / "o.jsonl"),
        "--errors",
        str(tmp_path / "e.jsonl"),
        tmp_path=tmp_path,
    )
    assert done.returncode == 1
    assert [json.loads(x)["row"] for x in (tmp_path / "e.jsonl").read_text().splitlines()] == [2]
    assert (
        cli("predict", "--input", "x.xlsx", "--output", "y.csv", tmp_path=tmp_path).returncode == 2
    )
    assert cli("predict", "--output", "y.csv", tmp_path=tmp_path).returncode == 2
    assert cli("reproduce", "no-such-id", tmp_path=tmp_path).returncode == 2


@pytest.mark.parametrize("command", ["train", "predict", "info", "reproduce", "records"])
def test_every_subcommand_has_help(command: str, tmp_path: Path) -> None:
    """Each subcommand answers --help with its usage, exit 0."""
    done = cli(command, "--help", tmp_path=tmp_path)
    assert done.returncode == 0 and f"regression-model {command}" in done.stdout


def test_info_tells_what_model_this_is(tmp_path: Path) -> None:
    """info prints version, hashes, the honest figures (repeated CV over every row,
    the reference's on the same folds, the price ranges' coverage, the rows beyond
    training), libraries and where the store is."""
    done = cli("info", "--json", tmp_path=tmp_path)
    facts = json.loads(done.stdout)
    assert facts["version"] == regression_model.__version__
    assert len(facts["artifact_sha256"]) == 64 and len(facts["training_data_sha256"]) == 64
    assert facts["metrics"]["cv"]["folds"] == 5
    assert facts["prediction_store"].endswith("store.sqlite3")
    text = cli("info", tmp_path=tmp_path).stdout
    assert "repeated 5-fold CV" in text and "scikit-learn" in text
    metrics = facts["metrics"]
    assert f"all 1460 rows {metrics['cv']['all_rows']['pooled_mean']:.4f}" in text
    assert f"flagged sales {metrics['cv']['without_flagged']['pooled_mean']:.4f}" in text
    assert f"same folds and rows: RMSLE {metrics['reference_cv']['pooled_mean']:.4f}" in text
    assert f"{metrics['intervals']['coverage']:.1%} of true prices inside" in text
    assert f"{metrics['out_of_range']['rows']:.1f} training rows per CV seed" in text
