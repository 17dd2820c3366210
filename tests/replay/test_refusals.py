"""Replays that are refused, each in one line and before any code of the recording
version could run: no index named, a source distribution only, a wheel of
another model. And a version published under the package's former name, found
on the named index under that name."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

import regression_model
from regression_model import audit
from regression_model.errors import ReplayUnavailableError
from regression_model.model import load_model
from regression_model.predict import make_prediction
from regression_model.replay import FORMER_PROJECT, RecordedModel, replay_inputs
from regression_model.replay._isolated_env import MARKER
from tests.databases import write_foreign_record
from tests.package_index import PackageIndex, copy_source
from tests.replay.test_wheel import rewrite
from tests.venvs import build_wheel

VERSION = regression_model.__version__
ROW = {"OverallQual": 6, "GrLivArea": 1200, "Neighborhood": "NAmes", "YrSold": 2009}


def installed() -> RecordedModel:
    model = load_model()
    return RecordedModel(VERSION, model.identity, model.artifact_sha256)


def _refusal(model: RecordedModel) -> str:
    """replay_inputs' one-line refusal."""
    with pytest.raises(ReplayUnavailableError) as raised:
        replay_inputs(model, [ROW], libraries=None)
    reason = str(raised.value)
    assert "\n" not in reason, reason
    return reason


@pytest.mark.slow
def test_without_a_named_index_nothing_is_looked_up(
    replay_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With REGRESSION_MODEL_INDEX_URL unset (pip's index set instead), a version not
    installed here is refused: the reason names the setting, no index is read (the
    public one least of all) and nothing is built."""
    monkeypatch.delenv("REGRESSION_MODEL_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    reason = _refusal(installed())
    assert reason == (
        f"model {VERSION} is not installed here and no package index is named: set "
        "REGRESSION_MODEL_INDEX_URL to the index its versions are published on (replay "
        "never falls back to a public index)"
    )
    assert not replay_cache.exists() or list(replay_cache.iterdir()) == []


def _trap_sdist(folder: Path, marker: Path) -> None:
    """An sdist of this version whose setup.py, if ever run, leaves ``marker``."""
    stem = f"ames_price_model-{VERSION}"
    files = {
        f"{stem}/setup.py": f"open({str(marker)!r}, 'w').close()\n",
        f"{stem}/PKG-INFO": f"Metadata-Version: 2.1\nName: ames-price-model\nVersion: {VERSION}\n",
    }
    with tarfile.open(folder / f"{stem}.tar.gz", "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


@pytest.mark.slow
def test_a_source_distribution_is_never_built(
    package_index: PackageIndex,
    replay_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An index holding only an sdist of the version is refused, naming it and why
    (building runs its code): its setup.py never runs, and nothing is built."""
    marker = tmp_path / "setup-py-ran"
    _trap_sdist(package_index.folder, marker)
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", package_index.simple)
    reason = _refusal(installed())
    assert reason.startswith(
        f"the package index {package_index.simple} holds no built wheel of ames-price-model "
        f"{VERSION} (only ames_price_model-{VERSION}.tar.gz); replay installs wheels only"
    )
    assert not marker.exists()
    assert list(replay_cache.iterdir()) == []


@pytest.mark.slow
def test_a_wheel_of_another_model_never_runs(
    store_url: str,
    package_index: PackageIndex,
    replay_cache: Path,
    wheel: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record whose model identity is not the one the index's wheel of its version
    carries: reproduce answers match None, the reason naming both identities, and
    the wheel is never installed (the .pth file it carries, which any Python of an
    environment holding it would run, never leaves its marker)."""
    marker = tmp_path / "wheel-code-ran"
    trap = f"import pathlib; pathlib.Path({str(marker)!r}).touch()\n".encode()
    rewrite(wheel, package_index.folder / wheel.name, {"ames_price_model_trap.pth": trap})
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", package_index.simple)
    store = audit.get_store()
    assert store is not None
    answer = audit.reproduce(write_foreign_record(store, VERSION))
    assert answer["match"] is None and "\n" not in answer["reason"]
    assert answer["reason"] == (
        f"{wheel.name} is not the wheel of the model that made the record: it carries "
        f"model identity {load_model().identity}, the record {'0' * 64}"
    )
    assert not marker.exists()
    assert list(replay_cache.iterdir()) == []


@pytest.mark.slow
def test_a_version_published_under_the_former_name_replays(
    package_index: PackageIndex,
    replay_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A version the index holds only as regression-model (how versions up to 1.9.1
    were published) is found under that name on the named index, checked like any
    other, and replays: the same prices and ranges as the installed model."""
    source = copy_source(tmp_path / "source")
    setup = source / "setup.py"
    text = setup.read_text()
    setup.write_text(text.replace('name="ames-price-model"', f'name="{FORMER_PROJECT}"'))
    former = build_wheel(tmp_path / "dist", source)
    assert former.name.startswith(f"regression_model-{VERSION}-")
    (package_index.folder / former.name).write_bytes(former.read_bytes())
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", package_index.simple)
    batch = replay_inputs(installed(), [ROW], libraries=load_model().manifest["libraries"])
    here = make_prediction(input_data=[ROW])
    assert batch.predictions == here["predictions"]
    assert batch.intervals == here["intervals"]
    marker = json.loads((batch.environment / MARKER).read_text())
    assert (marker["project"], marker["wheel"]) == (FORMER_PROJECT, former.name)
