"""The command line's arguments: commands, options and their checks.

Options are checked here, before any work: a bad value is a usage error
(exit 2) naming the accepted values.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime, timezone

import regression_model
from regression_model.cli._monitor import add_monitoring_commands


def build_parser() -> argparse.ArgumentParser:
    """The ``regression-model`` parser, with one subparser per command."""
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

    records = commands.add_parser(
        "records",
        help="stored predictions, as JSON lines or a flat table",
        description=(
            "Without --format or --output: each record as a JSON object on stdout. With them: "
            "a flat table (Parquet, CSV or JSON lines), one column per input field beside the "
            "price, range, errors, warnings, ids and model identity, streamed in bounded memory."
        ),
    )
    records.add_argument("--version", dest="model_version", help="only this model version")
    records.add_argument("--call", dest="call_id", help="only this call's records")
    records.add_argument(
        "--format", dest="fmt", choices=("parquet", "csv", "jsonl"), help="export as this table"
    )
    records.add_argument(
        "--output", help="write the table here (- for stdout; the suffix tells the format)"
    )
    records.add_argument("--since", type=_moment, help="ISO time, e.g. 2026-11-26T08:00")
    records.add_argument("--until", type=_moment, help="ISO time (exclusive)")
    records.add_argument(
        "--limit",
        type=_whole_number(minimum=0, example="100"),
        help="at most this many (0 or more)",
    )

    listed = commands.add_parser("models", help="every model that wrote to the store")
    listed.add_argument("--json", action="store_true", help="JSON lines, manifest and plan whole")

    store = commands.add_parser("store", help="look after the prediction store")
    actions = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser(
        "upgrade",
        help="migrate the store to this version's schema (as first use would)",
        description=(
            "Apply the store's pending migrations (Alembic revisions shipped in the package), "
            "or with --sql print their SQL for review without changing anything."
        ),
    )
    upgrade.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
    add_monitoring_commands(commands, _moment)
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
