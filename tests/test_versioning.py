"""VERSION is the one version source, and model changes require a bump."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import regression_model
from regression_model.config.core import CONFIG_FILE_PATH, parse_config
from regression_model.versioning import model_fingerprint, recorded_fingerprints


def test_version_comes_from_the_version_file() -> None:
    """__version__ and the installed metadata both equal regression_model/VERSION."""
    text = (Path(regression_model.__file__).parent / "VERSION").read_text().strip()
    assert regression_model.__version__ == text
    assert importlib.metadata.version("regression-model") == text


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
