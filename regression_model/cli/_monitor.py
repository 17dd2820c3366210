"""The commands that read the store back: ``monitor`` and ``outcomes add``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from regression_model.cli._exits import EXIT_OK, EXIT_REJECTED

__all__ = ["add_monitoring_commands", "monitor", "outcomes"]


def add_monitoring_commands(commands: Any, moment: Callable[[str], datetime]) -> None:
    """Add ``monitor`` and ``outcomes`` to the parser's ``commands``; ``moment``
    parses an ISO time."""
    monitor = commands.add_parser(
        "monitor",
        help="compare stored predictions with the training: drift, warnings, realized accuracy",
        description=(
            "Read one model's stored predictions in windows and compare each with the "
            "reference profile made at training: input drift per field, rejected and warned "
            "rows, predicted prices and, with sales recorded (outcomes add), realized RMSLE, "
            "bias and range coverage. Each run and its results are written to the store. "
            "Exit 0 when no alert fires, 3 when one does, 2 when it cannot run."
        ),
    )
    monitor.add_argument("--since", type=moment, help="ISO time (default: the first record)")
    monitor.add_argument("--until", type=moment, help="ISO time, exclusive (default: now)")
    monitor.add_argument(
        "--version", dest="model_version", help="the model version (default: the newest)"
    )
    monitor.add_argument(
        "--every",
        choices=("day", "week", "month"),
        default="day",
        help="the length of each window (default: day)",
    )
    monitor.add_argument(
        "--format",
        dest="fmt",
        choices=("table", "json"),
        default="table",
        help="a table for people, or JSON for programs (default: table)",
    )
    monitor.add_argument("--report", help="also write this HTML page (the report extra)")
    monitor.add_argument(
        "--no-record", action="store_true", help="do not write the results to the store"
    )
    outcomes = commands.add_parser(
        "outcomes",
        help="record the sale prices of predicted houses",
        description=(
            "Record what predicted houses sold for, so that monitor can report how right "
            "the prices and ranges were: 'outcomes add FILE'."
        ),
    )
    actions = outcomes.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="record sales from a CSV or Parquet file",
        description=(
            "Record sales (prediction_id, sale_price, optionally sold_on) from a CSV or "
            "Parquet file. A sale already recorded alike counts once; rejected rows (not a "
            "prediction id, unknown id, not a price or a date, another sale already recorded) "
            "go to --errors, else to stderr, as JSON lines. Exit 0 when every row was "
            "recorded, 1 when some were rejected, 2 when the file cannot be read."
        ),
    )
    add.add_argument("file", help="a CSV or Parquet file")
    add.add_argument("--errors", help="write rejected rows here (JSON lines)")


def monitor(args: argparse.Namespace) -> int:
    from regression_model.monitoring.runner import monitor as run
    from regression_model.monitoring.text_table import render_table

    if args.report:
        _check_report(Path(args.report))
    report = run(
        since=args.since,
        until=args.until,
        version=args.model_version,
        every=args.every,
        record=not args.no_record,
    )
    if args.report:
        from regression_model.monitoring.html_report import write_html_report

        write_html_report(report, args.report)
    print(report.to_json() if args.fmt == "json" else render_table(report))
    return report.exit_code


def _check_report(path: Path) -> None:
    """Fail before any work when the page cannot be made or written."""
    from regression_model.errors import MonitoringError
    from regression_model.files.writing import check_output_place

    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise MonitoringError(
            "the HTML report needs matplotlib: pip install 'ames-price-model[report]'"
        ) from error
    check_output_place(path)


def outcomes(args: argparse.Namespace) -> int:
    from regression_model import audit
    from regression_model.errors import OutputFileError
    from regression_model.files.writing import check_output_place

    errors: Any = sys.stderr
    if args.errors:  # opened first: rejected rows are never recorded without a place to go
        check_output_place(Path(args.errors))
        try:
            errors = open(args.errors, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            reason = error.strerror or str(error)
            raise OutputFileError(args.errors, f"cannot be written: {reason}") from error
    try:
        summary = audit.add_outcomes(args.file)
        errors.writelines(json.dumps(item) + "\n" for item in summary.rejected)
    finally:
        if errors is not sys.stderr:
            errors.close()
    print(
        f"recorded {summary.added} of {summary.rows} sales; {summary.already_recorded} were "
        f"already recorded; rejected {len(summary.rejected)}",
        file=sys.stderr,
    )
    return EXIT_REJECTED if summary.rejected else EXIT_OK
