"""The ``regression-model`` command line: train, predict, info, reproduce, records,
models, store, monitor, outcomes.

Exit codes: 0 success; 1 some rows rejected (``predict``, ``outcomes add``) or
a replay that does not match (``reproduce``); 3 an alert fired (``monitor``);
2 usage errors, unusable input or output files,
and any other package error (nothing was written); 128 + the signal's number
when stopped by SIGINT (130) or SIGTERM (143). Errors are one line on stderr,
never a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from regression_model.cli._commands import predict, records, reproduce, train
from regression_model.cli._exits import exit_code, signals_as_errors, stdout_closed
from regression_model.cli._info import info
from regression_model.cli._monitor import monitor, outcomes
from regression_model.cli._parser import build_parser
from regression_model.cli._store_admin import models, store
from regression_model.errors import RegressionModelError

__all__ = ["COMMANDS", "PROCESS_OPT_INS", "main", "run"]

# What the command line opts its own process into (see
# regression_model.scoring.host_process and .allocator): it owns the process,
# so the process-wide settings that make large calls faster are its to change.
# A variable the user has set already keeps its value.
PROCESS_OPT_INS = (
    "REGRESSION_MODEL_TUNE_MALLOC",
    "REGRESSION_MODEL_PAUSE_GC",
    "REGRESSION_MODEL_HOLD_BLAS",
)

COMMANDS: dict[str, Callable[[Any], int]] = {
    "train": train,
    "predict": predict,
    "info": info,
    "reproduce": reproduce,
    "records": records,
    "models": models,
    "store": store,
    "monitor": monitor,
    "outcomes": outcomes,
}


def run() -> None:
    """The ``regression-model`` program: :func:`main` in a process of its own,
    opted in to the process-wide settings of :data:`PROCESS_OPT_INS`."""
    for variable in PROCESS_OPT_INS:
        os.environ.setdefault(variable, "1")
    raise SystemExit(main())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. Run in-process, it changes
    none of the process-wide settings :func:`run` opts in to.

    Examples
    --------
    >>> from regression_model.cli import main
    >>> main(["info"])  # doctest: +SKIP
    0
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, handlers=[_console_log()])
    # A command line wants the summary line, not one INFO record per call; the
    # level goes back afterwards, for callers running main() in-process.
    # Alembic narrates each step at INFO; the store's own lines say what changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    calls = logging.getLogger("regression_model.predict")
    level = calls.level
    calls.setLevel(logging.WARNING)
    try:
        with signals_as_errors():
            return COMMANDS[args.command](args)
    except RegressionModelError as error:
        message = " ".join(str(error).split())  # one line, whatever the cause said
        print(
            f"regression-model {args.command}: {type(error).__name__}: {message}", file=sys.stderr
        )
        if isinstance(error.__cause__, BrokenPipeError) or stdout_closed(error):
            # The reader of stdout has gone: nothing more can reach it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exit_code(error)
    finally:
        calls.setLevel(level)


def _console_log() -> logging.Handler:
    """stderr, each record behind its time in ISO 8601 in UTC to the millisecond:
    the style of every time the command line prints."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    formatter.converter = time.gmtime
    formatter.default_time_format = "%Y-%m-%dT%H:%M:%S"
    formatter.default_msec_format = "%s.%03d+00:00"
    handler.setFormatter(formatter)
    return handler
