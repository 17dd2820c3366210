"""A bound on every wait for the database, whatever the database does.

The database's own limits come first: SQLite's busy timeout, PostgreSQL's
``lock_timeout`` and ``statement_timeout``, the driver's connect timeout. None
of them ends a wait on a server that no longer answers (its processes stopped,
a connection left half-open) or an SQLite statement that runs on. So each
transaction is watched: a :class:`Watch` is renewed before each wait and paused
while the caller holds the data; one thread per process, started on first
use, aborts the connection of a watch whose wait outlives its limit (an
SQLite connection is interrupted; a PostgreSQL connection's socket is shut
down, so the driver's wait ends as a disconnect).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

__all__ = ["WATCHDOG", "Watch", "Watchdog", "connecting"]


class Watch:
    """The bound on one transaction's waits: ``limit`` seconds from the last
    :meth:`renew`, none while paused. ``fired`` tells that it ran out."""

    __slots__ = ("abort", "deadline", "fired", "limit")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.deadline = time.monotonic() + limit
        self.abort: Callable[[], None] | None = None
        self.fired = False

    def renew(self) -> None:
        """A new wait begins: it may last ``limit`` seconds."""
        self.deadline = time.monotonic() + self.limit

    def pause(self) -> None:
        """The caller has the data: no wait on the database until :meth:`renew`."""
        self.deadline = math.inf


class Watchdog:
    """Aborts the connection of any watch that runs out (see the module)."""

    def __init__(self) -> None:
        self._forget()
        self._fork_safe = False

    def _forget(self) -> None:
        # Also the state of a forked child: its parent's thread did not come along.
        self._cond = threading.Condition(threading.Lock())
        self._active: set[Watch] = set()
        self._thread: threading.Thread | None = None
        # When the thread wakes next; arming wakes it only for an earlier deadline.
        self._wake_at = math.inf
        self._period = math.inf

    @contextmanager
    def watching(self, limit: float) -> Iterator[Watch]:
        """A watch of ``limit`` seconds, armed for the block."""
        watch = Watch(limit)
        with self._cond:
            if self._thread is None:
                self._start()
            self._active.add(watch)
            self._period = min(self._period, limit)
            if watch.deadline < self._wake_at:
                self._cond.notify()
        try:
            yield watch
        finally:
            with self._cond:
                self._active.discard(watch)
                watch.abort = None

    def attach(self, watch: Watch, abort: Callable[[], None]) -> None:
        """What ends ``watch``'s waits.

        Raises
        ------
        TimeoutError
            When the watch ran out already (while connecting): an interrupt
            would end nothing, no statement running yet.
        """
        with self._cond:
            if watch.fired:
                raise TimeoutError(f"no answer within {watch.limit:g} s")
            watch.abort = abort

    def _start(self) -> None:
        if not self._fork_safe:
            os.register_at_fork(after_in_child=self._forget)
            self._fork_safe = True
        self._thread = threading.Thread(
            target=self._run, name="regression-model-store-watchdog", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for watch in [w for w in self._active if w.deadline <= now]:
                    self._active.discard(watch)
                    watch.fired = True
                    if watch.abort is not None:
                        _quietly(watch.abort)
                earliest = min((w.deadline for w in self._active), default=math.inf)
                # Idle, it still wakes once per shortest limit, so that arming
                # a watch seldom has to wake it.
                self._wake_at = min(earliest, now + self._period)
                self._cond.wait(None if math.isinf(self._wake_at) else self._wake_at - now)


def _quietly(abort: Callable[[], None]) -> None:
    # A connection already gone has nothing left to end.
    with suppress(Exception):
        abort()


WATCHDOG = Watchdog()

# The watch of the transaction whose connection is being checked out, for the
# pool's checkout hook to attach the connection to (see ``engines``).
connecting: ContextVar[Watch | None] = ContextVar("regression_model_store_watch", default=None)
