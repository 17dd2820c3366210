"""The shipped data: the Ames files inside the package, read one way everywhere.

Only ``NA`` and an empty field mark a missing value (``registry.MISSING_MARKERS``):
``MasVnrType``'s literal ``None`` (no veneer) stays a category. Columns that
start with a digit are renamed to the reference's names (``1stFlrSF`` ->
``FirstFlrSF``). Both files are checked against the sha256 config.yml records
before they are used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from regression_model.config.core import DATASET_DIR, Config, get_config
from regression_model.errors import DataError
from regression_model.registry import MISSING_MARKERS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "file_sha256",
    "load_dataset",
    "load_training_data",
    "read_house_csv",
]


def file_sha256(path: Path) -> str:
    """sha256 hex digest of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_house_csv(path: Path | str, config: Config | None = None) -> pd.DataFrame:
    """Read a CSV in the shipped files' format, with the reference's column names.

    ``NA`` and an empty field are read as missing; every other string, ``None``
    included, is kept.
    Columns that start with a digit are renamed (``1stFlrSF`` -> ``FirstFlrSF``).
    """
    cfg = config or get_config()
    import pandas as pd  # not at import: the model loads, and records score, without it

    frame = pd.read_csv(path, keep_default_na=False, na_values=list(MISSING_MARKERS))
    return frame.rename(columns=cfg.model_config.variables_to_rename)


def load_dataset(*, file_name: str, config: Config | None = None) -> pd.DataFrame:
    """Load a dataset shipped in ``regression_model/datasets``.

    Parameters
    ----------
    file_name : str
        ``train.csv`` or ``test.csv`` (``config.app_config`` names them).
    config : Config, optional
        The configuration naming the files and their sha256; the package's own
        by default.

    Returns
    -------
    pandas.DataFrame
        The rows, with the reference's renamed columns.

    Raises
    ------
    DataError
        When the file does not exist, or is one of the shipped files and its
        sha256 differs from the one config.yml records.

    Examples
    --------
    >>> from regression_model.data import load_dataset
    >>> frame = load_dataset(file_name="test.csv")
    >>> frame.shape, "FirstFlrSF" in frame.columns
    ((1459, 80), True)
    """
    cfg = config or get_config()
    path = DATASET_DIR / file_name
    if not path.is_file():
        raise DataError(
            f"dataset {file_name!r} is not among the package's datasets; it ships "
            "train.csv and test.csv: reinstall it, or restore the file from git"
        )
    app = cfg.app_config
    recorded = {
        app.training_data_file: ("training_data_sha256", app.training_data_sha256),
        app.test_data_file: ("test_data_sha256", app.test_data_sha256),
    }
    if file_name in recorded:
        _check_sha256(path, *recorded[file_name])
    return read_house_csv(path, cfg)


def _check_sha256(path: Path, key: str, expected: str) -> None:
    actual = file_sha256(path)
    if actual != expected:
        raise DataError(
            f"{path.name} has sha256 {actual}, but config.yml ({key}) expects {expected}. "
            f"Restore the original file, or, if the new data is intended, update {key} "
            "and bump VERSION."
        )


def load_training_data(config: Config, path: Path | None = None) -> pd.DataFrame:
    """Load the training data after checking it is the data config.yml names.

    Raises
    ------
    DataError
        When the file is missing, its sha256 differs from
        ``training_data_sha256``, or its target column is missing, not
        numeric, or not positive.
    """
    data_path = path or DATASET_DIR / config.app_config.training_data_file
    if not data_path.is_file():
        raise DataError(f"training data {data_path} not found; restore it from git or the wheel")
    _check_sha256(data_path, "training_data_sha256", config.app_config.training_data_sha256)
    frame = read_house_csv(data_path, config)
    target = config.model_config.target
    if target not in frame.columns:
        raise DataError(f"training data {data_path.name} has no target column {target!r}")
    import pandas as pd

    values = pd.to_numeric(frame[target], errors="coerce")
    bad = frame.index[values.isna() | (values <= 0)].tolist()
    if bad:
        raise DataError(
            f"training data {data_path.name}: target {target!r} must be a positive number; "
            f"rows {bad[:10]} (0-based) are not"
        )
    return frame
