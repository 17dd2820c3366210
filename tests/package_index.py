"""A real package index for the publishing and replay tests: pypiserver on a
free loopback port, started by the test (as .ci/start-postgres starts
PostgreSQL for the store tests), with uploads open and no fallback to PyPI,
so a version it lacks is missing, never fetched from elsewhere. Also: copies
of this source tree as clean git repositories, to publish, and copies of the
installed package, to damage."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_START_SECONDS = 60


@dataclass(frozen=True)
class PackageIndex:
    """A running pypiserver: upload to ``url``, install from ``simple``."""

    url: str
    folder: Path

    @property
    def simple(self) -> str:
        return f"{self.url}simple/"

    def twine_environment(self) -> dict[str, str]:
        """TWINE_* for an upload here (pypiserver runs with authentication off)."""
        return {
            "TWINE_REPOSITORY_URL": self.url,
            "TWINE_USERNAME": "test",
            "TWINE_PASSWORD": "test",
            "TWINE_NON_INTERACTIVE": "1",
        }

    def files(self) -> list[str]:
        return sorted(path.name for path in self.folder.iterdir())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_index(folder: Path, fallback_url: str | None = None) -> Iterator[PackageIndex]:
    """pypiserver serving ``folder`` on a free loopback port, stopped on exit;
    without a fallback unless ``fallback_url`` names one (where it redirects
    requests for projects it does not hold)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = folder.with_name(folder.name + ".log")
    command = [sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1"]
    # simple-dir: list the folder afresh on each request (the cached backend
    # refreshes from file-system events, after the test has already asked).
    command += ["--port", str(port), "-a", ".", "-P", ".", "--backend", "simple-dir"]
    command += [str(folder)]
    command += ["--fallback-url", fallback_url] if fallback_url else ["--disable-fallback"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        index = PackageIndex(url=f"http://127.0.0.1:{port}/", folder=folder)
        _wait_until_up(index, server, log)
        yield index
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(index: PackageIndex, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"pypiserver exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(index.simple, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"pypiserver did not answer within {_START_SECONDS} s")


def _git(folder: Path, *arguments: str) -> str:
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    done = subprocess.run(
        [*command, *arguments], cwd=folder, capture_output=True, text=True, check=True
    )
    return done.stdout


def copy_source(target: Path) -> Path:
    """This tree's files (tracked and untracked, not ignored) and its trained
    model, as a new git repository with one commit: a clean tree to publish."""
    listed = _git(REPO, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    names = [name for name in listed.split("\0") if name and (REPO / name).is_file()]
    trained = REPO / "regression_model" / "trained_models"
    names += [str(p.relative_to(REPO)) for p in trained.iterdir() if p.is_file()]
    names.append("regression_model/trained_models.sha256")  # the seal, beside the folder
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target / name)
    _git(target, "init", "--quiet")
    commit(target, "copy of the source tree")
    return target


def commit(folder: Path, message: str) -> None:
    _git(folder, "add", "--all")
    _git(folder, "commit", "--quiet", "--allow-empty", "-m", message)


def run_in(source: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run ``python arguments`` in ``source`` (its own package first on the path)."""
    env = {**os.environ, **environment}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, *arguments], cwd=source, env=env, capture_output=True, text=True
    )


def publish(source: Path, index: PackageIndex) -> subprocess.CompletedProcess[str]:
    """``scripts/publish.py`` on ``source``, uploading to ``index``."""
    script = str(source / "scripts" / "publish.py")
    return run_in(source, script, "--source", str(source), **index.twine_environment())


def copy_package(folder: Path) -> Path:
    """A copy of the installed package, trained model and seal included, as
    ``folder/regression_model``: run Python in ``folder`` to import it."""
    import regression_model

    shutil.copytree(
        Path(regression_model.__file__).parent,
        folder / "regression_model",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return folder
