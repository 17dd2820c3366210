"""Without a trained model the package imports, and predicting says what to do."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import regression_model


@pytest.mark.slow
def test_import_without_model_and_clear_error(tmp_path: Path) -> None:
    """In a copy of the package with no artifact, `import regression_model.predict`
    works and make_prediction raises ModelNotTrainedError pointing to `tox -e train`."""
    shutil.copytree(
        Path(regression_model.__file__).parent,
        tmp_path / "regression_model",
        ignore=shutil.ignore_patterns("__pycache__", "*.skops", "*.json", "*.sha256"),
    )
    code = (
        "import regression_model.predict as p\n"
        "from regression_model.errors import ModelNotTrainedError\n"
        "try:\n"
        "    p.make_prediction(input_data=[{'GrLivArea': 1000}])\n"
        "except ModelNotTrainedError as e:\n"
        "    print('refused:', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("refused:")
    assert "tox -e train" in out.stdout
