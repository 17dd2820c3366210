"""Every error type the package raises.

All of them derive from :class:`RegressionModelError`, so a caller can catch
the package's failures in one ``except`` clause. Each message names the row,
field, key or file at fault and says what to do about it.
"""

from __future__ import annotations

import signal

__all__ = [
    "ArtifactIntegrityError",
    "ArtifactReadError",
    "ConfigError",
    "DataError",
    "FileError",
    "IncompleteOutputError",
    "InputFileError",
    "InvalidInputError",
    "ModelCompatibilityError",
    "ModelNotTrainedError",
    "MonitoringError",
    "OutputFileError",
    "PackageIndexError",
    "PredictionStoreError",
    "RegressionModelError",
    "ReplayUnavailableError",
    "RunInterruptedError",
    "StoreQueryError",
]


class RegressionModelError(Exception):
    """Base class of every error raised by ``regression_model``."""


class ConfigError(RegressionModelError, ValueError):
    """``config.yml`` is malformed: bad YAML, unknown key, wrong type or an
    inconsistent variable list. The message names the key and its line."""


class InvalidInputError(RegressionModelError, ValueError):
    """The input to ``make_prediction`` is not a table at all (a number, a
    string, a list of scalars...). Row-level problems are not raised: they
    are reported per row in the result's ``errors``."""


class DataError(RegressionModelError, ValueError):
    """Training data is missing, does not match its recorded sha256, lacks
    the target column or holds an unusable target."""


class ModelNotTrainedError(RegressionModelError, FileNotFoundError):
    """No trained artifact exists for the installed version."""


class ArtifactIntegrityError(RegressionModelError):
    """A model file does not match its manifest, the manifest does not match
    its seal, or the fitted pipeline's file holds a type the package does not
    trust; nothing of it was loaded."""


class ArtifactReadError(RegressionModelError, OSError):
    """A model file exists but cannot be read (its permissions, an I/O error).
    The message names the file and what to do."""


class ModelCompatibilityError(RegressionModelError):
    """The model was trained under another minor version of scikit-learn or
    feature-engine than the one installed; it is not loaded."""


class PredictionStoreError(RegressionModelError):
    """The prediction store could not be written or read; no prediction is
    returned, so nothing goes unrecorded."""


class StoreQueryError(PredictionStoreError, ValueError):
    """A read of the prediction store was asked something it cannot answer: a
    time that is not a datetime, a limit that is not a whole number of 0 or
    more, an id or a filter that is not text. The message names the argument
    and what it accepts. (Any text is a valid id: one the store never issued
    is simply not found.)"""


class MonitoringError(RegressionModelError):
    """A monitor run cannot run: persistence is off, the store holds no records
    of the model in the period, or the model that made them left no reference
    profile. The message says which, and what to do."""


class PackageIndexError(RegressionModelError):
    """A package index could not be read: unreachable, an HTTP error, or a
    redirect to another host (an index forwarding unknown projects to PyPI).
    The message names the address."""


class ReplayUnavailableError(RegressionModelError):
    """A record's model could not be run: its version is not on the package
    index, or its recorded libraries cannot be installed. The message names
    what is missing."""


class FileError(RegressionModelError):
    """A file (or stdin/stdout) that cannot be used as given. The message names
    the file, the line where known, the problem and what to do; the parts are
    kept as ``path``, ``problem``, ``line`` and ``hint``."""

    def __init__(self, path: str, problem: str, line: int | None = None, hint: str = "") -> None:
        self.path, self.problem, self.line, self.hint = path, problem, line, hint
        where = path if line is None else f"{path}, line {line:,}"
        super().__init__(f"{where}: {problem}" + (f"; {hint}" if hint else ""))

    def __reduce__(self) -> tuple[type[FileError], tuple[str, str, int | None, str]]:
        # Rebuilt from its parts when pickled (multiprocessing, dask workers).
        return (type(self), (self.path, self.problem, self.line, self.hint))


class InputFileError(FileError, InvalidInputError):
    """An input file cannot be read as the table it claims to be: missing,
    empty, a folder, unreadable, binary, not UTF-8, not in its format, a
    header without the model's columns or with a column twice, a quoted field
    that never closes. Rows that cannot be parsed are not raised: they are
    rejected one by one."""


class OutputFileError(FileError):
    """An output cannot be written: its folder does not exist or is not
    writable, it is a folder, it is the input itself, or writing failed."""


class IncompleteOutputError(RegressionModelError):
    """A run failed or was interrupted after the prediction store had recorded
    rows that were not written out; the message says which. The error that
    stopped the run is its ``__cause__``."""

    def __init__(self, message: str, unwritten_rows: int = 0) -> None:
        self.unwritten_rows = unwritten_rows
        super().__init__(message)

    def __reduce__(self) -> tuple[type[IncompleteOutputError], tuple[str, int]]:
        return (type(self), (str(self), self.unwritten_rows))


class RunInterruptedError(RegressionModelError):
    """The command line received SIGINT or SIGTERM; raised in place of the
    signal so that partial outputs are removed before the process ends."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    def __reduce__(self) -> tuple[type[RunInterruptedError], tuple[int]]:
        return (type(self), (self.signum,))
