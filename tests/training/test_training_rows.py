"""Bad training data and config stop training with a message naming the cause,
and nothing is written."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

import regression_model
from regression_model.config.core import (
    CONFIG_FILE_PATH,
    DATASET_DIR,
    TRAINED_MODEL_DIR,
    parse_config,
)
from regression_model.errors import ConfigError, DataError
from regression_model.predict import load_model
from regression_model.train_pipeline import run_training


def _model_files() -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in TRAINED_MODEL_DIR.iterdir()}


def test_mapping_missing_a_training_category_names_key_and_line() -> None:
    """A quality mapping without "Po" (which training holds) fails before anything is
    written, naming ordinal_mappings.quality.mapping, its line, and the category."""
    text = CONFIG_FILE_PATH.read_text()
    bad = text.replace("      Po: 1\n", "", 1)
    before = _model_files()
    with pytest.raises(ConfigError) as info:
        run_training(parse_config(bad))
    message = str(info.value)
    lines = bad.splitlines()
    quality = lines.index("  quality:")
    mapping_line = lines.index("    mapping:", quality) + 1  # 1-based
    assert "ordinal_mappings.quality.mapping" in message and "'Po'" in message
    assert f"line {mapping_line}:" in message
    assert _model_files() == before


def _config_for(data: Path) -> Any:
    """The shipped config, vouching for ``data``'s sha256."""
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    text = CONFIG_FILE_PATH.read_text()
    expected = parse_config(text).app_config.training_data_sha256
    return parse_config(text.replace(expected, digest))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ("drop_target", "no target column 'SalePrice'"),
        ("text_target", "must be a positive number; rows [0]"),
        ("zero_target", "must be a positive number; rows [1]"),
    ],
)
def test_bad_training_data_is_named_and_nothing_is_written(
    tmp_path: Path, change: str, fragment: str
) -> None:
    """A missing, non-numeric or non-positive target fails with DataError naming it,
    and the model folder is left as it was."""
    lines = (DATASET_DIR / "train.csv").read_text().splitlines()
    if change == "drop_target":
        lines = [line.rsplit(",", 1)[0] for line in lines]
    elif change == "text_target":
        lines[1] = lines[1].rsplit(",", 1)[0] + ",cheap"
    else:
        lines[2] = lines[2].rsplit(",", 1)[0] + ",0"
    data = tmp_path / "train.csv"
    data.write_text("\n".join(lines) + "\n")
    before = _model_files()
    with pytest.raises(DataError) as info:
        run_training(_config_for(data), data_path=data)
    assert fragment in str(info.value)
    assert _model_files() == before


def test_missing_or_altered_training_file(tmp_path: Path) -> None:
    """A missing file and a file whose sha256 differs are DataErrors naming the file."""
    before = _model_files()
    with pytest.raises(DataError, match=r"nothere\.csv"):
        run_training(data_path=tmp_path / "nothere.csv")
    altered = tmp_path / "train.csv"
    altered.write_text((DATASET_DIR / "train.csv").read_text().replace("208500", "1", 1))
    with pytest.raises(DataError, match="training_data_sha256"):
        run_training(data_path=altered)
    assert _model_files() == before
    assert load_model().version == regression_model.__version__
