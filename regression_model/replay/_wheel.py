"""The recording version's wheel: fetched from the named index and checked from
its own files before any of its code can run.

Only a built wheel is taken (installing one runs none of its code; building an
sdist runs its ``setup.py``), and only from the index the user named. The wheel
is read as a zip: its ``VERSION``, its model's manifest and scoring plan. The
model identity they give (``versioning.model_identity``) must be the record's
(for records made before identities, the artifact's sha256 must be), and the
artifact and plan must match the manifest's sha256. The file checked is the
file installed.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from regression_model.errors import PackageIndexError, ReplayUnavailableError
from regression_model.replay._index import (
    FORMER_PROJECT,
    PROJECT,
    IndexFile,
    files_on_index,
    opener,
    version_of,
)

_TIMEOUT_SECONDS = 300
_LARGEST_WHEEL = 512 << 20  # bytes: far above the package's few MB
_LARGEST_MEMBER = 64 << 20  # bytes: a manifest, plan or artifact read from the zip
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.+-]+\.whl")
_MODELS = "regression_model/trained_models/"


@dataclass(frozen=True)
class RecordedModel:
    """What a record says of the model that made it."""

    version: str
    identity: str | None  # None for records made before identities
    artifact_sha256: str

    @property
    def cache_key(self) -> str:
        """Names its cached environment: the identity, else the artifact's sha256."""
        return self.identity or self.artifact_sha256


@dataclass(frozen=True)
class CheckedWheel:
    """A wheel whose model is the record's, downloaded to ``path``."""

    path: Path
    project: str
    sha256: str
    requirements: list[str]


def fetch_checked_wheel(model: RecordedModel, index: str, folder: Path) -> CheckedWheel:
    """Download ``model``'s wheel from ``index`` into ``folder`` and check it.

    Raises
    ------
    ReplayUnavailableError
        In one line: the index holds no such version, or no wheel of it, or
        the wheel is not the one the record names.
    """
    project, files = _files_of(model.version, index)
    wheel = _pick_wheel(files, project, model.version, index)
    path, sha256 = _download(wheel, folder)
    requirements = check_wheel(path, model)
    return CheckedWheel(path=path, project=project, sha256=sha256, requirements=requirements)


def _files_of(version: str, index: str) -> tuple[str, list[IndexFile]]:
    """The project name the index holds ``version`` under, and its files there."""
    held: dict[str, set[str]] = {}
    for project in (PROJECT, FORMER_PROJECT):
        try:
            files = files_on_index(index, project)
        except PackageIndexError as error:
            raise ReplayUnavailableError(
                f"model {version} cannot be looked up on the package index {index}: {error}"
            ) from error
        mine = [f for f in files if version_of(f.name, project) == version]
        if mine:
            return project, mine
        held[project] = {v for v in (version_of(f.name, project) for f in files) if v}
    has = "; ".join(f"{p} {', '.join(sorted(v))}" for p, v in held.items() if v)
    raise ReplayUnavailableError(
        f"{PROJECT} {version} is not on the package index {index}, nor {FORMER_PROJECT} "
        f"{version} (its name up to 1.9.1); the index has {has or 'no version of either'}. "
        "Publish it there, or name the index that has it in REGRESSION_MODEL_INDEX_URL"
    )


def _pick_wheel(files: list[IndexFile], project: str, version: str, index: str) -> IndexFile:
    wheels = sorted(
        (f for f in files if f.name.endswith("-py3-none-any.whl")), key=lambda f: f.name
    )
    if not wheels:
        names = ", ".join(sorted(f.name for f in files))
        raise ReplayUnavailableError(
            f"the package index {index} holds no built wheel of {project} {version} (only "
            f"{names}); replay installs wheels only, since building a source distribution "
            "runs its code: publish the wheel"
        )
    return wheels[0]


def _download(wheel: IndexFile, folder: Path) -> tuple[Path, str]:
    """The wheel saved in ``folder``, and its sha256 (checked against the index's)."""
    if not _SAFE_NAME.fullmatch(wheel.name):
        raise ReplayUnavailableError(f"the index lists a wheel named {wheel.name!r}: refused")
    try:
        with opener().open(wheel.url, timeout=_TIMEOUT_SECONDS) as response:
            data = response.read(_LARGEST_WHEEL + 1)
    except (PackageIndexError, OSError) as error:
        raise ReplayUnavailableError(f"{wheel.url} cannot be downloaded: {error}") from error
    if len(data) > _LARGEST_WHEEL:
        raise ReplayUnavailableError(f"{wheel.url} is larger than {_LARGEST_WHEEL >> 20} MiB")
    sha256 = hashlib.sha256(data).hexdigest()
    if wheel.sha256 is not None and sha256 != wheel.sha256:
        raise ReplayUnavailableError(
            f"{wheel.name} has sha256 {sha256} but the index lists {wheel.sha256}: not installed"
        )
    path = folder / wheel.name
    path.write_bytes(data)
    return path, sha256


