"""Opening an input file as bytes, decompressed by its name's last suffix."""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO

from regression_model.errors import InputFileError

COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zip", ".zst")


def compression_of(path: Path) -> str | None:
    """The compression its name's last suffix names, or None."""
    suffix = path.suffix.lower()
    return suffix if suffix in COMPRESSION_SUFFIXES else None


def _open_zip(raw: BinaryIO, name: str) -> IO[bytes]:
    archive = zipfile.ZipFile(raw)
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        archive.close()
        raise InputFileError(
            name, f"the zip archive holds {len(members)} files", hint="zip exactly one file"
        )
    return archive.open(members[0])


def _open_zstd(raw: BinaryIO, name: str) -> IO[bytes]:
    try:
        import zstandard
    except ImportError as error:
        raise InputFileError(
            name, "reading .zst files needs the zstandard package", hint="pip install zstandard"
        ) from error
    handle: IO[bytes] = zstandard.open(raw, "rb")
    return handle


# How the file's bytes are read, by its compression suffix (no suffix: as they are).
# Each reads from the file open_path opened, and leaves closing it to its caller.
_OPENERS: dict[str | None, Callable[[BinaryIO, str], Any]] = {
    None: lambda raw, _: raw,
    ".gz": lambda raw, _: gzip.open(raw, "rb"),  # noqa: SIM115
    ".bz2": lambda raw, _: bz2.open(raw, "rb"),  # noqa: SIM115
    ".xz": lambda raw, _: lzma.open(raw, "rb"),  # noqa: SIM115
    ".zip": _open_zip,
    ".zst": _open_zstd,
}

# Errors a damaged compressed stream raises while it is read.
_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    lzma.LZMAError,
    zlib.error,
    zipfile.BadZipFile,
)


def stream_errors() -> tuple[type[BaseException], ...]:
    """Every error a damaged compressed stream may raise while it is read."""
    try:
        import zstandard
    except ImportError:
        return _STREAM_ERRORS
    return (*_STREAM_ERRORS, zstandard.ZstdError)


def refuse_folder(path: Path) -> None:
    """An input must be a file: a folder fails, whatever its name."""
    if path.is_dir():
        raise InputFileError(str(path), "is a folder, not a file", hint="name a file inside it")


def refuse_missing(path: Path) -> None:
    """An input must exist: a missing path fails, naming it."""
    if not path.exists():
        raise InputFileError(
            str(path), "does not exist", hint="check the path and the current folder"
        )


def open_path(path: Path) -> tuple[IO[bytes], BinaryIO]:
    """The file's bytes, decompressed, and the file as stored (its position is
    how much of it was read; closing it is the caller's, after the first); a
    missing, folder or unreadable file fails."""
    name = str(path)
    refuse_folder(path)
    refuse_missing(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 (closed by the caller)
    except PermissionError as error:
        raise InputFileError(name, "cannot be read: permission denied") from error
    try:
        handle: IO[bytes] = _OPENERS[compression_of(path)](raw, name)
        return handle, raw
    except InputFileError:
        raw.close()
        raise
    except stream_errors() as error:
        raw.close()
        raise InputFileError(name, f"cannot be opened: {error}") from error
