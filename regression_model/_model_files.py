"""The model folder's files on disk: written whole with the umask's mode, read
with a one-line error, and the seal that vouches for the manifest.

The manifest vouches for every other model file by its sha256; the **seal**
vouches for the manifest. It is the file beside the model folder, named after
it (``trained_models.sha256`` beside ``trained_models/``), in ``sha256sum``'s
format, so ``sha256sum -c ../trained_models.sha256`` run in the folder checks it
too. Writing the model folder alone cannot make an edited manifest pass: the
seal lies outside it. What this does and does not protect against is in the
versioning docs ("What the artifact checks protect against").
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from regression_model.errors import ArtifactIntegrityError, ArtifactReadError

__all__ = ["atomic_write", "check_seal", "read_model_file", "seal_path", "write_seal"]

_RETRAIN = "Retrain with `tox -e train` or reinstall the package."


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` through a new temporary file in its folder, then rename, so
    a failed run never leaves half a file under the final name.

    The temporary file is created with mode 0666 less the process's umask, as
    ``open`` would (``tempfile.mkstemp`` makes it 0600, unreadable to the other
    users who run the model).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temporary, flags, 0o666)
            break
        except FileExistsError:  # another writer's name: draw again
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_model_file(path: Path) -> bytes:
    """The bytes of a model file that exists.

    Raises
    ------
    FileNotFoundError
        When it does not exist (the caller says what that means).
    ArtifactReadError
        When it cannot be read: its permissions, or an I/O error.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ArtifactReadError(
            f"{path} cannot be read ({reason}): every user who runs the model needs read "
            "access to the model files; ask whoever installed or trained it to make them "
            f"readable (chmod a+r {path.parent}/*), or retrain with `tox -e train`"
        ) from None


def seal_path(folder: Path) -> Path:
    """The seal of the model folder ``folder``: beside it, ``<folder name>.sha256``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from regression_model._model_files import seal_path
    >>> seal_path(Path("regression_model") / "trained_models").as_posix()
    'regression_model/trained_models.sha256'
    """
    return folder.with_name(folder.name + ".sha256")


def write_seal(manifest: Path) -> None:
    """Seal ``manifest`` as it is now on disk (training's last write)."""
    digest = hashlib.sha256(read_model_file(manifest)).hexdigest()
    line = f"{digest}  {manifest.name}\n".encode()
    atomic_write(seal_path(manifest.parent), lambda handle: handle.write(line))


def check_seal(manifest: Path, data: bytes) -> None:
    """Refuse manifest bytes ``data`` (read from ``manifest``) unless the seal
    beside its folder records their sha256.

    Raises
    ------
    ArtifactIntegrityError
        When the seal is missing, does not list the manifest, or records
        another sha256; the message names the files and what to do.
    ArtifactReadError
        When the seal cannot be read.
    """
    seal = seal_path(manifest.parent)
    try:
        text = read_model_file(seal).decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise ArtifactIntegrityError(
            f"no seal {seal.name} beside {manifest.parent.name}/: the manifest "
            f"{manifest.name} cannot be vouched for and the model was not loaded. {_RETRAIN}"
        ) from None
    recorded = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        recorded[name.strip()] = digest.strip()
    actual = hashlib.sha256(data).hexdigest()
    if recorded.get(manifest.name) != actual:
        raise ArtifactIntegrityError(
            f"the manifest {manifest} has sha256 {actual} but its seal {seal.name} records "
            f"{recorded.get(manifest.name, 'no sha256 for it')}: the manifest was changed "
            f"after training and the model was not loaded. {_RETRAIN}"
        )
