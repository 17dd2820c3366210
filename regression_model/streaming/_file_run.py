"""The machinery of one ``predict_file`` run: read, score, write, account.

Each chunk is scored by ``make_prediction`` (validated, logged and recorded in
the prediction store), then written. A ledger keeps which recorded chunks are
written for good, so a run that stops midway says which rows the store holds
that no output does.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from regression_model._wording import counted
from regression_model.errors import IncompleteOutputError, InputFileError, InvalidInputError
from regression_model.files.reading import InputChunk, InputFile
from regression_model.files.writing import OutputFile
from regression_model.predict import make_prediction
from regression_model.streaming._call_log import CallLog, rows_within_the_call_held

logger = logging.getLogger(__name__)

# Signals held back while a chunk is being recorded (see held_signals).
_HELD = (signal.SIGINT, signal.SIGTERM)
ERROR_COLUMNS = ["row", "field", "message"]


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
        spans = [f"{_span(c)} (prediction ids {c.first_id} to {c.last_id})" for c in chunks[:3]]
        if len(chunks) > 3:
            spans.append(f"and {counted(len(chunks) - 3, 'more call')}")
        were = "was" if count == 1 else "were"
        return f"{counted(count, 'row')} {were} recorded in the prediction store but not " + (
            "written: " + ", ".join(spans)
        )


def _span(chunk: _Recorded) -> str:
    if chunk.first_row == chunk.last_row:
        return f"row {chunk.first_row:,}"
    return f"rows {chunk.first_row:,}-{chunk.last_row:,}"


@contextmanager
def held_signals() -> Iterator[None]:
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


class Run:
    """One predict_file run: reads chunks, scores, writes, keeps the ledger."""

    def __init__(self, reader: InputFile, outputs: list[OutputFile], store_on: bool) -> None:
        self.reader, self.name = reader, reader.name
        self.outputs, self.store_on = outputs, store_on
        self.ledger = _Ledger()
        self.log = CallLog(self.name)
        self.has_id: bool | None = None
        self.rows = self.scored = self.unreadable = self.recorded = self.chunks = 0
        self.version: str | None = None

    def score(self, chunk: InputChunk) -> dict[str, Any] | None:
        if not chunk.rows:
            return None
        with held_signals():
            try:
                with rows_within_the_call_held():
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
        by_row = _by_file_row(result, "errors", chunk)
        warned = _by_file_row(result, "warnings", chunk)
        out, errors = _output_frames(chunk, result, self.has_id, by_row, warned)
        self.outputs[0].write(out)
        if len(self.outputs) > 1 and len(errors):
            self.outputs[1].write(errors)
        if not self.outputs[0].is_file:  # a stream: written for good
            self.ledger.written = len(self.ledger.recorded)
        if result is not None:
            self.log.chunk(chunk, result, by_row, warned)
        self.version = result["version"] if result else self.version
        self.rows += chunk.size
        self.scored += int(out["prediction"].notna().sum())
        self.unreadable += len(chunk.rejected)
        self.recorded += len(chunk.rows) if self.store_on else 0
        self.chunks += 1

    def finish(self) -> None:
        if self.rows == 0:  # a header-only file: a header-only output
            empty = InputChunk([], [])
            self.outputs[0].write(_output_frames(empty, None, self._has_id(empty), {}, {})[0])
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


def _by_file_row(
    result: dict[str, Any] | None, key: str, chunk: InputChunk
) -> dict[int, list[dict[str, Any]]]:
    """A result's errors or warnings grouped by row, numbered from the file's start."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for entry in json.loads(result[key]) if result and result[key] else []:
        row = chunk.rows[entry["row"]]
        grouped.setdefault(row, []).append({**entry, "row": row})
    return grouped


def _output_frames(
    chunk: InputChunk,
    result: dict[str, Any] | None,
    has_id: bool,
    failed: dict[int, list[dict[str, Any]]],
    warned: dict[int, list[dict[str, Any]]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The output rows of a chunk in file order, and its errors file rows;
    ``failed`` and ``warned`` are the result's errors and warnings, by file row."""
    by_row = dict(failed)
    for rejected in chunk.rejected:
        by_row[rejected.row] = [{"row": rejected.row, "field": None, "message": rejected.message}]
    blanks = [None] * len(chunk.rejected)
    rows = chunk.rows + [r.row for r in chunk.rejected]
    out = pd.DataFrame({"row": pd.array(rows, dtype="int64")})
    if has_id:
        out["Id"] = pd.array(chunk.ids() + blanks, dtype=object)  # ints stay ints
    predictions = (result["predictions"] if result else []) + blanks
    out["prediction"] = pd.array(predictions, dtype="Float64")
    ranges = [r or (None, None) for r in (result["intervals"] if result else [])]
    ranges += [(None, None)] * len(blanks)
    out["lower"] = pd.array([low for low, _ in ranges], dtype="Float64")
    out["upper"] = pd.array([high for _, high in ranges], dtype="Float64")
    out["prediction_id"] = (result["prediction_ids"] if result else []) + blanks
    out["errors"] = [json.dumps(by_row[r]) if r in by_row else None for r in rows]
    out["warnings"] = [json.dumps(warned[r]) if r in warned else None for r in rows]
    if chunk.rejected:
        out = out.sort_values("row", kind="stable", ignore_index=True)
    errors = [error for row in sorted(by_row) for error in by_row[row]]
    return out, pd.DataFrame(errors, columns=ERROR_COLUMNS)
