"""Score files of any size, chunk by chunk, at constant memory.

``predict_file`` reads CSV, Parquet or JSON lines in chunks (``input_files``),
scores each chunk with ``make_prediction`` (so each chunk is validated, logged
and recorded in the prediction store in its own transaction), and writes one
output row per input row (``output_files``): a file appears whole once the run
is complete, or not at all. A progress bar (tqdm) shows on a terminal.

What the store recorded stays accounted for: if a run fails after some chunks
were recorded but before they were written, the error says which rows and
prediction ids those are.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from regression_model.config.core import get_config
from regression_model.errors import (
    IncompleteOutputError,
    InputFileError,
    InvalidInputError,
    OutputFileError,
)
from regression_model.files.reading import (
    COMPRESSION_SUFFIXES,
    FORMATS,
    InputChunk,
    InputFile,
    open_input,
)
from regression_model.files.reading import input_format as _input_format
from regression_model.files.writing import OutputFile
from regression_model.predict import make_prediction
from regression_model.store.location import open_store

__all__ = ["FORMATS", "FileSummary", "file_format", "predict_file"]

logger = logging.getLogger(__name__)

# Signals held back while a chunk is being recorded (see _held_signals).
_HELD = (signal.SIGINT, signal.SIGTERM)
_ERROR_COLUMNS = ["row", "field", "message"]


@dataclass(frozen=True)
class FileSummary:
    """What one ``predict_file`` run did.

    ``rejected`` counts every row without a price, ``unreadable`` those of them
    the reader could not parse (never recorded); ``recorded`` is how many rows
    the prediction store holds from this run (0 when it is off).
    """

    rows: int
    scored: int
    rejected: int
    chunks: int
    seconds: float
    version: str | None
    unreadable: int = 0
    recorded: int = 0


def file_format(path: str | Path | None, given: str | None) -> str:
    """The format named, or the one the file's name implies.

    Examples
    --------
    >>> from regression_model.streaming import file_format
    >>> file_format("houses.ndjson", None), file_format("houses.csv.gz", None)
    ('jsonl', 'csv')
    """
    return _input_format(path, given)


def _output_format(target: str | Path | IO[Any], given: str | None) -> str:
    named = target if isinstance(target, (str, Path)) else None
    if named is not None and Path(named).suffix.lower() in COMPRESSION_SUFFIXES:
        raise OutputFileError(
            str(named), "outputs are written uncompressed", hint="drop the compression suffix"
        )
    try:
        return _input_format(named, given)
    except InputFileError as error:
        raise OutputFileError(error.path, error.problem, hint=error.hint) from error


def _refuse_overwriting_input(source: Any, *targets: Any) -> None:
    """The caller's data is never modified: no output may replace the input."""
    if not isinstance(source, (str, Path)) or not Path(source).exists():
        return
    for target in targets:
        if isinstance(target, (str, Path)) and Path(target).resolve() == Path(source).resolve():
            raise OutputFileError(
                str(target), "is the input file", hint="write the output to another file"
            )


@dataclass(frozen=True)
class _Recorded:
    """One chunk the store recorded: its first and last file row, how many rows,
    and the first and last prediction id (a call's ids run in order)."""

    first_row: int
    last_row: int
    count: int
    first_id: str
    last_id: str


@dataclass
class _Ledger:
    """Chunks the store recorded, and how many of them are written for good."""

    recorded: list[_Recorded] = field(default_factory=list)
    written: int = 0

    def unwritten(self) -> list[_Recorded]:
        return self.recorded[self.written :]

    def unwritten_rows(self) -> int:
        return sum(chunk.count for chunk in self.unwritten())

    def describe(self) -> str:
        """Which recorded rows were not written, for an error message."""
        chunks = self.unwritten()
        count = self.unwritten_rows()
        spans = [
            f"rows {c.first_row:,}-{c.last_row:,} (prediction ids {c.first_id} to {c.last_id})"
            for c in chunks[:3]
        ]
        if len(chunks) > 3:
            spans.append(f"and {len(chunks) - 3} more calls")
        return f"{count:,} rows were recorded in the prediction store but not written: " + (
            ", ".join(spans)
        )


