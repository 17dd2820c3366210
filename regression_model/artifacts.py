"""The trained model on disk: its artifact, manifest, scoring plan and card.

Training writes them through :func:`save_pipeline`, each atomically (a
temporary name, then a rename) with the umask's mode; then the manifest,
vouching for every other file by its sha256; then the seal beside the model
folder, vouching for the manifest. Loading checks the manifest against the
seal and each file against the manifest before using it. The fitted pipeline
is a skops file: loading it builds only the types named in this package's code
(``_pipeline_file.TRUSTED_TYPES``), so no file can make it run code.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regression_model
from regression_model._library_drift import check_library_versions
from regression_model._model_files import (
    atomic_write,
    check_seal,
    read_model_file,
    write_seal,
)
from regression_model._pipeline_file import dump_pipeline, load_pipeline_bytes
from regression_model.config.core import TRAINED_MODEL_DIR, Config, get_config
from regression_model.errors import ArtifactIntegrityError, ModelNotTrainedError

if TYPE_CHECKING:  # scikit-learn loads only when a pipeline is read or saved
    from sklearn.pipeline import Pipeline

__all__ = [
    "ARTIFACT_SUFFIX",
    "artifact_name",
    "check_library_versions",
    "load_pipeline",
    "load_verified_pipeline",
    "manifest_path_for",
    "plan_path_for",
    "profile_path_for",
    "read_manifest",
    "read_verified_bytes",
    "read_verified_text",
    "remove_old_pipelines",
    "save_pipeline",
    "verify_artifact",
]

ARTIFACT_SUFFIX = ".skops"
_KEEP_IN_MODEL_DIR = {"__init__.py"}
_RETRAIN = "Retrain with `tox -e train` or reinstall the package."


def artifact_name(config: Config, version: str | None = None) -> str:
    """File name of the artifact for ``version`` (the installed one by default).

    Examples
    --------
    >>> from regression_model.artifacts import artifact_name
    >>> from regression_model.config.core import get_config
    >>> artifact_name(get_config(), "1.0.0")
    'regression_model_output_v1.0.0.skops'
    """
    version = version or regression_model.__version__
    return f"{config.app_config.pipeline_save_file}{version}{ARTIFACT_SUFFIX}"


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


def save_pipeline(
    *,
    pipeline_to_persist: Pipeline,
    config: Config | None = None,
    manifest: dict[str, Any] | None = None,
    extra_files: dict[str, str | bytes] | None = None,
) -> Path:
    """Persist the fitted pipeline, extra files, the manifest, and last its seal.

    The pipeline is written as a skops file. The manifest records the sha256
    of the artifact (``artifact_sha256``) and of every extra file (``files``);
    the seal beside the model folder records the manifest's. Each is written
    whole under a temporary name, then renamed, with the umask's mode; a run
    that fails midway leaves no seal vouching for half its files. Older
    artifacts are removed, so one version maps to one model.

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
        ``{file name: content}`` written into the model folder and vouched for
        by the manifest (scoring plan, model card and its plots...); read them
        back with :func:`read_verified_bytes`.

    Returns
    -------
    pathlib.Path
        Where the artifact was written.

    Raises
    ------
    ArtifactIntegrityError
        When the pipeline holds a type the loader would not build.
    """
    config = config or get_config()
    TRAINED_MODEL_DIR.mkdir(parents=True, exist_ok=True)
    path = TRAINED_MODEL_DIR / artifact_name(config)
    files = {path.name: dump_pipeline(pipeline_to_persist)}
    for name, content in (extra_files or {}).items():
        files[name] = content.encode("utf-8") if isinstance(content, str) else content
    digests = {name: _write_model_file(name, data) for name, data in files.items()}
    record = dict(manifest or {})
    record["artifact_file"] = path.name
    record["artifact_sha256"] = digests.pop(path.name)
    record["artifact_format"] = {"library": "skops", "version": importlib.metadata.version("skops")}
    record["files"] = digests
    manifest_file = manifest_path_for(path)
    text = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")
    atomic_write(manifest_file, lambda handle: handle.write(text))
    write_seal(manifest_file)
    remove_old_pipelines(files_to_keep=[path.name, manifest_file.name, *record["files"]])
    return path


def _write_model_file(name: str, data: bytes) -> str:
    """Write ``data`` as ``name`` in the model folder; its sha256."""
    atomic_write(TRAINED_MODEL_DIR / name, lambda handle: handle.write(data))
    return hashlib.sha256(data).hexdigest()


def remove_old_pipelines(*, files_to_keep: list[str]) -> None:
    """Remove every other file in the model folder (older versions' artifacts)."""
    keep = set(files_to_keep) | _KEEP_IN_MODEL_DIR
    for model_file in TRAINED_MODEL_DIR.iterdir():
        if model_file.is_file() and model_file.name not in keep:
            model_file.unlink()


def read_manifest(artifact: Path) -> dict[str, Any]:
    """The manifest of ``artifact``, checked against the seal beside its folder.

    Raises
    ------
    ArtifactIntegrityError
        When it is missing, differs from what its seal records, or is not a
        JSON object.
    ArtifactReadError
        When it or the seal cannot be read.
    """
    path = manifest_path_for(artifact)
    try:
        data = read_model_file(path)
    except FileNotFoundError:
        raise ArtifactIntegrityError(
            f"no manifest {path.name} beside {artifact.name}: the artifact cannot be "
            f"vouched for and was not loaded. {_RETRAIN}"
        ) from None
    check_seal(path, data)
    try:
        manifest = json.loads(data)
    except ValueError as error:
        raise ArtifactIntegrityError(f"manifest {path} is not valid JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise ArtifactIntegrityError(f"manifest {path} is not a JSON object. {_RETRAIN}")
    return manifest


def load_pipeline(*, file_name: str, allow_any_path: bool = False) -> Pipeline:
    """Load a persisted pipeline from the package's model folder.

    The manifest is checked against its seal, the file against the manifest's
    sha256, and its libraries against those installed; then the pipeline is
    built from the skops file, of trusted types only: no file makes this run
    code.

    Parameters
    ----------
    file_name : str
        The artifact's file name, e.g. ``regression_model_output_v1.2.0.skops``.
        The ``.pkl`` name the reference package used names the same artifact.
    allow_any_path : bool
        Opt in to loading from a path outside the package's model folder; the
        file is still checked against the manifest beside it, and that against
        the seal beside its folder.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Raises
    ------
    ModelNotTrainedError
        When the file does not exist.
    ArtifactIntegrityError
        When a file does not match its manifest or seal, names a type the
        package does not trust, is a pickle, or names a folder without
        ``allow_any_path=True``.
    ArtifactReadError
        When a model file cannot be read.
    ModelCompatibilityError
        When scikit-learn or feature-engine differ from the manifest's by
        minor version.

    Examples
    --------
    >>> from regression_model.processing.data_manager import load_pipeline
    >>> import regression_model
    >>> pipeline = load_pipeline(
    ...     file_name=f"regression_model_output_v{regression_model.__version__}.pkl")
    >>> type(pipeline).__name__, pipeline.steps[-1][0]
    ('Pipeline', 'regressor')
    """
    path = Path(file_name)
    if path.name != file_name and not allow_any_path:
        raise ArtifactIntegrityError(
            f"{file_name!r} is outside the package's model folder; pass "
            "allow_any_path=True to load it on purpose"
        )
    if path.name == file_name:
        path = TRAINED_MODEL_DIR / file_name
    if path.suffix == ".pkl":
        if path.is_file() and not path.with_suffix(ARTIFACT_SUFFIX).is_file():
            raise ArtifactIntegrityError(
                f"{path.name} is a pickle, and pickles are not loaded (unpickling runs "
                f"whatever code the file names); retrain with `tox -e train` to write "
                f"{path.with_suffix(ARTIFACT_SUFFIX).name}"
            )
        path = path.with_suffix(ARTIFACT_SUFFIX)  # the reference's name for the artifact
    return load_verified_pipeline(path)


def _verified(path: Path) -> tuple[dict[str, Any], bytes]:
    """The sealed manifest of the artifact at ``path`` and the artifact's bytes,
    which match it (read once: what was checked is what gets loaded)."""
    try:
        data = read_model_file(path)
    except FileNotFoundError:
        raise ModelNotTrainedError(
            f"no trained model at {path}; train one with `tox -e train` "
            "(or `python -m regression_model.train_pipeline`)"
        ) from None
    manifest = read_manifest(path)
    expected = manifest.get("artifact_sha256")
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ArtifactIntegrityError(
            f"{path.name} has sha256 {actual} but its manifest records {expected}: the file "
            f"was modified or truncated and was not loaded. {_RETRAIN}"
        )
    check_library_versions(manifest)
    return manifest, data


def verify_artifact(path: Path) -> dict[str, Any]:
    """Check an artifact exists, its manifest matches the seal, the artifact
    matches the manifest's sha256, and it was made with the installed
    scikit-learn and feature-engine minor releases.

    Returns
    -------
    dict
        The manifest that vouches for it.

    Raises
    ------
    ModelNotTrainedError, ArtifactIntegrityError, ArtifactReadError, ModelCompatibilityError
    """
    return _verified(path)[0]


def load_verified_pipeline(path: Path) -> Pipeline:
    """Check ``path`` as :func:`verify_artifact` does, then build its pipeline
    from the very bytes checked, of trusted types only."""
    _, data = _verified(path)
    return load_pipeline_bytes(data, path.name)


def read_verified_bytes(name: str, manifest: dict[str, Any]) -> bytes:
    """A file of the model folder, checked against the manifest's sha256.

    Raises
    ------
    ArtifactIntegrityError
        When the manifest does not list the file, or its content differs.
    ArtifactReadError
        When it cannot be read.
    """
    expected = manifest.get("files", {}).get(name)
    path = TRAINED_MODEL_DIR / name
    try:
        data = None if expected is None else read_model_file(path)
    except FileNotFoundError:
        data = None
    if data is None:
        raise ArtifactIntegrityError(f"{name} is not a file the model's manifest vouches for")
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ArtifactIntegrityError(
            f"{name} has sha256 {actual} but the manifest records {expected}: it was "
            f"modified and is not used. {_RETRAIN}"
        )
    return data


def read_verified_text(name: str, manifest: dict[str, Any]) -> str:
    """A text file of the model folder, checked as :func:`read_verified_bytes` does."""
    return read_verified_bytes(name, manifest).decode("utf-8")
