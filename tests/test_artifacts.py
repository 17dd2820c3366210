"""Artifacts are checked before they are trusted: tampered, truncated or edited
files, library drift, and loading from elsewhere."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import regression_model
from regression_model.artifacts import load_pipeline
from regression_model.config.core import (
    TRAINED_MODEL_DIR,
)
from regression_model.errors import ArtifactIntegrityError

VERSION = regression_model.__version__


ARTIFACT = f"regression_model_output_v{VERSION}"


@pytest.fixture()
def package_copy(tmp_path: Path) -> Path:
    """A copy of the installed package, trained artifact included, to damage."""
    shutil.copytree(
        Path(regression_model.__file__).parent,
        tmp_path / "regression_model",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return tmp_path


def _process(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter in ``folder``, store off."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"REGRESSION_MODEL_DB_URL": "none", "PATH": "/usr/bin"},
    )
    assert done.returncode == 0, done.stderr
    return done


def _run(folder: Path, code: str) -> str:
    return _process(folder, code).stdout.strip()


PREDICT_AND_REPORT = (
    "from regression_model.predict import make_prediction\n"
    "from regression_model.processing.data_manager import load_pipeline\n"
    "for attempt in (lambda: make_prediction(input_data=[{'OverallQual': 5, 'GrLivArea': 900,"
    " 'Neighborhood': 'NAmes', 'YrSold': 2008}]),\n"
    "                lambda: load_pipeline(file_name='" + ARTIFACT + ".pkl')):\n"
    "    try:\n"
    "        attempt()\n"
    "        print('LOADED')\n"
    "    except Exception as error:\n"
    "        print(type(error).__name__, error)\n"
)


class _Marker:
    """Unpickling this creates a file: proof that a pickle was loaded."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.path, "w"))


def test_tampered_artifact_is_refused_before_unpickling(package_copy: Path) -> None:
    """A pickle swapped for one that runs code is refused on its sha256 and never
    unpickled: the file its code would create does not appear."""
    marker = package_copy / "pwned"
    artifact = package_copy / "regression_model" / "trained_models" / f"{ARTIFACT}.pkl"
    artifact.write_bytes(pickle.dumps(_Marker(str(marker))))
    out = _run(package_copy, PREDICT_AND_REPORT)
    assert out.splitlines()[0].startswith("ArtifactIntegrityError")
    assert out.splitlines()[1].startswith("ArtifactIntegrityError")
    assert "tox -e train" in out
    assert not marker.exists()


def test_truncated_artifact_and_edited_plan_are_refused(package_copy: Path) -> None:
    """A truncated pickle, and separately an edited scoring plan, are refused."""
    models = package_copy / "regression_model" / "trained_models"
    artifact = models / f"{ARTIFACT}.pkl"
    original = artifact.read_bytes()
    artifact.write_bytes(original[: len(original) // 2])
    assert _run(package_copy, PREDICT_AND_REPORT).startswith("ArtifactIntegrityError")
    artifact.write_bytes(original)
    plan = models / f"{ARTIFACT}.plan.json"
    spec = json.loads(plan.read_text())
    spec["head"]["intercept"] += 1.0
    plan.write_text(json.dumps(spec))
    first = _run(package_copy, PREDICT_AND_REPORT).splitlines()[0]
    assert first.startswith("ArtifactIntegrityError") and "plan.json" in first


def _edit_manifest(package_copy: Path, **libraries: str) -> None:
    path = package_copy / "regression_model" / "trained_models" / f"{ARTIFACT}.json"
    manifest = json.loads(path.read_text())
    manifest["libraries"].update(libraries)
    path.write_text(json.dumps(manifest))


def test_minor_version_drift_is_refused(package_copy: Path) -> None:
    """A manifest recording another minor scikit-learn release: both the fast path and
    the pickle are refused, and the message says to retrain."""
    _edit_manifest(package_copy, **{"scikit-learn": "1.1.3"})
    lines = _run(package_copy, PREDICT_AND_REPORT).splitlines()
    assert all(line.startswith("ModelCompatibilityError") for line in lines)
    assert "scikit-learn 1.1.3" in lines[0] and "tox -e train" in lines[0]


def test_patch_level_drift_is_allowed_and_logged(package_copy: Path) -> None:
    """Another patch release of feature-engine loads, with a log line noting it."""
    import importlib.metadata

    installed = importlib.metadata.version("feature-engine")
    major_minor = ".".join(installed.split(".")[:2])
    _edit_manifest(package_copy, **{"feature-engine": f"{major_minor}.999"})
    code = "import logging; logging.basicConfig(level=logging.INFO)\n" + PREDICT_AND_REPORT
    done = _process(package_copy, code)
    assert done.stdout.split() == ["LOADED", "LOADED"]
    assert f"feature-engine {major_minor}.999" in done.stderr and "patch level" in done.stderr


def test_loading_from_elsewhere_needs_an_opt_in(tmp_path: Path) -> None:
    """A path outside the model folder is refused unless allow_any_path=True; even then
    the file is checked against the manifest beside it."""
    for suffix in (".pkl", ".json"):
        shutil.copy(TRAINED_MODEL_DIR / f"{ARTIFACT}{suffix}", tmp_path)
    elsewhere = str(tmp_path / f"{ARTIFACT}.pkl")
    with pytest.raises(ArtifactIntegrityError, match="allow_any_path"):
        load_pipeline(file_name=elsewhere)
    assert load_pipeline(file_name=elsewhere, allow_any_path=True) is not None
    (tmp_path / f"{ARTIFACT}.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ArtifactIntegrityError, match="sha256"):
        load_pipeline(file_name=elsewhere, allow_any_path=True)