def check_wheel(path: Path, model: RecordedModel) -> list[str]:
    """Check the wheel at ``path`` carries ``model``, from its files alone (none
    of its code runs); its requirements (extras left out).

    Raises
    ------
    ReplayUnavailableError
        Naming what differs.
    """
    wrong = f"{path.name} is not the wheel of the model that made the record"
    try:
        with zipfile.ZipFile(path) as wheel:
            carried = _read(wheel, "regression_model/VERSION").decode("utf-8").strip()
            manifest = _manifest(wheel)
            artifact = _read(wheel, _MODELS + str(manifest.get("artifact_file")))
            if carried != model.version or manifest.get("version") != model.version:
                raise ReplayUnavailableError(
                    f"{wrong}: it carries version {carried}, not {model.version}"
                )
            if hashlib.sha256(artifact).hexdigest() != manifest.get("artifact_sha256"):
                raise ReplayUnavailableError(f"{wrong}: its artifact does not match its manifest")
            _check_identity(wheel, manifest, model, wrong)
            metadata = _read(wheel, _metadata_name(wheel))
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as error:
        raise ReplayUnavailableError(
            f"{path.name} is not a wheel of this package: {error}"
        ) from None
    return _requirements(metadata)


def _check_identity(
    wheel: zipfile.ZipFile, manifest: dict[str, Any], model: RecordedModel, wrong: str
) -> None:
    """The wheel's model identity (from its manifest and plan) is the record's; for
    a record made before identities, its artifact's sha256."""
    from regression_model.versioning import model_identity

    if model.identity is None:
        if manifest["artifact_sha256"] != model.artifact_sha256:
            raise ReplayUnavailableError(
                f"{wrong}: its artifact has sha256 {manifest['artifact_sha256']}, the record's "
                f"{model.artifact_sha256}"
            )
        return
    plan_name = str(manifest.get("scoring_plan", {}).get("file"))
    plan = _read(wheel, _MODELS + plan_name)
    if hashlib.sha256(plan).hexdigest() != manifest.get("files", {}).get(plan_name):
        raise ReplayUnavailableError(f"{wrong}: its scoring plan does not match its manifest")
    identity = model_identity(
        manifest["model_fingerprint"], json.loads(plan), manifest["artifact_sha256"]
    )
    if identity != model.identity:
        raise ReplayUnavailableError(
            f"{wrong}: it carries model identity {identity}, the record {model.identity}"
        )


def _read(wheel: zipfile.ZipFile, name: str) -> bytes:
    info = wheel.getinfo(name)  # KeyError when missing
    if info.file_size > _LARGEST_MEMBER:
        raise ValueError(f"{name} is larger than {_LARGEST_MEMBER >> 20} MiB")
    return wheel.read(info)


def _manifest(wheel: zipfile.ZipFile) -> dict[str, Any]:
    """The one manifest in the wheel's model folder (the JSON naming an artifact)."""
    found = []
    for name in wheel.namelist():
        if name.startswith(_MODELS) and name.endswith(".json") and "/" not in name[len(_MODELS) :]:
            if name.endswith(".plan.json"):
                continue
            content = json.loads(_read(wheel, name))
            if isinstance(content, dict) and "artifact_file" in content:
                found.append(content)
    if len(found) != 1:
        raise ValueError(f"{len(found)} model manifests in {_MODELS}, not one")
    return found[0]


def _metadata_name(wheel: zipfile.ZipFile) -> str:
    names = [n for n in wheel.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
    if len(names) != 1:
        raise ValueError("no single .dist-info/METADATA")
    return names[0]


def _requirements(metadata: bytes) -> list[str]:
    """The wheel's Requires-Dist, without the extras' ones."""
    headers = HeaderParser().parsestr(metadata.decode("utf-8"))
    return [r for r in headers.get_all("Requires-Dist") or [] if "extra ==" not in r]
