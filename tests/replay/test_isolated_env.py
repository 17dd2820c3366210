"""The replay environments' cache: one complete folder per model, never a half-built one."""

from __future__ import annotations

from pathlib import Path

import pytest

from regression_model.replay import RecordedModel, cache_root, replay_inputs
from regression_model.replay._isolated_env import MARKER, _move_into_place


def _built(folder: Path, content: str) -> Path:
    folder.mkdir(parents=True)
    (folder / MARKER).write_text(content)
    return folder


def test_cache_lives_under_the_user_cache(replay_cache: Path) -> None:
    """Environments go to platformdirs' user cache (XDG_CACHE_HOME here), in replay/."""
    assert cache_root() == replay_cache


def test_a_complete_environment_is_moved_into_place(tmp_path: Path) -> None:
    """A finished build is renamed to its folder, marker and all."""
    _move_into_place(_built(tmp_path / ".building" / "env", "new"), tmp_path / "key")
    assert (tmp_path / "key" / MARKER).read_text() == "new"


def test_the_first_complete_environment_wins(tmp_path: Path) -> None:
    """When another process finished the same environment first, its folder is kept
    and this build is left for the caller to discard."""
    _built(tmp_path / "key", "first")
    _move_into_place(_built(tmp_path / ".building" / "env", "second"), tmp_path / "key")
    assert (tmp_path / "key" / MARKER).read_text() == "first"


def test_a_folder_without_its_marker_is_replaced(tmp_path: Path) -> None:
    """A folder without the marker (written last) is not a usable environment: replaced."""
    (tmp_path / "key").mkdir()
    (tmp_path / "key" / "leftover").write_text("")
    _move_into_place(_built(tmp_path / ".building" / "env", "new"), tmp_path / "key")
    assert sorted(p.name for p in (tmp_path / "key").iterdir()) == [MARKER]


def test_a_cache_key_must_be_a_digest(replay_cache: Path) -> None:
    """A cache key names a folder: one that is not a hex digest is refused before
    anything is looked up or written."""
    with pytest.raises(Exception, match="is not a model identity") as raised:
        model = RecordedModel("1.6.0", identity="../../elsewhere", artifact_sha256="0" * 64)
        replay_inputs(model, [{}], libraries=None)
    assert type(raised.value).__name__ == "ReplayUnavailableError"
    assert not replay_cache.exists()
