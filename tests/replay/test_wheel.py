"""A recording version's wheel is checked from its own files, none of its code run:
its version, its model's files against its manifest, and its model identity (or,
for records made before identities, its artifact's sha256) against the record."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import regression_model
from regression_model.errors import ReplayUnavailableError
from regression_model.model import load_model
from regression_model.replay import RecordedModel
from regression_model.replay._wheel import check_wheel

VERSION = regression_model.__version__
MODELS = "regression_model/trained_models/"


def installed() -> RecordedModel:
    """What a record made by the installed model says of it."""
    model = load_model()
    return RecordedModel(VERSION, model.identity, model.artifact_sha256)


def rewrite(wheel: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of ``wheel`` at ``target`` with the members in ``changes`` replaced
    or added."""
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            if info.filename not in changes:
                copy.writestr(info, source.read(info))
        for name, data in changes.items():
            copy.writestr(name, data)
    return target


def _refusal(wheel: Path, model: RecordedModel) -> str:
    with pytest.raises(ReplayUnavailableError) as raised:
        check_wheel(wheel, model)
    reason = str(raised.value)
    assert "\n" not in reason
    return reason


@pytest.mark.slow
def test_the_wheel_of_the_recording_model_passes(wheel: Path) -> None:
    """This tree's wheel carries the installed model, by identity and (for records
    made before identities) by artifact sha256; its requirements come from its
    metadata, extras left out."""
    requirements = check_wheel(wheel, installed())
    assert any(r.startswith("skops") for r in requirements)
    assert not [r for r in requirements if "extra ==" in r or r.startswith("psycopg")]
    older = RecordedModel(VERSION, None, load_model().artifact_sha256)
    assert check_wheel(wheel, older) == requirements


@pytest.mark.slow
def test_a_wheel_of_another_model_is_refused(wheel: Path) -> None:
    """Another identity, another version, or another artifact for an older record:
    refused in one line naming what differs."""
    model = installed()
    other = RecordedModel(VERSION, "1" * 64, model.artifact_sha256)
    assert f"model identity {model.identity}, the record {'1' * 64}" in _refusal(wheel, other)
    later = RecordedModel("99.0.0", model.identity, model.artifact_sha256)
    assert f"carries version {VERSION}, not 99.0.0" in _refusal(wheel, later)
    older = RecordedModel(VERSION, None, "2" * 64)
    assert "the record's " + "2" * 64 in _refusal(wheel, older)


@pytest.mark.slow
def test_a_wheel_whose_files_disagree_with_its_manifest_is_refused(
    wheel: Path, tmp_path: Path
) -> None:
    """A scoring plan edited inside the wheel no longer matches the wheel's own
    manifest: refused, though the manifest still names the record's identity."""
    plan_name = f"{MODELS}regression_model_output_v{VERSION}.plan.json"
    with zipfile.ZipFile(wheel) as source:
        spec = json.loads(source.read(plan_name))
    spec["head"]["intercept"] += 1.0
    edited = rewrite(wheel, tmp_path / wheel.name, {plan_name: json.dumps(spec).encode()})
    assert "its scoring plan does not match its manifest" in _refusal(edited, installed())


def test_a_wheel_of_another_project_is_refused(tmp_path: Path) -> None:
    """A wheel of the same name and version that carries no model of this package
    (what an unrelated project would publish) is refused, naming what it lacks."""
    foreign = tmp_path / f"ames_price_model-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("regression_model/__init__.py", "import os\n")
    reason = _refusal(foreign, installed())
    assert reason.startswith(f"{foreign.name} is not a wheel of this package")
    assert "regression_model/VERSION" in reason
