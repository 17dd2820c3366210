"""Keep freed memory for the next large call: glibc malloc's two thresholds.

A call of many rows makes and frees a few hundred megabytes of numpy arrays
and Python lists. glibc's malloc maps each block above its *mmap threshold*
on its own and unmaps it when freed, and hands the free top of a heap back
to the system once it exceeds the *trim threshold*; both start at 128 KiB.
So the next call gets fresh pages and takes a page fault on each: about
30,000 a 102,000-row call, a quarter of its time (see
``benchmarks/malloc_tuning.py``).

glibc raises both thresholds by itself whenever a mapped block larger than
the mmap threshold is freed, up to 32 MiB (and the trim threshold to twice
that). :func:`tune_malloc` sets them there at once, on the first call of
:data:`TUNE_FROM_ROWS` rows or more: the process keeps up to 64 MiB free at
the top of each malloc arena for its next call, instead of faulting it in
again. A process whose allocator is not glibc's is left as it is.
"""

from __future__ import annotations

import os
import threading

from regression_model.config.core import ScoringConfig
from regression_model.errors import ConfigError

__all__ = [
    "MMAP_THRESHOLD",
    "TRIM_THRESHOLD",
    "TUNE_FROM_ROWS",
    "TUNE_VARIABLE",
    "malloc_tuning_wanted",
    "tune_malloc",
]

TUNE_VARIABLE = "REGRESSION_MODEL_TUNE_MALLOC"
TUNE_FROM_ROWS = 10_000  # below this a call frees too little for it to matter
MMAP_THRESHOLD = 32 * 2**20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc pairs with it

# mallopt's parameter numbers, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_SWITCH = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}

_state: dict[str, bool] = {}  # "tuned": the outcome, once tried in this process
_state_lock = threading.Lock()


def malloc_tuning_wanted(settings: ScoringConfig) -> bool:
    """Whether to tune: ``REGRESSION_MODEL_TUNE_MALLOC`` if set, else config.

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
    True
    >>> with mock.patch.dict(os.environ, {"REGRESSION_MODEL_TUNE_MALLOC": "0"}):
    ...     malloc_tuning_wanted(get_config().scoring_config)
    False
    """
    raw = os.environ.get(TUNE_VARIABLE)
    if raw is None:
        return settings.tune_malloc
    switch = _SWITCH.get(raw.strip().lower())
    if switch is None:
        raise ConfigError(f"{TUNE_VARIABLE}={raw!r}: use 1 (tune malloc) or 0 (leave it)")
    return switch


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
    >>> from regression_model.scoring.allocator import MMAP_THRESHOLD, TUNE_FROM_ROWS
    >>> TUNE_FROM_ROWS, MMAP_THRESHOLD // 2**20  # rows, MiB
    (10000, 32)
    """
    if "tuned" in _state or n_rows < TUNE_FROM_ROWS:
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
