"""Reading a package index's simple API: the files and versions it holds of this
package, never another host's answer, and only the index the user named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from regression_model.errors import PackageIndexError
from regression_model.replay import FORMER_PROJECT, package_index, versions_on_index
from regression_model.replay._index import files_on_index
from tests.package_index import PackageIndex, running_index


@pytest.mark.slow
def test_versions_on_index_lists_every_file_of_the_project(package_index: PackageIndex) -> None:
    """The versions of ames-price-model's wheels and sdists, in either spelling of
    the name, and none of another project's; the former name is its own project;
    an index without it holds none."""
    assert versions_on_index(package_index.simple) == set()
    for name in (
        "ames_price_model-1.10.0-py3-none-any.whl",
        "ames_price_model-1.11.0.tar.gz",
        "ames-price-model-1.9.2.tar.gz",
        "ames_price_model_extras-9.0.tar.gz",
        "regression_model-1.6.0-py3-none-any.whl",
    ):
        (package_index.folder / name).write_bytes(b"not a real archive")
    assert versions_on_index(package_index.simple) == {"1.9.2", "1.10.0", "1.11.0"}
    assert versions_on_index(package_index.simple, FORMER_PROJECT) == {"1.6.0"}


@pytest.mark.slow
def test_files_on_index_carry_their_address_and_sha256(package_index: PackageIndex) -> None:
    """Each file listed comes with an absolute address on the index and the sha256
    the index gives for it."""
    content = b"not a real wheel"
    (package_index.folder / "ames_price_model-1.10.0-py3-none-any.whl").write_bytes(content)
    (listed,) = files_on_index(package_index.simple)
    assert listed.url.startswith(package_index.url) and listed.url.endswith(listed.name)
    assert listed.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.slow
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
    with pytest.raises(PackageIndexError, match=r"127\.0\.0\.1:9/simple/ames-price-model/"):
        versions_on_index("http://127.0.0.1:9/simple/")


def test_only_the_named_index_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """REGRESSION_MODEL_INDEX_URL names the index replays install from; pip's own
    index-url, or the public index, never stands in for it."""
    monkeypatch.setenv("PIP_INDEX_URL", "https://pip.example.com/simple/")
    monkeypatch.delenv("REGRESSION_MODEL_INDEX_URL", raising=False)
    assert package_index() is None
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", "https://ours.example.com/simple/")
    assert package_index() == "https://ours.example.com/simple/"
