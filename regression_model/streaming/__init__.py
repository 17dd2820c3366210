"""Score files of any size, chunk by chunk, at constant memory.

``predict_file`` reads CSV, Parquet or JSON lines in chunks (``files.reading``),
scores each chunk with ``make_prediction`` (so each chunk is validated, logged
and recorded in the prediction store in its own transaction), and writes one
output row per input row (``files.writing``): a file appears whole once the run
is complete, or not at all. A progress bar (tqdm) shows on a terminal. Log
records name rows by their place in the file, not in the chunk.

What the store recorded stays accounted for: if a run fails after some chunks
were recorded but before they were written, the error says which rows and
prediction ids those are.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from regression_model.config.core import get_config
from regression_model.errors import InvalidInputError, OutputFileError
from regression_model.files.reading import FORMATS, open_input
from regression_model.files.reading import input_format as _input_format
from regression_model.files.writing import OutputFile
from regression_model.files.writing import output_format as _output_format
from regression_model.store.location import open_store
from regression_model.streaming._file_run import Run
from regression_model.streaming._progress import progress_bar

__all__ = ["FORMATS", "FileSummary", "file_format", "predict_file"]


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


def _refuse_overwriting_input(source: Any, *targets: Any) -> None:
    """The caller's data is never modified: no output may replace the input."""
    if not isinstance(source, (str, Path)) or not Path(source).exists():
        return
    for target in targets:
        if isinstance(target, (str, Path)) and Path(target).resolve() == Path(source).resolve():
            raise OutputFileError(
                str(target), "is the input file", hint="write the output to another file"
            )


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
        Input and output: CSV, Parquet (``pip install ames-price-model[parquet]``)
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
        Show a tqdm progress bar on stderr; by default, when stderr is a
        terminal. It has a total, and so the time left, for a file (its size;
        a Parquet file's rows), not for a stream.

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

    Logging (``regression_model.streaming``): one WARNING at the end of the run
    counting the rows priced beyond what the model learned, and at DEBUG each
    row's price and each warning, all numbered by file row. ``make_prediction``'s
    own records of a chunk pass unchanged, except those that number rows within
    the chunk, which these replace.

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
    config = get_config()
    reader = open_input(source, in_fmt, config=config)
    outputs: list[OutputFile] = []
    try:
        outputs.append(OutputFile(target, out_fmt))
        if errors is not None:
            outputs.append(OutputFile(errors, "jsonl"))
        run = Run(reader, outputs, store_on=open_store(config.store_config) is not None)
        show = sys.stderr.isatty() if progress is None else progress
        return _execute(run, chunk_size, show)
    finally:
        for output in outputs:
            output.discard()  # nothing left once committed
        reader.close()


def _execute(run: Run, chunk_size: int, show: bool) -> FileSummary:
    started = time.perf_counter()
    with progress_bar(run.reader, show) as bar:
        try:
            for chunk in run.reader.chunks(chunk_size):
                result = run.score(chunk)
                with bar.aside():  # an output on the terminal writes above the bar
                    run.write(chunk, result)
                bar.advance()
            run.finish()
            bar.advance(done=True)
        except BaseException as error:
            run.fail(error)
            raise
    run.log.summary()
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
