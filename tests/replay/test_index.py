"""Reading a package index's simple API: the versions it holds, and never
another host's answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from regression_model.errors import PackageIndexError
from regression_model.replay import package_index, versions_on_index
from tests.package_index import PackageIndex, running_index


def test_versions_on_index_lists_every_file_of_the_project(package_index: PackageIndex) -> None:
    """The versions of regression-model's wheels and sdists, in either spelling of
    the name, and none of another project's; an index without it holds none."""
    assert versions_on_index(package_index.simple) == set()
    for name in (
        "regression_model-1.5.0-py3-none-any.whl",
        "regression_model-1.6.0.tar.gz",
        "regression-model-1.4.0.tar.gz",
        "regression_model_extras-9.0.tar.gz",
    ):
        (package_index.folder / name).write_bytes(b"not a real archive")
    assert versions_on_index(package_index.simple) == {"1.4.0", "1.5.0", "1.6.0"}


def test_an_index_that_redirects_elsewhere_holds_nothing(tmp_path: Path) -> None:
    """An index forwarding unknown projects to another host (pypiserver's fallback)
    is not followed there: the lookup fails and names the redirect."""
    with (
        running_index(tmp_path / "packages", "http://127.0.0.2:9/simple/") as index,
        pytest.raises(PackageIndexError, match="another host"),
    ):
        versions_on_index(index.simple)


def test_an_unreachable_index_is_named(tmp_path: Path) -> None:
    """An index nobody answers at gives PackageIndexError naming its address."""
    with pytest.raises(PackageIndexError, match=r"127\.0\.0\.1:9/simple/regression-model/"):
        versions_on_index("http://127.0.0.1:9/simple/")


def test_the_package_index_setting_wins_over_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """REGRESSION_MODEL_INDEX_URL names the index; without it, pip's own index-url."""
    monkeypatch.setenv("PIP_INDEX_URL", "https://pip.example.com/simple/")
    monkeypatch.delenv("REGRESSION_MODEL_INDEX_URL", raising=False)
    assert package_index() == "https://pip.example.com/simple/"
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", "https://ours.example.com/simple/")
    assert package_index() == "https://ours.example.com/simple/"
