"""Training: data checks, reproducibility, the manifest, atomic artifacts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import regression_model
from regression_model.config.core import DATASET_DIR, TRAINED_MODEL_DIR, Config
from regression_model.data import file_sha256, load_training_data
from regression_model.errors import DataError
from regression_model.pipeline import build_pipeline
from regression_model.predict import load_model
from regression_model.training.evaluation import fold_ids
from regression_model.training.manifest import folds_sha256, reference_cv
from regression_model.training.training_rows import training_frame
from regression_model.versioning import model_fingerprint


def test_training_data_hash_is_checked(config: Config, tmp_path: Path) -> None:
    """Data that differs from the recorded sha256 is refused with what to do."""
    altered = tmp_path / "train.csv"
    text = (DATASET_DIR / "train.csv").read_text(encoding="utf-8")
    altered.write_text(text.replace("208500", "208501", 1), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_training_data(config, altered)
    message = str(info.value)
    assert "training_data_sha256" in message and "bump VERSION" in message


def test_missing_training_file_is_a_data_error(config: Config, tmp_path: Path) -> None:
    """A missing file raises DataError naming it."""
    with pytest.raises(DataError, match=r"nothere\.csv"):
        load_training_data(config, tmp_path / "nothere.csv")


def test_flagged_sales_are_the_authors_two_and_stay_in_training(config: Config) -> None:
    """The flagged-sales rule marks exactly the two huge, cheap sales (Id 524 and
    1299); training keeps every row, and the manifest names the two."""
    raw = load_training_data(config)
    X, y, flagged = training_frame(raw, config)
    assert sorted(raw.loc[flagged, "Id"]) == [524, 1299]
    assert len(X) == len(y) == len(raw)
    manifest = load_model().manifest
    assert manifest["training_rows"] == len(raw)
    assert manifest["flagged_sales"] == [524, 1299]


@pytest.mark.slow
def test_retraining_gives_identical_predictions(config: Config, test_frame: pd.DataFrame) -> None:
    """Two fits on the same data and config predict the same prices, and the same
    prices as the shipped artifact."""
    X, y, _ = training_frame(load_training_data(config), config)
    from regression_model.processing.validation import validate_inputs

    valid, _ = validate_inputs(input_data=test_frame.head(200), config=config)
    first = build_pipeline(config).fit(X, y).predict(valid)
    second = build_pipeline(config).fit(X, y).predict(valid)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(load_model().pipeline.predict(valid), first, rtol=1e-12)


def test_manifest_records_what_made_the_model(config: Config) -> None:
    """The manifest holds version, hashes, fingerprints, library versions and metrics."""
    model = load_model()
    manifest = model.manifest
    assert manifest["version"] == regression_model.__version__
    assert manifest["artifact_sha256"] == file_sha256(model.path)
    assert manifest["training_data_sha256"] == file_sha256(DATASET_DIR / "train.csv")
    assert manifest["config_fingerprint"] == config.fingerprint()
    assert manifest["model_fingerprint"] == model_fingerprint(config)
    assert set(manifest["libraries"]) >= {"scikit-learn", "feature-engine", "numpy", "pandas"}
    assert manifest["random_state"] == config.model_config.random_state
    cv = manifest["metrics"]["cv"]
    assert cv["seeds"] == config.model_config.cv_seeds and cv["folds"] == 5
    for part, rows in (("all_rows", 1460), ("without_flagged", 1458)):
        per_seed = cv[part]["per_seed"]
        assert cv[part]["rows"] == rows and len(per_seed) == len(cv["seeds"])
        assert cv[part]["pooled_mean"] == pytest.approx(np.mean([s["pooled"] for s in per_seed]))
        assert 0 < cv[part]["pooled_mean"] < 0.2
    # The flagged sales are the hardest rows: leaving them out can only help.
    assert cv["without_flagged"]["pooled_mean"] < cv["all_rows"]["pooled_mean"]
    intervals = manifest["metrics"]["intervals"]
    assert intervals["nominal"] == config.model_config.prediction_intervals.coverage
    assert abs(intervals["coverage"] - intervals["nominal"]) < 0.015
    assert manifest["metrics"]["out_of_range"]["rows"] > 0


def test_reference_figure_is_reported_only_on_the_same_folds(config: Config) -> None:
    """The manifest carries the reference's repeated-CV RMSLE when it was measured on
    the folds training used (same Ids per fold and seed, every row scored); on other
    folds training says so instead of comparing unlike figures."""
    raw = load_training_data(config)
    ids = fold_ids(raw, config)
    assert len(ids) == len(config.model_config.cv_seeds)
    for seed in ids:
        assert sorted(i for fold in seed for i in fold) == sorted(raw["Id"])
    digest = folds_sha256(ids)
    manifest = load_model().manifest
    assert manifest["metrics"]["cv"]["folds_sha256"] == digest
    recorded = manifest["metrics"]["reference_cv"]
    assert recorded == reference_cv(digest)
    assert recorded["rows"] == len(raw)
    per_seed = [s["pooled"] for s in recorded["per_seed"]]
    assert recorded["pooled_mean"] == pytest.approx(np.mean(per_seed), abs=1e-5)
    other = folds_sha256([[list(reversed(fold)) for fold in seed] for seed in ids])
    assert reference_cv(other)["pooled_mean"] is None
    assert "other folds" in reference_cv(other)["note"]


def test_only_the_current_artifact_is_kept() -> None:
    """The model folder holds one version's artifact and its manifest."""
    found = sorted(p.name for p in TRAINED_MODEL_DIR.glob("*.skops"))
    assert found == [f"regression_model_output_v{regression_model.__version__}.skops"]
    manifest = json.loads(Path(TRAINED_MODEL_DIR / found[0]).with_suffix(".json").read_text())
    assert manifest["artifact_file"] == found[0]


@pytest.mark.slow
def test_run_training_in_a_copy_writes_and_prunes(tmp_path: Path) -> None:
    """Training in a copy of the package writes the artifact and manifest atomically
    and removes an older version's artifact (run in a subprocess on a package copy);
    its log ends with the cross-validated accuracy."""
    import subprocess
    import sys

    package = tmp_path / "regression_model"
    source = Path(regression_model.__file__).parent

    def no_artifacts(folder: str, names: list[str]) -> list[str]:
        # The copy trains from scratch: leave out the trained model and caches.
        if Path(folder) == source / "trained_models":
            return [n for n in names if n != "__init__.py"]
        return [n for n in names if n == "__pycache__"]

    shutil.copytree(source, package, ignore=no_artifacts)
    stale = package / "trained_models" / "regression_model_output_v0.0.1.pkl"
    stale.write_bytes(b"old")
    done = subprocess.run(
        [sys.executable, "-m", "regression_model.train_pipeline"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert (
        " INFO regression_model.training.run: repeated 5-fold CV RMSLE over all 1460 rows"
        in (done.stderr.splitlines()[-1])
    ), done.stderr
    files = sorted(p.name for p in (package / "trained_models").iterdir())
    version = regression_model.__version__
    assert f"regression_model_output_v{version}.skops" in files
    assert f"regression_model_output_v{version}.json" in files
    assert "regression_model_output_v0.0.1.pkl" not in files
    assert not [f for f in files if f.endswith(".tmp")]