@contextmanager
def _held_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block ends, so that a chunk is both
    recorded and entered in the ledger, or neither. Only the main thread
    receives signals, so elsewhere nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.getsignal(s) for s in _HELD if signal.getsignal(s) is not None}
    for held in previous:
        signal.signal(held, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for signum in caught:
            signal.raise_signal(signum)  # now handled as it would have been


class _Run:
    """One predict_file run: reads chunks, scores, writes, keeps the ledger."""

    def __init__(self, reader: InputFile, outputs: list[OutputFile], store_on: bool) -> None:
        self.reader, self.name = reader, reader.name
        self.outputs, self.store_on = outputs, store_on
        self.ledger = _Ledger()
        self.has_id: bool | None = None
        self.rows = self.scored = self.unreadable = self.recorded = self.chunks = 0
        self.version: str | None = None

    def score(self, chunk: InputChunk) -> dict[str, Any] | None:
        if not chunk.rows:
            return None
        with _held_signals():
            try:
                result = make_prediction(input_data=chunk.data)
            except InputFileError:
                raise
            except InvalidInputError as error:  # e.g. a column under both spellings
                raise InputFileError(self.name, str(error)) from error
            if self.store_on:
                ids = result["prediction_ids"]
                self.ledger.recorded.append(
                    _Recorded(chunk.rows[0], chunk.rows[-1], len(ids), ids[0], ids[-1])
                )
        return result

    def write(self, chunk: InputChunk, result: dict[str, Any] | None) -> None:
        if self.has_id is None:
            self.has_id = self._has_id(chunk)
        out, errors = _output_frames(chunk, result, self.has_id)
        self.outputs[0].write(out)
        if len(self.outputs) > 1 and len(errors):
            self.outputs[1].write(errors)
        if not self.outputs[0].is_file:  # a stream: written for good
            self.ledger.written = len(self.ledger.recorded)
        self.version = result["version"] if result else self.version
        self.rows += chunk.size
        self.scored += int(out["prediction"].notna().sum())
        self.unreadable += len(chunk.rejected)
        self.recorded += len(chunk.rows) if self.store_on else 0
        self.chunks += 1

    def finish(self) -> None:
        if self.rows == 0:  # a header-only file: a header-only output
            empty = InputChunk([], [])
            self.outputs[0].write(_output_frames(empty, None, self._has_id(empty))[0])
        for output in self.outputs:
            output.commit()
        self.ledger.written = len(self.ledger.recorded)

    def _has_id(self, chunk: InputChunk) -> bool:
        """Whether the output has an Id column: the header says (CSV, Parquet), else
        the first chunk's records (JSON lines)."""
        if self.reader.columns is not None:
            return "Id" in self.reader.columns
        if isinstance(chunk.data, pd.DataFrame):
            return "Id" in chunk.data.columns
        return any("Id" in record for record in chunk.data)

    def fail(self, error: BaseException) -> None:
        """Raise what stopped the run, saying which recorded rows were not written."""
        if not self.ledger.unwritten():
            return
        note = self.ledger.describe()
        if not isinstance(error, Exception):  # KeyboardInterrupt outside the CLI
            logger.warning("%s: %s", self.name, note)
            return
        raise IncompleteOutputError(
            f"{type(error).__name__}: {error}; {note}",
            self.ledger.unwritten_rows(),
        ) from error


def predict_file(
    source: str | Path | IO[Any],
    target: str | Path | IO[Any],
    *,
    chunk_size: int = 50_000,
    input_format: str | None = None,
    output_format: str | None = None,
    errors: str | Path | IO[Any] | None = None,
    progress: bool | None = None,
) -> FileSummary:
    """Score every row of a file and write one output row per input row.

    Parameters
    ----------
    source, target : path or file object
        Input and output: CSV, Parquet (``pip install regression-model[parquet]``)
        or JSON lines, told by suffix or by ``input_format``/``output_format``.
        An input may be compressed (``.gz``, ``.bz2``, ``.xz``, ``.zip``, and
        ``.zst`` with the zstandard package) and may start with a UTF-8
        byte-order mark; a stream input is best binary (``sys.stdin.buffer``).
        A file output is written under a temporary name and renamed when
        complete.
    chunk_size : int
        Rows per chunk: memory stays flat whatever the file's size.
    errors : path or file object, optional
        Where to write each rejected row's errors as JSON lines
        (``{"row", "field", "message"}``, rows numbered from 0 in the file).
    progress : bool, optional
        Show a tqdm progress bar; by default, when stderr is a terminal.

    Returns
    -------
    FileSummary
        Rows read, scored, rejected and recorded, chunks, seconds, model version.

    Raises
    ------
    InputFileError
        The input is missing, empty, a folder, unreadable, binary, not UTF-8,
        not in its format, or its header lacks the model's columns or names
        one twice; the message names the file and, where known, the line.
        Rows that cannot be parsed are rejected one by one instead.
    OutputFileError
        An output's folder does not exist or cannot be written (checked before
        anything is read), or writing failed.
    IncompleteOutputError
        Any error after the store had recorded rows not yet written; the
        message names them, ``__cause__`` is the error.
    InvalidInputError
        ``chunk_size`` is below 1.

    Output columns: ``row`` (0-based position in the input, blank lines not
    counted), ``Id`` when the input has one, ``prediction`` (empty for a
    rejected row), ``lower`` and ``upper`` (the price range, empty for a
    rejected row), ``prediction_id`` (empty for a row that could not be
    parsed, which is not recorded), ``errors`` (JSON list for a rejected
    row) and ``warnings`` (JSON list for a row priced beyond what the model
    learned).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from regression_model.config.core import DATASET_DIR
    >>> from regression_model.streaming import predict_file
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scored.csv"
    >>> summary = predict_file(DATASET_DIR / "test.csv", out, chunk_size=500)
    >>> summary.rows, summary.scored, summary.chunks, summary.recorded
    (1459, 1459, 3, 1459)
    """
    if chunk_size < 1:
        raise InvalidInputError(f"chunk_size must be at least 1, not {chunk_size}")
    in_fmt = _input_format(source if isinstance(source, (str, Path)) else None, input_format)
    out_fmt = _output_format(target, output_format)
    _refuse_overwriting_input(source, target, errors)
    reader = open_input(source, in_fmt)
    outputs: list[OutputFile] = []
    try:
        outputs.append(OutputFile(target, out_fmt))
        if errors is not None:
            outputs.append(OutputFile(errors, "jsonl"))
        run = _Run(reader, outputs, store_on=open_store(get_config().store_config) is not None)
        return _execute(run, reader.chunks(chunk_size), progress)
    finally:
        for output in outputs:
            output.discard()  # nothing left once committed
        reader.close()


def _execute(run: _Run, chunks: Iterator[InputChunk], progress: bool | None) -> FileSummary:
    started = time.perf_counter()
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(unit="rows", unit_scale=True, desc="scoring", file=sys.stderr)
    try:
        for chunk in chunks:
            run.write(chunk, run.score(chunk))
            if bar is not None:
                bar.update(chunk.size)
        run.finish()
    except BaseException as error:
        run.fail(error)
        raise
    finally:
        if bar is not None:
            bar.close()
    return FileSummary(
        run.rows,
        run.scored,
        run.rows - run.scored,
        run.chunks,
        time.perf_counter() - started,
        run.version,
        run.unreadable,
        run.recorded,
    )


def _output_frames(
    chunk: InputChunk, result: dict[str, Any] | None, has_id: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The output rows of a chunk in file order, and its errors file rows."""
    by_row: dict[int, list[dict[str, Any]]] = {}
    found = json.loads(result["errors"]) if result and result["errors"] else []
    for error in found:
        row = chunk.rows[error["row"]]
        by_row.setdefault(row, []).append({**error, "row": row})
    for rejected in chunk.rejected:
        by_row[rejected.row] = [{"row": rejected.row, "field": None, "message": rejected.message}]
    blanks = [None] * len(chunk.rejected)
    rows = chunk.rows + [r.row for r in chunk.rejected]
    out = pd.DataFrame({"row": pd.array(rows, dtype="int64")})
    if has_id:
        out["Id"] = pd.array(chunk.ids() + blanks, dtype=object)  # ints stay ints
    predictions = (result["predictions"] if result else []) + blanks
    out["prediction"] = pd.array(predictions, dtype="Float64")
    ranges = [r or (None, None) for r in (result["intervals"] if result else [])] + [
        (None, None)
    ] * len(blanks)
    out["lower"] = pd.array([low for low, _ in ranges], dtype="Float64")
    out["upper"] = pd.array([high for _, high in ranges], dtype="Float64")
    out["prediction_id"] = (result["prediction_ids"] if result else []) + blanks
    out["errors"] = [json.dumps(by_row[r]) if r in by_row else None for r in rows]
    warned: dict[int, list[dict[str, Any]]] = {}
    for warning in json.loads(result["warnings"]) if result and result["warnings"] else []:
        row = chunk.rows[warning["row"]]
        warned.setdefault(row, []).append({**warning, "row": row})
    out["warnings"] = [json.dumps(warned[r]) if r in warned else None for r in rows]
    if chunk.rejected:
        out = out.sort_values("row", kind="stable", ignore_index=True)
    errors = [error for row in sorted(by_row) for error in by_row[row]]
    return out, pd.DataFrame(errors, columns=_ERROR_COLUMNS)
