"""The commands that score and read: train, predict, reproduce, records."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from regression_model._wording import counted
from regression_model.cli._exits import EXIT_OK, EXIT_REJECTED, EXIT_USAGE
from regression_model.errors import OutputFileError


def train(args: argparse.Namespace) -> int:
    from regression_model import train_pipeline

    argv = ["--if-stale"] if args.if_stale else []
    return train_pipeline.main(argv)


def predict(args: argparse.Namespace) -> int:
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
        f" ({summary.unreadable:,} of them unreadable, not recorded)" if summary.unreadable else ""
    )
    print(
        f"scored {summary.scored:,} of {counted(summary.rows, 'row')}{model} in "
        f"{summary.seconds:.2f} s; rejected {summary.rejected:,}{unreadable}; "
        f"{summary.recorded:,} recorded in the store",
        file=sys.stderr,
    )
    return EXIT_REJECTED if summary.rejected else EXIT_OK


def reproduce(args: argparse.Namespace) -> int:
    from regression_model import audit
    from regression_model.cli._store_admin import existing_store

    existing_store()
    try:
        answer = audit.reproduce(args.prediction_id)
    except KeyError as error:
        print(f"regression-model reproduce: {error.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(answer))
    return EXIT_OK if answer["match"] else EXIT_REJECTED


def records(args: argparse.Namespace) -> int:
    if args.fmt == "parquet" and args.output in (None, "-") and sys.stdout.isatty():
        raise OutputFileError(
            "stdout", "is a terminal, and Parquet is binary", hint="pass --output records.parquet"
        )
    from regression_model import audit
    from regression_model.cli._store_admin import existing_store

    existing_store()
    filters: dict[str, Any] = {
        "model_version": args.model_version,
        "since": args.since,
        "until": args.until,
        "call_id": args.call_id,
        "limit": args.limit,
    }
    if args.fmt or args.output:
        target: Any = sys.stdout if args.output in (None, "-") else args.output
        fmt = args.fmt or ("jsonl" if target is sys.stdout else None)
        written = audit.export_records(target, fmt, **filters)
        print(f"exported {counted(written, 'record')}", file=sys.stderr)
        return EXIT_OK
    # Streamed: memory stays that of one stored chunk, whatever the store's size.
    try:
        for record in audit.iter_records(**filters):
            sys.stdout.write(json.dumps({**record, "created_at": record["created_at"].isoformat()}))
            sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError as error:
        raise OutputFileError(
            "stdout", "closed by its reader before every record was written"
        ) from error
    return EXIT_OK
