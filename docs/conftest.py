"""The documentation pages run as doctests (pyproject.toml: --doctest-glob=docs/*.md).

Each page runs in an empty scratch folder, so the files its examples write
(``scored.csv``, ``errors.jsonl``...) land there and never in the source tree,
and records its predictions in a throw-away SQLite store of its own, whatever
earlier tests did to the environment. The working folder and the environment
are restored afterwards, whether the page passed or failed.

A page whose examples need an extra is skipped, with the reason, where the
extra is not installed: the core install runs every other page.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# The pages whose examples need an extra: the extra, and the module it brings
# that they need.
PAGE_EXTRAS: dict[str, tuple[str, str]] = {
    "command-line.md": ("parquet", "pyarrow"),  # its Parquet input and exports
    "dask.md": ("dask", "distributed"),
    "model.md": ("report", "matplotlib"),  # the model card's plots, drawn at training
}


@pytest.fixture(autouse=True)
def _scratch_folder_and_store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = request.node.path.name
    if page in PAGE_EXTRAS:
        extra, module = PAGE_EXTRAS[page]
        if importlib.util.find_spec(module) is None:
            pytest.skip(
                f"{page} needs the {extra} extra ({module} is not installed): "
                f"pip install 'ames-price-model[{extra}]'"
            )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REGRESSION_MODEL_DB_URL", f"sqlite:///{tmp_path / 'predictions.sqlite3'}")
