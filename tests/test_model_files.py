"""The model folder's files as other users meet them: written with the umask's
mode, and a file they cannot read is one line from the command line."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import regression_model
from tests.package_index import copy_package

# Save the installed model again into a package copy, under a given umask.
RESAVE = """
import os, sys
os.umask(int(sys.argv[1], 8))
from regression_model.artifacts import save_pipeline
from regression_model.model import load_model
model = load_model()
manifest = {k: v for k, v in model.manifest.items() if k not in ("files", "artifact_sha256")}
plan = model.path.with_suffix(".plan.json")
save_pipeline(pipeline_to_persist=model.pipeline, manifest=manifest,
              extra_files={plan.name: plan.read_bytes()})
"""


@pytest.fixture()
def package_copy(tmp_path: Path) -> Path:
    """A copy of the installed package, trained model and seal included, to damage."""
    return copy_package(tmp_path)


def _model_files(package_copy: Path) -> list[Path]:
    package = package_copy / "regression_model"
    models = package / "trained_models"
    return [p for p in models.iterdir() if p.name != "__init__.py"] + [
        package / "trained_models.sha256"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_model_files_are_written_with_the_umask_mode(package_copy: Path, umask: int) -> None:
    """Every file training writes (artifact, plan, manifest, seal) gets mode 0666
    less the umask, as ``open`` gives: with umask 022 other users can read the
    model, with 027 only the group; never mkstemp's 0600."""
    env = {"REGRESSION_MODEL_DB_URL": "none", "PATH": "/usr/bin"}
    done = subprocess.run(
        [sys.executable, "-c", RESAVE, f"{umask:o}"],
        cwd=package_copy,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    files = _model_files(package_copy)
    assert len(files) == 4, files
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o666 & ~umask, (path.name, oct(mode))
        assert bool(mode & stat.S_IROTH) == (umask == 0o022)


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    """A write that fails midway leaves neither the target nor a temporary file."""
    from regression_model._model_files import atomic_write

    def explode(handle: object) -> None:
        handle.write(b"half")  # type: ignore[attr-defined]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(tmp_path / "model.skops", explode)
    assert list(tmp_path.iterdir()) == []


def _as_a_user_who_cannot_read(command: list[str]) -> list[str]:
    """``command`` as a process that file modes apply to: as root, without the
    capabilities that let root read any file; else as it is."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: every file is readable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]


@pytest.mark.slow
def test_an_unreadable_model_file_is_one_line_from_the_command_line(package_copy: Path) -> None:
    """A model file its user cannot read (mode 0600 of another user, here 0000):
    `predict` exits 2 with one line naming the file, the cause and the fix, and no
    traceback."""
    houses = package_copy / "houses.csv"
    houses.write_text("OverallQual,GrLivArea,Neighborhood,YrSold\n6,1200,NAmes,2009\n")
    manifest = package_copy / "regression_model" / "trained_models"
    manifest = manifest / f"regression_model_output_v{regression_model.__version__}.json"
    manifest.chmod(0)
    command = [sys.executable, "-m", "regression_model.cli", "predict"]
    command += ["--input", str(houses), "--output", str(package_copy / "out.csv")]
    done = subprocess.run(
        _as_a_user_who_cannot_read(command),
        cwd=package_copy,
        capture_output=True,
        text=True,
        env={"REGRESSION_MODEL_DB_URL": "none", "PATH": "/usr/bin"},
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("regression-model predict: ArtifactReadError: ")
    assert str(manifest) in lines[0] and "Permission denied" in lines[0]
    assert "chmod a+r" in lines[0]
