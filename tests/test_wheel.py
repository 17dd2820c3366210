"""The built wheel, installed in a fresh venv, predicts from outside the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import regression_model

REPO = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json, sys
import regression_model
from regression_model.predict import make_prediction
from regression_model.processing.data_manager import load_dataset
from regression_model.config.core import config

assert "site-packages" in regression_model.__file__, regression_model.__file__
frame = load_dataset(file_name=config.app_config.test_data_file)
batch = make_prediction(input_data=frame)
records = frame.to_dict(orient="records")
alone = {i: make_prediction(input_data=[records[i]])["predictions"][0]
         for i in range(0, len(records), 97)}
prices = batch["predictions"]
print(json.dumps({"version": batch["version"], "errors": batch["errors"], "n": len(prices),
                  "none": sum(p is None for p in prices),
                  "max_rel_diff": max(abs(alone[i] - prices[i]) / prices[i] for i in alone)}))
"""


@pytest.mark.slow
def test_wheel_installs_and_scores_test_csv(tmp_path: Path) -> None:
    """Build the wheel, check it carries model, manifest, data and config, install it
    into a new venv and score all 1459 test rows there in one call."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("*.whl")
    version = regression_model.__version__
    assert wheel.name.startswith(f"regression_model-{version}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        f"regression_model/trained_models/regression_model_output_v{version}.pkl",
        f"regression_model/trained_models/regression_model_output_v{version}.json",
        f"regression_model/trained_models/regression_model_output_v{version}.plan.json",
        "regression_model/trained_models/model_card.md",
        "regression_model/trained_models/model_card_predicted_vs_actual.png",
        "regression_model/datasets/train.csv",
        "regression_model/datasets/test.csv",
        "regression_model/config.yml",
        "regression_model/VERSION",
    ):
        assert required in names, required

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    run = subprocess.run(
        [str(python), "-c", SCRIPT], cwd=outside, check=True, capture_output=True, text=True
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {**result, "version": version, "errors": None, "n": 1459, "none": 0}
    assert result["max_rel_diff"] < 1e-9
    info = subprocess.run(
        [str(env_dir / "bin" / "regression-model"), "info", "--json"],
        cwd=outside,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(info.stdout)["version"] == version
