"""Exit codes, and errors turned into one line on stderr."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from regression_model.errors import (
    IncompleteOutputError,
    OutputFileError,
    RegressionModelError,
    RunInterruptedError,
)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def stdout_closed(error: RegressionModelError) -> bool:
    cause = error.__cause__
    return isinstance(cause, OutputFileError) and isinstance(cause.__cause__, BrokenPipeError)


def exit_code(error: RegressionModelError) -> int:
    """128 + the signal's number when interrupted (the shell's convention), else 2."""
    stopped = error.__cause__ if isinstance(error, IncompleteOutputError) else error
    if isinstance(stopped, RunInterruptedError):
        return 128 + stopped.signum
    return EXIT_USAGE


@contextmanager
def signals_as_errors() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into RunInterruptedError, so ``finally`` blocks run:
    temporary outputs are removed and the message says what was recorded."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise RunInterruptedError(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
