"""Artifacts are checked before they are trusted: tampered, truncated or edited
files, a rewritten manifest, library drift, pickles, and loading from elsewhere."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import regression_model
from regression_model.artifacts import load_pipeline, manifest_path_for
from regression_model.config.core import TRAINED_MODEL_DIR
from regression_model.errors import ArtifactIntegrityError
from tests.package_index import copy_package

VERSION = regression_model.__version__


ARTIFACT = f"regression_model_output_v{VERSION}"


@pytest.fixture()
def package_copy(tmp_path: Path) -> Path:
    """A copy of the installed package, trained model and seal included, to damage."""
    return copy_package(tmp_path)


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


def _models(package_copy: Path) -> Path:
    return package_copy / "regression_model" / "trained_models"


def _reseal(models: Path, **changes: Any) -> None:
    """Rewrite the manifest with ``changes`` and seal it again: what retraining
    under other conditions, or an attacker who can write the package, would do."""
    path = models / f"{ARTIFACT}.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (models.parent / "trained_models.sha256").write_text(f"{digest}  {path.name}\n")


@pytest.mark.slow
def test_tampered_artifact_is_refused_before_loading(package_copy: Path) -> None:
    """An artifact swapped for a pickle that runs code is refused on its sha256 and
    never read: the file its code would create does not appear."""
    marker = package_copy / "pwned"
    artifact = _models(package_copy) / f"{ARTIFACT}.skops"
    artifact.write_bytes(pickle.dumps(_Marker(str(marker))))
    out = _run(package_copy, PREDICT_AND_REPORT)
    assert out.splitlines()[0].startswith("ArtifactIntegrityError")
    assert out.splitlines()[1].startswith("ArtifactIntegrityError")
    assert "tox -e train" in out
    assert not marker.exists()


@pytest.mark.slow
def test_a_manifest_rewritten_for_a_pickle_runs_no_code(package_copy: Path) -> None:
    """A pickle whose manifest and seal were rewritten to vouch for it is still never
    unpickled: the pipeline's file is read as skops only, and the pickle is refused
    as not a skops file, without the file its code would create appearing. Scoring,
    which runs from the plan, is unaffected."""
    marker = package_copy / "pwned"
    models = _models(package_copy)
    for name in (f"{ARTIFACT}.skops", f"{ARTIFACT}.pkl"):
        payload = pickle.dumps(_Marker(str(marker)))
        (models / name).write_bytes(payload)
    _reseal(models, artifact_sha256=hashlib.sha256(payload).hexdigest())
    lines = _run(package_copy, PREDICT_AND_REPORT).splitlines()
    assert lines[0] == "LOADED"
    assert lines[1].startswith("ArtifactIntegrityError") and "not a readable skops file" in lines[1]
    assert not marker.exists()


@pytest.mark.slow
def test_truncated_artifact_and_edited_plan_are_refused(package_copy: Path) -> None:
    """A truncated artifact, and separately an edited scoring plan, are refused."""
    models = _models(package_copy)
    artifact = models / f"{ARTIFACT}.skops"
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


@pytest.mark.slow
def test_one_hex_digit_of_the_data_hash_changed_is_refused(package_copy: Path) -> None:
    """The manifest's training_data_sha256 with one hex digit changed: scoring and
    load_pipeline both refuse with ArtifactIntegrityError naming the manifest and
    its seal and saying what to do, so the store never records the wrong hash."""
    path = _models(package_copy) / f"{ARTIFACT}.json"
    text = path.read_text()
    recorded = json.loads(text)["training_data_sha256"]
    flipped = ("1" if recorded[0] == "0" else "0") + recorded[1:]
    path.write_text(text.replace(recorded, flipped))
    lines = _run(package_copy, PREDICT_AND_REPORT).splitlines()
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("ArtifactIntegrityError"), line
        assert f"{ARTIFACT}.json" in line and "trained_models.sha256" in line
        assert "Retrain with `tox -e train` or reinstall the package" in line


@pytest.mark.slow
def test_a_missing_seal_is_refused(package_copy: Path) -> None:
    """Without the seal beside the model folder nothing vouches for the manifest:
    refused, naming the seal."""
    (package_copy / "regression_model" / "trained_models.sha256").unlink()
    first = _run(package_copy, PREDICT_AND_REPORT).splitlines()[0]
    assert first.startswith("ArtifactIntegrityError") and "no seal trained_models.sha256" in first


@pytest.mark.slow
def test_minor_version_drift_is_refused(package_copy: Path) -> None:
    """A model trained under another minor scikit-learn release: both the fast path
    and the pipeline are refused, and the message says to retrain."""
    models = _models(package_copy)
    libraries = json.loads((models / f"{ARTIFACT}.json").read_text())["libraries"]
    _reseal(models, libraries={**libraries, "scikit-learn": "1.1.3"})
    lines = _run(package_copy, PREDICT_AND_REPORT).splitlines()
    assert all(line.startswith("ModelCompatibilityError") for line in lines)
    assert "scikit-learn 1.1.3" in lines[0] and "tox -e train" in lines[0]


@pytest.mark.slow
def test_patch_level_drift_is_allowed_and_logged(package_copy: Path) -> None:
    """Another patch release of feature-engine loads, with a log line noting it."""
    import importlib.metadata

    installed = importlib.metadata.version("feature-engine")
    major_minor = ".".join(installed.split(".")[:2])
    models = _models(package_copy)
    libraries = json.loads((models / f"{ARTIFACT}.json").read_text())["libraries"]
    _reseal(models, libraries={**libraries, "feature-engine": f"{major_minor}.999"})
    code = "import logging; logging.basicConfig(level=logging.INFO)\n" + PREDICT_AND_REPORT
    done = _process(package_copy, code)
    assert done.stdout.split() == ["LOADED", "LOADED"]
    assert f"feature-engine {major_minor}.999" in done.stderr and "patch level" in done.stderr


def _copy_model(target: Path) -> Path:
    """The installed model's folder and its seal, copied to ``target`` (a folder)."""
    shutil.copytree(TRAINED_MODEL_DIR, target)
    shutil.copy(TRAINED_MODEL_DIR.with_name("trained_models.sha256"), f"{target}.sha256")
    return target / f"{ARTIFACT}.skops"


