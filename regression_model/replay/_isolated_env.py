"""The isolated environment a recorded model version replays in, built once and cached.

One environment per model identity, under the user cache
(``platformdirs.user_cache_dir("regression-model")/replay/<identity>``). It is
built in a temporary sibling folder and renamed into place only when complete
(a marker file written last), so a half-built environment is never reused and
two processes building the same one at once cannot corrupt each other: the
first rename wins, the other build is discarded.

The recording version comes only from the index named in
``REGRESSION_MODEL_INDEX_URL``: its wheel is downloaded and checked from its
files (``_wheel``) before it is installed, alone and from that file
(``--no-deps --no-index``), so nothing else can stand in for it. Then the
library versions its manifest recorded, and its other requirements, come from
the installer's usual configuration. Every install takes built wheels only
(``--only-binary :all:``): building a source distribution would run its code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from regression_model.errors import ReplayUnavailableError
from regression_model.replay._index import INDEX_VARIABLE, package_index, pip_index
from regression_model.replay._wheel import CheckedWheel, RecordedModel, fetch_checked_wheel

MARKER = "replay-environment.json"
# Settings through which an installer would look for regression-model beyond
# the index named for it.
_EXTRA_SOURCES = frozenset(
    {
        "PIP_EXTRA_INDEX_URL",
        "PIP_FIND_LINKS",
        "UV_EXTRA_INDEX_URL",
        "UV_FIND_LINKS",
        "UV_INDEX",
        "UV_DEFAULT_INDEX",
        "UV_INDEX_URL",
    }
)
_INSTALL_TIMEOUT_SECONDS = 1800


def cache_root() -> Path:
    """Where replay environments are kept (honours ``XDG_CACHE_HOME`` on Linux).

    Examples
    --------
    >>> from regression_model.replay import cache_root
    >>> cache_root().parts[-2:]
    ('regression-model', 'replay')
    """
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("regression-model")) / "replay"


def python_of(folder: Path) -> Path:
    """The interpreter of the environment in ``folder``."""
    if sys.platform == "win32":
        return folder / "Scripts" / "python.exe"
    return folder / "bin" / "python"


# A failed step's message, from the installer's stderr.
_Failure = Callable[[str], str]


@dataclass(frozen=True)
class _Installer:
    """uv when it can be found (fast, and shares its download cache), else venv + pip."""

    uv: str | None

    @property
    def name(self) -> str:
        return "uv" if self.uv else "pip"

    def create(self, folder: Path, failure: _Failure) -> None:
        if self.uv:
            command = [self.uv, "venv", "--quiet", "--relocatable", "--python", sys.executable]
        else:
            command = [sys.executable, "-m", "venv"]
        _run([*command, str(folder)], failure)

    def install(
        self,
        folder: Path,
        requirements: list[str],
        failure: _Failure,
        *,
        index_url: str | None,
        local_wheel: bool,
    ) -> None:
        """Install ``requirements``, built wheels only; ``local_wheel``: one wheel
        file, without its dependencies, and from no index or other source the
        installer's configuration adds (extra indexes, find-links)."""
        if self.uv:
            command = [self.uv, "pip", "install", "--quiet", "--python", str(python_of(folder))]
        else:
            command = [str(python_of(folder)), "-m", "pip", "install", "--quiet"]
            command.append("--disable-pip-version-check")
        command += ["--only-binary", ":all:"]
        if local_wheel:
            command += ["--no-deps", "--no-index"]
        elif index_url:
            command += ["--index-url", index_url]
        _run(command + requirements, failure, _only_index() if local_wheel else None)


def last_line(text: str) -> str:
    """The last line with words in it (uv draws its error tree with box characters)."""
    lines = [line.strip(" \u00d7\u2570\u2500\u25b6\u2502") for line in text.splitlines()]
    return next((line for line in reversed(lines) if line), "no message")


def _only_index() -> dict[str, str]:
    """The environment without the settings that add package sources: pip's
    configuration files and both installers' extra indexes and find-links."""
    environment = {k: v for k, v in os.environ.items() if k not in _EXTRA_SOURCES}
    return {**environment, "PIP_CONFIG_FILE": os.devnull, "UV_NO_CONFIG": "1"}


