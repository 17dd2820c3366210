"""Publish this version's sdist and wheel to a package index (``tox -e publish``).

Refuses, with one line naming what is wrong and exit status 1: a dirty git
tree, a tree whose model fingerprint is not the one recorded for VERSION, a
VERSION without its trained model, and a version the index already holds.
Then builds the sdist and wheel (carrying the trained model), checks them with
``twine check`` and uploads them with ``twine upload``, which reads the
standard ``TWINE_*`` variables (``TWINE_REPOSITORY_URL``, ``TWINE_USERNAME``,
``TWINE_PASSWORD``...).

The index is looked up through its simple API: ``REGRESSION_MODEL_INDEX_URL``
when set (the same variable replays read), else derived from
``TWINE_REPOSITORY_URL`` (PyPI's and TestPyPI's upload addresses map to their
``/simple/`` pages; any other address has a trailing ``legacy/`` dropped and
``simple/`` appended, as pypiserver and most servers lay it out), else PyPI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from regression_model.errors import PackageIndexError
from regression_model.replay import PROJECT, versions_on_index

REPO = Path(__file__).resolve().parents[1]
KNOWN_INDEXES = {
    "https://upload.pypi.org/legacy/": "https://pypi.org/simple/",
    "https://test.pypi.org/legacy/": "https://test.pypi.org/simple/",
}


class Refused(SystemExit):
    """A reason not to publish: exit status 1, the message on stderr."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"publish: refused: {reason}")


def simple_index(environ: dict[str, str]) -> str:
    """The simple-API root of the index the upload goes to."""
    if environ.get("REGRESSION_MODEL_INDEX_URL"):
        return environ["REGRESSION_MODEL_INDEX_URL"]
    upload = environ.get("TWINE_REPOSITORY_URL", "https://upload.pypi.org/legacy/")
    upload = upload.rstrip("/") + "/"
    if upload in KNOWN_INDEXES:
        return KNOWN_INDEXES[upload]
    return upload.removesuffix("legacy/") + "simple/"


def _run(command: list[str], source: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=source, capture_output=True, text=True, check=False)


def require_clean_tree(source: Path) -> None:
    status = _run(["git", "status", "--porcelain"], source)
    if status.returncode != 0:
        raise Refused(f"{source} is not a git work tree: {status.stderr.strip()}")
    changed = status.stdout.splitlines()
    if changed:
        raise Refused(
            f"the git tree is dirty ({len(changed)} changed or untracked, first: "
            f"{changed[0][3:]}); commit or stash, so the upload is what the commit says"
        )


def version_of(source: Path) -> str:
    return (source / "regression_model" / "VERSION").read_text(encoding="utf-8").strip()


def require_recorded_fingerprint(source: Path, version: str) -> None:
    record = json.loads(
        (source / "regression_model" / "model_fingerprints.json").read_text(encoding="utf-8")
    )
    # Run in the tree, so the tree's code and config are fingerprinted.
    done = _run([sys.executable, "-m", "regression_model.versioning"], source)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Refused(f"the model fingerprint cannot be computed: {last}")
    current = done.stdout.strip().splitlines()[-1]
    if record.get(version) != current:
        raise Refused(
            f"the model fingerprint {current[:12]} is not the one recorded for VERSION "
            f"{version} ({str(record.get(version))[:12]}); bump VERSION if the model changed, "
            "then run python -m regression_model.versioning --record and commit"
        )


def require_trained_model(source: Path, version: str) -> None:
    package = source / "regression_model"
    artifact = package / "trained_models" / f"regression_model_output_v{version}.skops"
    if not (artifact.is_file() and (package / "trained_models.sha256").is_file()):
        raise Refused(f"no trained model for VERSION {version}; run tox -e train")


def require_new_version(version: str, index: str) -> None:
    try:
        held = versions_on_index(index, PROJECT)
    except PackageIndexError as error:
        raise Refused(f"the index cannot be read: {error}") from None
    if version in held:
        raise Refused(f"{PROJECT} {version} is already on {index}; bump VERSION to publish")


def build(source: Path, dist: Path) -> list[Path]:
    """The sdist and wheel, built in isolation (with uv when it is installed)."""
    command = [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist)]
    if _has_uv():
        command += ["--installer", "uv"]
    done = _run([*command, str(source)], source)
    if done.returncode != 0:
        raise SystemExit(f"publish: the build failed:\n{done.stdout}\n{done.stderr}")
    return sorted(dist.iterdir())


def _has_uv() -> bool:
    try:
        import uv  # noqa: F401
    except ImportError:
        return shutil.which("uv") is not None
    return True


def upload(files: list[Path], source: Path) -> None:
    for step in (["check", "--strict"], ["upload", "--non-interactive", "--disable-progress-bar"]):
        done = subprocess.run(
            [sys.executable, "-m", "twine", *step, *map(str, files)], cwd=source, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"publish: twine {step[0]} failed (exit {done.returncode})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=REPO, help="the source tree to publish")
    args = parser.parse_args(argv)
    source = args.source.resolve()
    require_clean_tree(source)
    version = version_of(source)
    require_recorded_fingerprint(source, version)
    require_trained_model(source, version)
    index = simple_index(dict(os.environ))
    require_new_version(version, index)
    with tempfile.TemporaryDirectory(prefix=f"{PROJECT}-dist-") as folder:
        files = build(source, Path(folder))
        upload(files, source)
    print(f"published {PROJECT} {version} ({', '.join(f.name for f in files)}); index {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
