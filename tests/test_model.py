"""The installed model as load_model serves it: a scoring plan falling back to
the pipeline is never silent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import regression_model

# Fits the shipped pipeline with its one-hot encoder dropping a category (which
# no linear head folds) and saves it as the package's model, with the shipped
# manifest's facts, its compiled plan and nothing else.
_SAVE_VARIANT = """
import json
from regression_model.artifacts import artifact_name, manifest_path_for, plan_path_for
from regression_model.artifacts import save_pipeline
from regression_model.config.core import TRAINED_MODEL_DIR, get_config
from regression_model.data import load_training_data
from regression_model.pipeline import build_pipeline
from regression_model.training.training_rows import training_frame
from regression_model.training.evaluation import plan_spec

config = get_config()
path = TRAINED_MODEL_DIR / artifact_name(config)
manifest = json.loads(manifest_path_for(path).read_text())
for key in ("artifact_file", "artifact_sha256", "artifact_format", "files"):
    manifest.pop(key)
X, y, _ = training_frame(load_training_data(config), config)
pipeline = build_pipeline(config).set_params(one_hot_encoder__drop_last=True).fit(X, y)
spec = plan_spec(pipeline, X, config)
manifest["scoring_plan"]["fallback_steps"] = spec["fallback_steps"]
save_pipeline(
    pipeline_to_persist=pipeline,
    config=config,
    manifest=manifest,
    extra_files={plan_path_for(path).name: json.dumps(spec)},
)
"""

# Prices one house, loads the model afresh, and prices it again.
_PREDICT_TWICE = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s")
from regression_model.model import load_model
from regression_model.predict import make_prediction
house = [{"OverallQual": 6, "GrLivArea": 1200, "Neighborhood": "NAmes", "YrSold": 2009}]
first = make_prediction(input_data=house)["predictions"]
load_model.cache_clear()
second = make_prediction(input_data=house)["predictions"]
assert first == second and first[0] > 0, (first, second)
"""

_REASON = (
    "falls back to the pipeline for steps [slopes_TotalSF_by_Neighborhood, splines, "
    "drop_linear_terms, rare_label_encoder, one_hot_encoder, scaler, regressor]: the last "
    "three steps do not fold into a linear head: one_hot_encoder drops a category"
)


@pytest.mark.slow
def test_a_plan_with_fallback_steps_warns_once_and_info_shows_it(tmp_path: Path) -> None:
    """In a copy of the package whose model is a real pipeline the plan cannot
    fold (its one-hot encoder drops a category): pricing logs one WARNING per
    process, however often the model is loaded, naming the steps that fall back
    and the check they failed; `regression-model info` shows the same on its
    "scoring plan" line, where the shipped model says it has no fallback steps."""
    shutil.copytree(
        Path(regression_model.__file__).parent,
        tmp_path / "regression_model",
        ignore=shutil.ignore_patterns("__pycache__", "*.png", "model_card.md"),
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "REGRESSION_MODEL_DB_URL": "none",
        "MPLBACKEND": "Agg",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True
        )

    shipped = run("-m", "regression_model.cli", "info")
    assert shipped.returncode == 0, shipped.stderr
    assert "scoring plan:    numpy plan, no fallback steps" in shipped.stdout
    assert "WARNING" not in shipped.stderr
    saved = run("-c", _SAVE_VARIANT)
    assert saved.returncode == 0, saved.stderr
    priced = run("-c", _PREDICT_TWICE)
    assert priced.returncode == 0, priced.stderr
    warnings = [line for line in priced.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1, priced.stderr
    assert _REASON in warnings[0] and regression_model.__version__ in warnings[0]
    info = run("-m", "regression_model.cli", "info")
    assert info.returncode == 0, info.stderr
    assert f"scoring plan:    {_REASON}" in info.stdout
    assert info.stderr.count(" WARNING ") == 1 and _REASON in info.stderr
