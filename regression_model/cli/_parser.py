"""The command line's arguments: commands, options and their checks.

Options are checked here, before any work: a bad value is a usage error
(exit 2) naming the accepted values.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TypedDict

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

    train = commands.add_parser("train", **_ABOUT["train"])
    train.add_argument(
        "--if-stale", action="store_true", help="only when no current artifact exists"
    )

    predict = commands.add_parser("predict", **_ABOUT["predict"])
    predict.add_argument("--input", required=True, help="input file, or - for stdin")
    predict.add_argument("--output", required=True, help="output file, or - for stdout")
    predict.add_argument("--errors", help="write rejected rows' errors here (JSON lines)")
    predict.add_argument(
        "--chunk-size",
        type=_whole_number(minimum=1, example="50000"),
        default=50_000,
        help="rows per chunk (a whole number from 1; default 50000)",
    )
    predict.add_argument(
        "--input-format", choices=("csv", "parquet", "jsonl"), help="instead of the name's suffix"
    )
    predict.add_argument(
        "--output-format", choices=("csv", "parquet", "jsonl"), help="instead of the name's suffix"
    )
    predict.add_argument("--no-progress", action="store_true", help="no progress bar")

    info = commands.add_parser("info", **_ABOUT["info"])
    info.add_argument("--json", action="store_true", help="print JSON")

    reproduce = commands.add_parser("reproduce", **_ABOUT["reproduce"])
    reproduce.add_argument(
        "prediction_id",
        metavar="ID",
        type=_prediction_id,
        help="a prediction id, as predict gave it",
    )

    records = commands.add_parser("records", **_ABOUT["records"])
    records.add_argument("--version", dest="model_version", help="only this model version")
    records.add_argument("--call", dest="call_id", help="only this call's records")
    records.add_argument(
        "--format", dest="fmt", choices=("parquet", "csv", "jsonl"), help="export as this table"
    )
    records.add_argument(
        "--output", help="write the table here (- for stdout; the suffix tells the format)"
    )
    records.add_argument("--since", type=_moment, help="ISO time, e.g. 2026-11-26T08:00 (UTC)")
    records.add_argument("--until", type=_moment, help="ISO time (exclusive)")
    records.add_argument(
        "--limit",
        type=_whole_number(minimum=0, example="100"),
        help="at most this many (0 or more)",
    )

    listed = commands.add_parser("models", **_ABOUT["models"])
    listed.add_argument("--json", action="store_true", help="JSON lines, manifest and plan whole")

    store = commands.add_parser("store", **_ABOUT["store"])
    actions = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", **_ABOUT["store upgrade"])
    upgrade.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
    add_monitoring_commands(commands, _moment)
    return parser


class _About(TypedDict):
    help: str
    description: str


# Each command's summary (listed by `regression-model --help`) and description
# (`regression-model COMMAND --help`).
_ABOUT: dict[str, _About] = {
    "train": {
        "help": "fit the model (same as tox -e train)",
        "description": (
            "Fit the pipeline on the training data the package ships, measure it (repeated "
            "cross-validation, price ranges), check its scoring plan against it, and write the "
            "model's files into the installed package: artifact, scoring plan, manifest, model "
            "card and seal. Logs each step. What tox -e train does."
        ),
    },
    "predict": {
        "help": "score a file or stdin, one output row per input row",
        "description": (
            "Score CSV, Parquet or JSON lines; inputs may be compressed (.gz, .bz2, .xz, "
            ".zip, .zst) and may start with a UTF-8 byte-order mark. With '-' for --input "
            "or --output the format is JSON lines unless --input-format/--output-format "
            "says otherwise. Outputs appear whole when the run completes, or not at all. "
            "Exit 0 when every row was scored, 1 when some were rejected (their errors go "
            "to --errors, else to stderr), 2 when nothing was scored (usage errors, "
            "unusable files), 130/143 when stopped by SIGINT/SIGTERM."
        ),
    },
    "info": {
        "help": "what model this is, and where predictions go",
        "description": (
            "Print which model answers (version, when trained, artifact, model identity, "
            "sha256 of the artifact and of the training data), how good it is (cross-validated "
            "RMSLE beside the reference's on the same folds, the price ranges' coverage, the "
            "rows beyond training), the library versions it was trained with and those "
            "installed, and where predictions are recorded."
        ),
    },
    "reproduce": {
        "help": (
            "replay a stored prediction with the model that made it (which may be "
            "installed from REGRESSION_MODEL_INDEX_URL)"
        ),
        "description": (
            "Re-score a stored prediction's inputs with the model that made it and compare "
            "price, price range and errors; print the answer as JSON (the replay is not "
            "recorded). The installed model replays what it made. A record of another version "
            "replays in an isolated environment cached per model: on first use, that version "
            "is installed there from the package index named by REGRESSION_MODEL_INDEX_URL and "
            "no other (unset: that replay is refused, saying why), as a wheel checked to carry "
            "the record's model before any of its code runs (never a source build), with the "
            "library versions its manifest recorded, from the installer's usual index. "
            "Exit 0 when they match, 1 when they differ or the recording model cannot be run "
            "(the answer's reason says why), 2 when ID is not a prediction id or the store "
            "holds no such record."
        ),
    },
    "records": {
        "help": "stored predictions, as JSON lines or a flat table",
        "description": (
            "Without --format or --output: each record as a JSON object on stdout. With them: "
            "a flat table (Parquet, CSV or JSON lines), one column per input field beside the "
            "price, range, errors, warnings, ids and model identity. Either way the records "
            "stream, oldest first, in the memory of one stored chunk whatever the store's "
            "size; times are ISO 8601, in UTC. Exit 2 when there is no store."
        ),
    },
    "models": {
        "help": "every model that wrote to the store",
        "description": (
            "Every model that wrote to the prediction store, first seen first, one line each: "
            "version, identity (its first 16 hex digits), when first seen and when trained "
            "(ISO 8601, UTC), training data sha256 (its first 12) and library versions. With "
            "--json, one JSON object per model, its manifest and scoring plan whole. Exit 2 "
            "when there is no store."
        ),
    },
    "store": {
        "help": "look after the prediction store",
        "description": "Look after the prediction store: 'store upgrade' migrates its schema.",
    },
    "store upgrade": {
        "help": "migrate the store to this version's schema (as first use would)",
        "description": (
            "Apply the store's pending migrations (Alembic revisions shipped in the package), "
            "or with --sql print their SQL for review without changing anything."
        ),
    },
}


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


# The form of a prediction id: a UUID as text (version 7 since store schema 3,
# version 4 before). Whether the store holds one is for the store to say.
_PREDICTION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _prediction_id(text: str) -> str:
    """An argparse type: text in the form of a prediction id."""
    if not _PREDICTION_ID.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a prediction id (ids look like 01a22b14-e621-711f-9207-b5bfffffffff)"
        )
    return text.strip()
