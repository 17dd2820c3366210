"""scripts/publish.py (``tox -e publish``) against a real package index
(pypiserver): what it refuses, in one line and before uploading anything, and
an upload that the index then lists."""

from __future__ import annotations

from pathlib import Path

import pytest

import regression_model
from regression_model.replay import versions_on_index
from tests.package_index import PackageIndex, commit, copy_source, publish

VERSION = regression_model.__version__


def _refusal(source: Path, index: PackageIndex) -> str:
    """publish's one-line refusal; nothing may have reached the index."""
    done = publish(source, index)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("publish: refused: "), done.stderr
    assert index.files() == []
    return lines[0]


@pytest.mark.slow
def test_publish_uploads_sdist_and_wheel(package_index: PackageIndex, tmp_path: Path) -> None:
    """A clean tree with its fingerprint recorded is built and uploaded: the index
    then holds its sdist and wheel, and lists the version."""
    done = publish(copy_source(tmp_path / "source"), package_index)
    assert done.returncode == 0, done.stderr[-2000:]
    assert package_index.files() == [
        f"ames_price_model-{VERSION}-py3-none-any.whl",
        f"ames_price_model-{VERSION}.tar.gz",
    ]
    assert versions_on_index(package_index.simple) == {VERSION}
    assert f"published ames-price-model {VERSION}" in done.stdout


@pytest.mark.slow
def test_publish_refuses_a_dirty_tree(package_index: PackageIndex, tmp_path: Path) -> None:
    """An uncommitted file makes the tree dirty: refused, naming it."""
    source = copy_source(tmp_path / "source")
    (source / "notes.txt").write_text("not committed\n")
    reason = _refusal(source, package_index)
    assert "the git tree is dirty" in reason and "notes.txt" in reason


@pytest.mark.slow
def test_publish_refuses_an_unrecorded_fingerprint(
    package_index: PackageIndex, tmp_path: Path
) -> None:
    """A committed model change without a new VERSION and its recorded
    fingerprint is refused, naming the VERSION."""
    source = copy_source(tmp_path / "source")
    config = source / "regression_model" / "config.yml"
    config.write_text(config.read_text().replace("alpha: 0.0025", "alpha: 0.004"))
    commit(source, "another alpha, VERSION unchanged")
    reason = _refusal(source, package_index)
    assert f"is not the one recorded for VERSION {VERSION}" in reason


@pytest.mark.slow
def test_publish_refuses_a_version_already_on_the_index(
    package_index: PackageIndex, tmp_path: Path, wheel: Path
) -> None:
    """A version the index already holds is not uploaded again."""
    (package_index.folder / wheel.name).write_bytes(wheel.read_bytes())
    done = publish(copy_source(tmp_path / "source"), package_index)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"publish: refused: ames-price-model {VERSION} is already on {package_index.simple}; "
        "bump VERSION to publish"
    )
    assert package_index.files() == [wheel.name]
