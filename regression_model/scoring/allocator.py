"""Keep freed memory for the next large call: glibc malloc's two thresholds,
only when the process asks.

A call of many rows makes and frees a few hundred megabytes of numpy arrays
and Python lists. glibc's malloc maps each block above its *mmap threshold*
on its own and unmaps it when freed, and hands the free top of a heap back
to the system once it exceeds the *trim threshold*; both start at 128 KiB.
So the next call gets fresh pages and takes a page fault on each
(``benchmarks/malloc_tuning.py`` measures what that costs).

glibc raises both thresholds by itself whenever a mapped block larger than
the mmap threshold is freed, up to 32 MiB (and the trim threshold to twice
that). :func:`tune_malloc` sets them there at once, on the first call of
``tuning.MALLOC_TUNE_FROM_ROWS`` rows or more. The setting is the whole process's and
lasts for its life, so a library call never makes it on its own: the process
opts in (``scoring.tune_malloc`` in config.yml, or
``REGRESSION_MODEL_TUNE_MALLOC=1``; the command line opts in for its own
process). A process whose allocator is not glibc's is left as it is.
"""

from __future__ import annotations

import os
import threading

from regression_model import tuning
from regression_model.config.environment import switch
from regression_model.config.settings import ScoringConfig

__all__ = [
    "MMAP_THRESHOLD",
    "TRIM_THRESHOLD",
    "TUNE_VARIABLE",
    "malloc_tuning_wanted",
    "tune_malloc",
]

TUNE_VARIABLE = "REGRESSION_MODEL_TUNE_MALLOC"
MMAP_THRESHOLD = 32 * 2**20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc pairs with it

# mallopt's parameter numbers, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_state: dict[str, bool] = {}  # "tuned": the outcome, once tried in this process
_state_lock = threading.Lock()


def malloc_tuning_wanted(settings: ScoringConfig) -> bool:
    """Whether to tune: ``REGRESSION_MODEL_TUNE_MALLOC`` if set, else
    ``settings.tune_malloc`` (off unless the process opts in).

    Raises
    ------
    ConfigError
        When the variable holds something other than 1, 0, true, false, on or off.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> from regression_model.config.core import get_config
    >>> from regression_model.scoring.allocator import malloc_tuning_wanted
    >>> malloc_tuning_wanted(get_config().scoring_config)
    False
    >>> with mock.patch.dict(os.environ, {"REGRESSION_MODEL_TUNE_MALLOC": "1"}):
    ...     malloc_tuning_wanted(get_config().scoring_config)
    True
    """
    return switch(TUNE_VARIABLE, settings.tune_malloc)


def tune_malloc(n_rows: int, settings: ScoringConfig) -> bool:
    """Set glibc malloc's thresholds (:data:`MMAP_THRESHOLD`,
    :data:`TRIM_THRESHOLD`) once per process, for a call of ``n_rows`` rows
    when tuning is wanted and the call is large enough.

    Returns
    -------
    bool
        Whether this process's malloc has been tuned.

    Examples
    --------
    >>> from regression_model import tuning
    >>> from regression_model.scoring.allocator import MMAP_THRESHOLD
    >>> tuning.MALLOC_TUNE_FROM_ROWS, MMAP_THRESHOLD // 2**20  # rows, MiB
    (10000, 32)
    """
    if "tuned" in _state or n_rows < tuning.MALLOC_TUNE_FROM_ROWS:
        return _state.get("tuned", False)
    if not malloc_tuning_wanted(settings):
        return False
    with _state_lock:
        if "tuned" not in _state:
            _state["tuned"] = _set_thresholds()
    return _state["tuned"]


def _set_thresholds() -> bool:
    """mallopt both thresholds; False where malloc is not glibc's."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
    except (ValueError, OSError):  # no such name: not glibc
        return False
    import ctypes  # here: a process that never scores a large call never loads it

    mallopt = ctypes.CDLL(None).mallopt  # the process's own libc
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success.
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
