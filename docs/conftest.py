"""The documentation pages run as doctests (pyproject.toml: --doctest-glob=docs/*.md).

Each page runs in an empty scratch folder, so the files its examples write
(``scored.csv``, ``errors.jsonl``...) land there and never in the source tree,
and records its predictions in a throw-away SQLite store of its own, whatever
earlier tests did to the environment. The working folder and the environment
are restored afterwards, whether the page passed or failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _scratch_folder_and_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REGRESSION_MODEL_DB_URL", f"sqlite:///{tmp_path / 'predictions.sqlite3'}")