def test_loading_from_elsewhere_needs_an_opt_in(tmp_path: Path) -> None:
    """A path outside the model folder is refused unless allow_any_path=True; even then
    the file is checked against the manifest beside it, and that against the seal
    beside its folder."""
    artifact = _copy_model(tmp_path / "copied")
    with pytest.raises(ArtifactIntegrityError, match="allow_any_path"):
        load_pipeline(file_name=str(artifact))
    assert load_pipeline(file_name=str(artifact), allow_any_path=True) is not None
    Path(f"{artifact.parent}.sha256").unlink()
    with pytest.raises(ArtifactIntegrityError, match=r"no seal copied\.sha256"):
        load_pipeline(file_name=str(artifact), allow_any_path=True)
    artifact.write_bytes(b"not a model")
    with pytest.raises(ArtifactIntegrityError, match="sha256"):
        load_pipeline(file_name=str(artifact), allow_any_path=True)


def test_a_pickle_is_never_loaded(tmp_path: Path) -> None:
    """An old pickled artifact, vouched for by its manifest and seal, is refused by
    name, and its code does not run; the reference's ``.pkl`` name of an artifact
    that has its skops file loads that file."""
    marker = tmp_path / "pwned"
    artifact = _copy_model(tmp_path / "old")
    pickled = artifact.with_suffix(".pkl")
    pickled.write_bytes(pickle.dumps(_Marker(str(marker))))
    artifact.unlink()
    _reseal(artifact.parent, artifact_file=pickled.name)
    with pytest.raises(ArtifactIntegrityError, match="is a pickle, and pickles are not loaded"):
        load_pipeline(file_name=str(pickled), allow_any_path=True)
    assert not marker.exists()
    assert load_pipeline(file_name=f"{ARTIFACT}.pkl").steps[-1][0] == "regressor"


def test_random_byte_flips_are_refused(tmp_path: Path) -> None:
    """Any byte of the manifest, its seal or the artifact changed (24 random flips in
    each, a fixed seed) is refused with ArtifactIntegrityError: never loaded."""
    import random

    from regression_model.artifacts import verify_artifact

    artifact = _copy_model(tmp_path / "models")
    draw = random.Random(23)
    for target in (manifest_path_for(artifact), Path(f"{artifact.parent}.sha256"), artifact):
        original = target.read_bytes()
        for _ in range(24):
            damaged = bytearray(original)
            damaged[draw.randrange(len(damaged))] ^= draw.randrange(1, 256)
            target.write_bytes(bytes(damaged))
            with pytest.raises(ArtifactIntegrityError):
                verify_artifact(artifact)
        target.write_bytes(original)
    assert verify_artifact(artifact)["version"] == VERSION
