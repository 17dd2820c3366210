"""The ``regression-model`` command line: train, predict, info, reproduce, records.

Exit codes: 0 success; 1 some rows rejected (``predict``) or a replay that
does not match (``reproduce``); 2 usage errors, unusable input or output files,
and any other package error (nothing was written); 128 + the signal's number
when stopped by SIGINT (130) or SIGTERM (143). Errors are one line on stderr,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from types import FrameType
from typing import Any

import regression_model
from regression_model.errors import (
    IncompleteOutputError,
    OutputFileError,
    RegressionModelError,
    RunInterruptedError,
)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regression-model",
        description="Train, version and serve Ames house-price predictions.",
    )
    parser.add_argument("--version", action="version", version=regression_model.__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="fit the model (same as tox -e train)")
    train.add_argument(
        "--if-stale", action="store_true", help="only when no current artifact exists"
    )

    predict = commands.add_parser(
        "predict",
        help="score a file or stdin, one output row per input row",
        description=(
            "Score CSV, Parquet or JSON lines; inputs may be compressed (.gz, .bz2, .xz, "
            ".zip, .zst) and may start with a UTF-8 byte-order mark. With '-' for --input "
            "or --output the format is JSON lines unless --input-format/--output-format "
            "says otherwise. Outputs appear whole when the run completes, or not at all. "
            "Exit 0 when every row was scored, 1 when some were rejected (their errors go "
            "to --errors, else to stderr), 2 when nothing was scored (usage errors, "
            "unusable files), 130/143 when stopped by SIGINT/SIGTERM."
        ),
    )
    predict.add_argument("--input", required=True, help="input file, or - for stdin")
    predict.add_argument("--output", required=True, help="output file, or - for stdout")
    predict.add_argument("--errors", help="write rejected rows' errors here (JSON lines)")
    predict.add_argument(
        "--chunk-size",
        type=_whole_number(minimum=1, example="50000"),
        default=50_000,
        help="rows per chunk (a whole number from 1; default 50000)",
    )
    predict.add_argument("--input-format", choices=("csv", "parquet", "jsonl"))
    predict.add_argument("--output-format", choices=("csv", "parquet", "jsonl"))
    predict.add_argument("--no-progress", action="store_true", help="no progress bar")

    info = commands.add_parser("info", help="what model this is, and where predictions go")
    info.add_argument("--json", action="store_true", help="print JSON")

    reproduce = commands.add_parser("reproduce", help="re-score a stored prediction")
    reproduce.add_argument("prediction_id")

    records = commands.add_parser("records", help="stored predictions, as JSON lines")
    records.add_argument("--version", dest="model_version", help="only this model version")
    records.add_argument("--since", type=_moment, help="ISO time, e.g. 2026-11-26T08:00")
    records.add_argument("--until", type=_moment, help="ISO time (exclusive)")
    records.add_argument(
        "--limit",
        type=_whole_number(minimum=0, example="100"),
        help="at most this many (0 or more)",
    )
    return parser


def _whole_number(*, minimum: int, example: str) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not accepted: give a whole number of {minimum} or more, "
                f"e.g. {example}"
            )
        return number

    return parse


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or time: give e.g. 2026-11-26 or 2026-11-26T08:00 "
            "or 2026-11-26T08:00+01:00"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _train(args: argparse.Namespace) -> int:
    from regression_model import train_pipeline

    argv = ["--if-stale"] if args.if_stale else []
    return train_pipeline.main(argv)


def _predict(args: argparse.Namespace) -> int:
    from regression_model.streaming import predict_file

    # stdin as bytes, so empty, binary and non-UTF-8 input can be told apart.
    source: Any = sys.stdin.buffer if args.input == "-" else args.input
    target: Any = sys.stdout if args.output == "-" else args.output
    input_format = args.input_format or ("jsonl" if args.input == "-" else None)
    output_format = args.output_format or ("jsonl" if args.output == "-" else None)
    errors: Any = args.errors if args.errors else sys.stderr
    summary = predict_file(
        source,
        target,
        chunk_size=args.chunk_size,
        input_format=input_format,
        output_format=output_format,
        errors=errors,
        progress=False if args.no_progress else None,
    )
    model = f" with model {summary.version}" if summary.version else ""
    unreadable = (
        f" ({summary.unreadable} of them unreadable, not recorded)" if summary.unreadable else ""
    )
    print(
        f"scored {summary.scored} of {summary.rows} rows{model} in {summary.seconds:.2f} s; "
        f"rejected {summary.rejected}{unreadable}; {summary.recorded} recorded in the store",
        file=sys.stderr,
    )
    return EXIT_REJECTED if summary.rejected else EXIT_OK


def _info(args: argparse.Namespace) -> int:
    import importlib.metadata

    from regression_model import audit
    from regression_model.predict import load_model
    from regression_model.store.location import masked_url

    model = load_model()
    manifest = model.manifest
    url = masked_url(audit.resolve_url())
    facts = {
        "version": model.version,
        "artifact": str(model.path),
        "artifact_sha256": model.artifact_sha256,
        "training_data_sha256": manifest.get("training_data_sha256"),
        "trained_at": manifest.get("trained_at"),
        "metrics": manifest.get("metrics"),
        "libraries_at_training": manifest.get("libraries"),
        "libraries_installed": {
            name: importlib.metadata.version(name) for name in manifest.get("libraries", {})
        },
        "scoring_plan_fallback_steps": manifest.get("scoring_plan", {}).get("fallback_steps"),
        "prediction_store": url,
    }
    if args.json:
        print(json.dumps(facts, indent=2))
        return EXIT_OK
    print("\n".join(f"{label:<16} {describe(facts)}" for label, describe in _INFO_LINES))
    return EXIT_OK


def _accuracy(facts: dict[str, Any]) -> str:
    cv = facts["metrics"]["cv"]
    every, without = cv["all_rows"], cv["without_flagged"]
    return (
        f"repeated {cv['folds']}-fold CV RMSLE over all {every['rows']} rows "
        f"{every['pooled_mean']:.4f} (std {every['pooled_std']:.4f}, {len(cv['seeds'])} seeds); "
        f"without the flagged sales {without['pooled_mean']:.4f}"
    )


def _ranges(facts: dict[str, Any]) -> str:
    intervals = facts["metrics"]["intervals"]
    return (
        f"{intervals['nominal']:.0%} nominal: {intervals['coverage']:.1%} of true prices "
        f"inside in CV, median width {intervals['median_width']:.1%} of the price"
    )


def _beyond(facts: dict[str, Any]) -> str:
    beyond = facts["metrics"]["out_of_range"]
    return (
        f"{beyond['rows']:.1f} training rows per CV seed, RMSLE {beyond['rmsle_beyond']:.4f} "
        f"(the others {beyond['rmsle_within']:.4f})"
    )


def _libraries(facts: dict[str, Any]) -> str:
    installed = facts["libraries_installed"]
    return ", ".join(
        f"{name} {version}"
        + ("" if version == installed[name] else f" (installed {installed[name]})")
        for name, version in (facts["libraries_at_training"] or {}).items()
    )


def _reference(facts: dict[str, Any]) -> str:
    from regression_model.training.model_card import reference_summary

    return reference_summary(facts["metrics"].get("reference_cv") or {})


# What `regression-model info` prints, line by line.
_INFO_LINES: list[tuple[str, Any]] = [
    ("regression_model", lambda f: f"{f['version']}, trained {f['trained_at']}"),
    ("artifact:", lambda f: f["artifact"]),
    ("artifact sha256:", lambda f: f["artifact_sha256"]),
    ("training data:", lambda f: f"sha256 {f['training_data_sha256']}"),
    ("accuracy:", _accuracy),
    ("compared with:", _reference),
    ("price ranges:", _ranges),
    ("beyond training:", _beyond),
    ("libraries:", _libraries),
    ("predictions go:", lambda f: f["prediction_store"]),
]


def _reproduce(args: argparse.Namespace) -> int:
    from regression_model import audit

    try:
        answer = audit.reproduce(args.prediction_id)
    except KeyError as error:
        print(f"regression-model reproduce: {error.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(answer))
    return EXIT_OK if answer["match"] else EXIT_REJECTED


def _records(args: argparse.Namespace) -> int:
    from regression_model import audit

    found = audit.find(
        model_version=args.model_version, since=args.since, until=args.until, limit=args.limit
    )
    for record in found:
        print(json.dumps({**record, "created_at": record["created_at"].isoformat()}))
    return EXIT_OK


COMMANDS = {
    "train": _train,
    "predict": _predict,
    "info": _info,
    "reproduce": _reproduce,
    "records": _records,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> from regression_model.cli import main
    >>> main(["info"])  # doctest: +SKIP
    0
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("regression_model.predict").setLevel(logging.WARNING)
    try:
        with _signals_as_errors():
            return COMMANDS[args.command](args)
    except RegressionModelError as error:
        message = " ".join(str(error).split())  # one line, whatever the cause said
        print(
            f"regression-model {args.command}: {type(error).__name__}: {message}", file=sys.stderr
        )
        if isinstance(error.__cause__, BrokenPipeError) or _stdout_closed(error):
            # The reader of stdout has gone: nothing more can reach it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _exit_code(error)


def _stdout_closed(error: RegressionModelError) -> bool:
    cause = error.__cause__
    return isinstance(cause, OutputFileError) and isinstance(cause.__cause__, BrokenPipeError)


def _exit_code(error: RegressionModelError) -> int:
    """128 + the signal's number when interrupted (the shell's convention), else 2."""
    stopped = error.__cause__ if isinstance(error, IncompleteOutputError) else error
    if isinstance(stopped, RunInterruptedError):
        return 128 + stopped.signum
    return EXIT_USAGE


@contextmanager
def _signals_as_errors() -> Iterator[None]:
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


if __name__ == "__main__":
    raise SystemExit(main())
