"""VERSION is the one version source, and model changes require a bump."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path

import pytest

import regression_model
from regression_model.config.core import CONFIG_FILE_PATH, parse_config
from regression_model.replay import PROJECT
from regression_model.versioning import code_digests, model_fingerprint, recorded_fingerprints


def test_version_comes_from_the_version_file() -> None:
    """__version__ and the installed metadata (of the distribution ames-price-model)
    both equal regression_model/VERSION."""
    text = (Path(regression_model.__file__).parent / "VERSION").read_text().strip()
    assert regression_model.__version__ == text
    assert importlib.metadata.version(PROJECT) == text


def test_model_changes_come_with_a_version_bump() -> None:
    """The current config, model code and data match the fingerprint recorded for
    this VERSION. If this fails you changed the model: bump regression_model/VERSION
    and run `python -m regression_model.versioning --record`."""
    recorded = recorded_fingerprints()
    version = regression_model.__version__
    assert version in recorded, (
        f"VERSION {version} has no recorded fingerprint; run "
        "`python -m regression_model.versioning --record` and commit model_fingerprints.json"
    )
    assert recorded[version] == model_fingerprint(), (
        "config.yml, the pipeline code or the training data changed without a VERSION bump: "
        "bump regression_model/VERSION, then run `python -m regression_model.versioning --record`"
    )


def test_fingerprint_sees_config_changes_but_not_comments() -> None:
    """A hyperparameter change alters the fingerprint; a comment does not."""
    text = CONFIG_FILE_PATH.read_text(encoding="utf-8")
    base = model_fingerprint(parse_config(text))
    assert model_fingerprint(parse_config(text + "\n# a comment\n")) == base
    changed = parse_config(re.sub(r"alpha: [0-9.]+", "alpha: 0.0123", text, count=1))
    assert model_fingerprint(changed) != base


def test_moving_code_keeps_the_fingerprint_and_changing_it_does_not(tmp_path: Path) -> None:
    """In a copy of the package: renaming a model module, and moving a function to
    another module, leave the code digests as they are; editing a constant, or
    a function's logic, changes them."""
    copy = tmp_path / "regression_model"
    shutil.copytree(Path(regression_model.__file__).parent, copy)
    before = code_digests(copy)
    (copy / "scoring" / "signals.py").rename(copy / "scoring" / "signal_names.py")
    checks = copy / "processing" / "range_checks.py"
    source = checks.read_text(encoding="utf-8")
    start = source.index("def _whitening(")
    moved, source = source[start:], source[:start]
    checks.write_text(source, encoding="utf-8")
    frames = copy / "processing" / "_frames.py"
    frames.write_text(frames.read_text(encoding="utf-8") + "\n\n" + moved, encoding="utf-8")
    assert code_digests(copy) == before
    frames.write_text(
        frames.read_text(encoding="utf-8").replace(
            "np.clip(eigenvalues, 0.0", "np.clip(eigenvalues, 1e-12"
        ),
        encoding="utf-8",
    )
    assert code_digests(copy) != before
    registry = copy / "registry.py"
    registry.write_text(
        registry.read_text(encoding="utf-8").replace('"sum": np.sum', '"sum": np.nansum'),
        encoding="utf-8",
    )
    assert code_digests(copy) != before


def _train_clone(source: Path, folder: Path) -> dict[str, str]:
    """Clone the repository's commit into ``folder``, train there, and read back the
    model's identity and pickle hash from what training wrote."""
    import json
    import os
    import subprocess
    import sys

    subprocess.run(["git", "clone", "--quiet", str(source), str(folder)], check=True)
    # The clone's package, not the installed one (PYTHONPATH comes first on sys.path).
    env = {**os.environ, "PYTHONPATH": str(folder), "MPLBACKEND": "Agg"}
    subprocess.run(
        [sys.executable, "-m", "regression_model.train_pipeline"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    code = (
        "import json, regression_model; from regression_model.model import load_model; "
        "m = load_model(); "
        "print(json.dumps({'file': regression_model.__file__, 'identity': m.identity, "
        "'sha256': m.artifact_sha256}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    facts: dict[str, str] = json.loads(found.stdout)
    return facts


@pytest.mark.slow
def test_two_clean_trainings_of_one_commit_give_one_identity(tmp_path: Path) -> None:
    """Two clones of the same commit, each trained from scratch, serve models with the
    same identity (the scoring plan and fingerprint), whatever their pickles' hashes."""
    root = Path(regression_model.__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout: no commit to clone")
    first = _train_clone(root, tmp_path / "first")
    second = _train_clone(root, tmp_path / "second")
    assert first["file"].startswith(str(tmp_path / "first"))
    assert second["file"].startswith(str(tmp_path / "second"))
    assert first["identity"] == second["identity"]
