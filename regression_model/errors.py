"""Every error type the package raises.

All of them derive from :class:`RegressionModelError`, so a caller can catch
the package's failures in one ``except`` clause. Each message names the row,
field, key or file at fault and says what to do about it.
"""

from __future__ import annotations


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
    """A model artifact does not match its manifest and was not loaded."""


class ModelCompatibilityError(RegressionModelError):
    """The model was trained under another minor version of scikit-learn or
    feature-engine than the one installed; it is not loaded."""


class PredictionStoreError(RegressionModelError):
    """The prediction store could not be written or read; no prediction is
    returned, so nothing goes unrecorded."""