def _run(command: list[str], failure: _Failure, environment: dict[str, str] | None = None) -> str:
    """Run one build step; ReplayUnavailableError(``failure(stderr)``) when it fails."""
    done = run_bounded(
        command,
        timeout=_INSTALL_TIMEOUT_SECONDS,
        timed_out=failure(f"{command[0]} took over {_INSTALL_TIMEOUT_SECONDS} s"),
        cannot_run=lambda error: failure(f"{command[0]} cannot run: {error}"),
        env=environment,
    )
    if done.returncode != 0:
        raise ReplayUnavailableError(failure(done.stderr or done.stdout))
    return done.stdout


def run_bounded(
    command: list[str],
    *,
    timeout: float,
    timed_out: str,
    cannot_run: Callable[[OSError], str],
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` with text captured and a time limit, where a command
    that cannot start or does not finish is ReplayUnavailableError: the message
    ``timed_out``, or ``cannot_run(error)``. The exit status is the caller's."""
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=timeout, **options
        )
    except subprocess.TimeoutExpired:
        raise ReplayUnavailableError(timed_out) from None
    except OSError as error:
        raise ReplayUnavailableError(cannot_run(error)) from None


def _find_installer() -> _Installer:
    found = shutil.which("uv")
    if found is None:
        try:
            from uv import find_uv_bin
        except ImportError:
            return _Installer(uv=None)
        found = find_uv_bin()
    return _Installer(uv=found)


def environment_for(model: RecordedModel, libraries: dict[str, str] | None) -> Path:
    """The folder of the environment holding the wheel of ``model`` with
    ``libraries`` pinned, built on first use.

    Raises
    ------
    ReplayUnavailableError
        When no index is named, the version or its wheel is not on it, the
        wheel is not the record's model, or it or a pin cannot be installed.
    """
    if not re.fullmatch(r"[0-9a-f]{16,128}", model.cache_key):
        # It names a folder: a store's value must not point anywhere else.
        raise ReplayUnavailableError(f"{model.cache_key!r} is not a model identity or sha256")
    folder = cache_root() / model.cache_key
    if (folder / MARKER).is_file():
        return folder
    index = package_index()
    if index is None:
        raise ReplayUnavailableError(
            f"model {model.version} is not installed here and no package index is named: set "
            f"{INDEX_VARIABLE} to the index its versions are published on (replay never "
            "falls back to a public index)"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(
        tempfile.mkdtemp(prefix=f".building-{model.cache_key[:12]}-", dir=folder.parent)
    )
    try:
        wheel = fetch_checked_wheel(model, index, building)
        _build(building / "env", model.version, wheel, libraries, index)
        _move_into_place(building / "env", folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def _build(
    folder: Path, version: str, wheel: CheckedWheel, libraries: dict[str, str] | None, index: str
) -> None:
    started = time.perf_counter()
    installer = _find_installer()
    installer.create(
        folder,
        lambda err: f"cannot create an environment for model {version}: {last_line(err)}",
    )
    installer.install(
        folder,
        [str(wheel.path)],
        lambda err: f"{wheel.path.name} cannot be installed: {last_line(err)}",
        index_url=None,
        local_wheel=True,
    )
    pins = [f"{name}=={pinned}" for name, pinned in sorted((libraries or {}).items())]

    def unavailable(err: str) -> str:
        named = [pin for pin in pins if pin in err] or pins or wheel.requirements
        return (
            f"the libraries model {version} recorded cannot be installed "
            f"({', '.join(named)}): {last_line(err)}"
        )

    installer.install(
        folder, pins + wheel.requirements, unavailable, index_url=pip_index(), local_wheel=False
    )
    marker = {
        "version": version,
        "project": wheel.project,
        "wheel": wheel.path.name,
        "wheel_sha256": wheel.sha256,
        "libraries": libraries,
        "index": index,
        "installer": installer.name,
        "built_at": datetime.now(timezone.utc).isoformat(),
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _move_into_place(built: Path, folder: Path) -> None:
    """Rename the complete environment into place, unless another process did first."""
    if folder.exists() and not (folder / MARKER).is_file():
        shutil.rmtree(folder, ignore_errors=True)  # a foreign leftover, never one of ours
    try:
        built.rename(folder)
    except OSError:
        if not (folder / MARKER).is_file():
            raise
