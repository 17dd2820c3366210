"""Process-wide settings a call may hold for its length, only when asked.

Two changes make large calls faster, and both belong to the whole process a
call runs in, not to the call:

* pausing Python's cyclic garbage collector: a large batch makes a
  ``[low, high]`` list per row, and every 700 new objects start a collection
  that walks the young ones, now and then every object of the process;
* holding BLAS to one thread while a call of many rows is priced: its matrix
  products are small (tens of columns), BLAS's threads on top of the parts
  a large call is priced in only contend for the same cores, and on a busy
  machine a BLAS thread that waits for a core stalls every product.

While either is held, every thread of the process sees it. So a library call
leaves both alone unless the process opts in (``scoring.pause_collector`` and
``scoring.hold_blas_threads`` in config.yml, or ``REGRESSION_MODEL_PAUSE_GC``
and ``REGRESSION_MODEL_HOLD_BLAS``; the command line opts in for its own
process). Calls on several threads share one hold: the first to enter makes
the change, the last to leave undoes it, so no call ends another's hold
midway.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from regression_model import tuning
from regression_model.config.environment import switch
from regression_model.config.settings import ScoringConfig

__all__ = [
    "BLAS_VARIABLE",
    "PAUSE_VARIABLE",
    "SharedHold",
    "blas_held",
    "collector_paused",
]

PAUSE_VARIABLE = "REGRESSION_MODEL_PAUSE_GC"
BLAS_VARIABLE = "REGRESSION_MODEL_HOLD_BLAS"


class SharedHold:
    """A process-wide change held while any call needs it.

    ``make()`` makes the change and returns what undoes it; the first of
    overlapping holders calls it, the last one out undoes it.

    Examples
    --------
    >>> from regression_model.scoring.host_process import SharedHold
    >>> log = []
    >>> hold = SharedHold(lambda: (log.append("made"), lambda: log.append("undone"))[1])
    >>> with hold.held():
    ...     with hold.held():
    ...         log.append("work")
    >>> log
    ['made', 'work', 'undone']
    """

    def __init__(self, make: Callable[[], Callable[[], None]]) -> None:
        self._make = make
        self._holders = 0
        self._undo: Callable[[], None] | None = None
        self._lock = threading.Lock()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the change for the block."""
        with self._lock:
            if self._holders == 0:
                self._undo = self._make()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._undo is not None:
                    undo, self._undo = self._undo, None
                    undo()


def _pause_collector() -> Callable[[], None]:
    # Reached only through collector_paused, when the process opted in (off
    # by default; the command line opts in for its own process).
    was_enabled = gc.isenabled()
    gc.disable()
    return gc.enable if was_enabled else lambda: None


@functools.cache
def _blas_pools() -> Any:
    """threadpoolctl's controller of the process's BLAS libraries, found once
    (finding them walks every loaded library: half a millisecond)."""
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    return ThreadpoolController().select(user_api="blas")


def _one_blas_thread() -> Callable[[], None]:
    limits = _blas_pools().limit(limits=1)
    undo: Callable[[], None] = limits.restore_original_limits
    return undo


_COLLECTOR = SharedHold(_pause_collector)
_BLAS = SharedHold(_one_blas_thread)


def collector_paused(settings: ScoringConfig) -> AbstractContextManager[None]:
    """Pause the collector for the block if the process opted in
    (``REGRESSION_MODEL_PAUSE_GC``, else ``settings.pause_collector``); else
    change nothing.

    Raises
    ------
    ConfigError
        When the variable holds something other than 1, 0, true, false, on or off.

    Examples
    --------
    >>> import gc
    >>> from regression_model.config.core import get_config
    >>> from regression_model.scoring.host_process import collector_paused
    >>> with collector_paused(get_config().scoring_config):  # the default: left alone
    ...     gc.isenabled()
    True
    """
    if switch(PAUSE_VARIABLE, settings.pause_collector):
        return _COLLECTOR.held()
    return nullcontext()


def blas_held(settings: ScoringConfig, n_rows: int) -> AbstractContextManager[None]:
    """Hold BLAS to one thread for the block, for a call of ``n_rows`` rows, if
    the process opted in (``REGRESSION_MODEL_HOLD_BLAS``, else
    ``settings.hold_blas_threads``) and the call is large enough for BLAS to
    start threads (``tuning.BLAS_FROM_ROWS``); else change nothing.

    Raises
    ------
    ConfigError
        When the variable holds something other than 1, 0, true, false, on or off.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from regression_model.config.core import get_config
    >>> from regression_model.scoring.host_process import blas_held
    >>> before = [pool["num_threads"] for pool in threadpool_info()]
    >>> with blas_held(get_config().scoring_config, 100_000):  # the default: left alone
    ...     [pool["num_threads"] for pool in threadpool_info()] == before
    True
    """
    if n_rows >= tuning.BLAS_FROM_ROWS and switch(BLAS_VARIABLE, settings.hold_blas_threads):
        return _BLAS.held()
    return nullcontext()
