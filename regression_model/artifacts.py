"""The trained model on disk: its artifact, manifest, scoring plan and card.

Training writes them through :func:`save_pipeline`, each atomically (a
temporary name, then a rename), the manifest last, vouching for every other
file by its sha256. Loading checks each file against the manifest before using
it, and the pickle's libraries against those installed before unpickling it
(unpickling runs code).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regression_model
from regression_model.config.core import TRAINED_MODEL_DIR, Config, get_config
from regression_model.data import file_sha256
from regression_model.errors import (
    ArtifactIntegrityError,
    ModelCompatibilityError,
    ModelNotTrainedError,
)
from regression_model.registry import RECORDED_LIBRARIES

if TYPE_CHECKING:  # scikit-learn loads only when a pipeline is unpickled or saved
    from sklearn.pipeline import Pipeline

__all__ = [
    "artifact_name",
    "check_library_versions",
    "load_pipeline",
    "load_verified_pipeline",
    "manifest_path_for",
    "plan_path_for",
    "profile_path_for",
    "read_manifest",
    "read_verified_text",
    "remove_old_pipelines",
    "save_pipeline",
    "verify_artifact",
]

logger = logging.getLogger(__name__)

_KEEP_IN_MODEL_DIR = {"__init__.py"}


def artifact_name(config: Config, version: str | None = None) -> str:
    """File name of the artifact for ``version`` (the installed one by default)."""
    return f"{config.app_config.pipeline_save_file}{version or regression_model.__version__}.pkl"


def plan_path_for(artifact: Path) -> Path:
    """The scoring plan spec lives beside its artifact, as .plan.json."""
    return artifact.with_suffix(".plan.json")


def profile_path_for(artifact: Path) -> Path:
    """The reference profile monitoring compares with lives beside its artifact,
    as .profile.json."""
    return artifact.with_suffix(".profile.json")


def manifest_path_for(artifact: Path) -> Path:
    """The manifest lives beside its artifact, with a .json suffix."""
    return artifact.with_suffix(".json")


def _atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename, so a
    failed run never leaves half a file under the final name."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def save_pipeline(
    *,
    pipeline_to_persist: Pipeline,
    config: Config | None = None,
    manifest: dict[str, Any] | None = None,
    extra_files: dict[str, str | bytes] | None = None,
) -> Path:
    """Persist the fitted pipeline, extra text files, and last the manifest.

    The manifest records the sha256 of the artifact (``artifact_sha256``) and
    of every extra file (``files``); it is written last, so a run that fails
    midway leaves no manifest vouching for half its files. Older artifacts
    are removed, so one version maps to one model.

    Parameters
    ----------
    pipeline_to_persist : sklearn.pipeline.Pipeline
        The fitted pipeline.
    config : Config, optional
        The configuration it was trained with (it names the artifact); the
        package's own by default.
    manifest : dict, optional
        What made the model; written as JSON beside the artifact.
    extra_files : dict of str to str or bytes, optional
        ``{file name: content}`` written into the model folder (scoring plan,
        model card and its plots).

    Returns
    -------
    pathlib.Path
        Where the artifact was written.
    """
    import joblib

    config = config or get_config()
    TRAINED_MODEL_DIR.mkdir(parents=True, exist_ok=True)
    path = TRAINED_MODEL_DIR / artifact_name(config)
    _atomic_write(path, lambda handle: joblib.dump(pipeline_to_persist, handle))
    record = dict(manifest or {})
    record["artifact_file"] = path.name
    record["artifact_sha256"] = file_sha256(path)
    record["files"] = {}
    for name, content in (extra_files or {}).items():
        target = TRAINED_MODEL_DIR / name
        data = content.encode("utf-8") if isinstance(content, str) else content
        _atomic_write(target, lambda h, d=data: h.write(d))
        record["files"][name] = file_sha256(target)
    manifest_file = manifest_path_for(path)
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    _atomic_write(manifest_file, lambda handle: handle.write(text.encode("utf-8")))
    remove_old_pipelines(files_to_keep=[path.name, manifest_file.name, *record["files"]])
    return path


def remove_old_pipelines(*, files_to_keep: list[str]) -> None:
    """Remove every other file in the model folder (older versions' artifacts)."""
    keep = set(files_to_keep) | _KEEP_IN_MODEL_DIR
    for model_file in TRAINED_MODEL_DIR.iterdir():
        if model_file.is_file() and model_file.name not in keep:
            model_file.unlink()


def read_manifest(artifact: Path) -> dict[str, Any]:
    """The manifest of ``artifact``.

    Raises
    ------
    ArtifactIntegrityError
        When it is missing or not valid JSON.
    """
    path = manifest_path_for(artifact)
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ArtifactIntegrityError(
            f"no manifest {path.name} beside {artifact.name}: the artifact cannot be "
            "vouched for; retrain with `tox -e train`"
        ) from error
    except ValueError as error:
        raise ArtifactIntegrityError(f"manifest {path} is not valid JSON: {error}") from error
    return manifest


def load_pipeline(*, file_name: str, allow_any_path: bool = False) -> Pipeline:
    """Load a persisted pipeline from the package's model folder.

    The file's sha256 is checked against its manifest, and the libraries it
    was pickled with against those installed, before it is unpickled
    (unpickling runs code).

    Parameters
    ----------
    file_name : str
        The artifact's file name, e.g. ``regression_model_output_v1.2.0.pkl``.
    allow_any_path : bool
        Opt in to loading from a path outside the package's model folder; the
        file is still checked against the manifest beside it.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Raises
    ------
    ModelNotTrainedError
        When the file does not exist.
    ArtifactIntegrityError
        When the file does not match its manifest, or names a folder without
        ``allow_any_path=True``.
    ModelCompatibilityError
        When scikit-learn or feature-engine differ from the manifest's by
        minor version.
    """
    if Path(file_name).name != file_name:
        if not allow_any_path:
            raise ArtifactIntegrityError(
                f"{file_name!r} is outside the package's model folder; a pickle runs code "
                "when loaded, so pass allow_any_path=True to load it on purpose"
            )
        return load_verified_pipeline(Path(file_name))
    return load_verified_pipeline(TRAINED_MODEL_DIR / file_name)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def check_library_versions(manifest: dict[str, Any]) -> None:
    """Refuse a model pickled under another minor release of scikit-learn or
    feature-engine; log patch-level and numpy/pandas/scipy differences.

    Raises
    ------
    ModelCompatibilityError
        With the fix: retrain, or install the recorded release.
    """
    recorded = manifest.get("libraries", {})
    for name, role in RECORDED_LIBRARIES.items():
        wanted, installed = recorded.get(name), importlib.metadata.version(name)
        if role == "pinned":
            _check_pinned(name, wanted, installed)
        elif role == "noted" and wanted is not None and wanted != installed:
            logger.info("model trained with %s %s, running %s", name, wanted, installed)


def _check_pinned(name: str, wanted: str | None, installed: str) -> None:
    if wanted is None:
        raise ModelCompatibilityError(
            f"the model's manifest records no {name} version; retrain with `tox -e train`"
        )
    if _minor(wanted) != _minor(installed):
        raise ModelCompatibilityError(
            f"the model was trained with {name} {wanted} but {installed} is installed; "
            f"retrain with `tox -e train`, or install {name}=={_minor(wanted)}.*"
        )
    if wanted != installed:
        logger.info(
            "model trained with %s %s, running %s (patch level: allowed)", name, wanted, installed
        )


def verify_artifact(path: Path) -> dict[str, Any]:
    """Check an artifact exists, matches its manifest's sha256, and was made
    with the installed scikit-learn and feature-engine minor releases.

    Returns
    -------
    dict
        The manifest that vouches for it.

    Raises
    ------
    ModelNotTrainedError, ArtifactIntegrityError, ModelCompatibilityError
    """
    if not path.is_file():
        raise ModelNotTrainedError(
            f"no trained model at {path}; train one with `tox -e train` "
            "(or `python -m regression_model.train_pipeline`)"
        )
    manifest = read_manifest(path)
    expected = manifest.get("artifact_sha256")
    actual = file_sha256(path)
    if actual != expected:
        raise ArtifactIntegrityError(
            f"{path.name} has sha256 {actual} but its manifest records {expected}: the file "
            "was modified or truncated and was not loaded. Retrain with `tox -e train` or "
            "reinstall the package."
        )
    check_library_versions(manifest)
    return manifest


def load_verified_pipeline(path: Path) -> Pipeline:
    """Check ``path`` with :func:`verify_artifact`, then unpickle it."""
    verify_artifact(path)
    import joblib
    from sklearn.exceptions import InconsistentVersionWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        pipeline: Pipeline = joblib.load(path)
    for warning in caught:
        if issubclass(warning.category, InconsistentVersionWarning):
            raise ModelCompatibilityError(
                f"{path.name}: {warning.message}; retrain with `tox -e train`"
            )
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return pipeline


def read_verified_text(name: str, manifest: dict[str, Any]) -> str:
    """A text file of the model folder, checked against the manifest's sha256.

    Raises
    ------
    ArtifactIntegrityError
        When the manifest does not list the file, or its content differs.
    """
    expected = manifest.get("files", {}).get(name)
    path = TRAINED_MODEL_DIR / name
    if expected is None or not path.is_file():
        raise ArtifactIntegrityError(f"{name} is not a file the model's manifest vouches for")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ArtifactIntegrityError(
            f"{name} has sha256 {actual} but the manifest records {expected}: it was "
            "modified and is not used. Retrain with `tox -e train` or reinstall the package."
        )
    return data.decode("utf-8")
