"""Read the files ``predict_file`` scores: CSV, JSON lines and Parquet.

A file is opened by :func:`open_input` and read in chunks by
:meth:`InputFile.chunks`. Each :class:`InputChunk` holds the rows to score, their
0-based positions in the file, and the rows that could not be parsed (a CSV row
of the wrong width or with broken quoting, a JSON line that is not an object),
each with its line number and the parser's reason: rows fail, not files.

What is wrong with the file itself (missing, empty, a folder, unreadable,
binary, not UTF-8, not in its format, a header without the model's columns or
with a column twice) raises :class:`InputFileError` naming the file and, where
known, the line. pandas', json's, codecs' and pyarrow's errors never escape.

Text is decoded as UTF-8, strictly; a byte-order mark is dropped (spreadsheet
programs write one). Compression is told by the name's last suffix.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from regression_model.config.core import get_config
from regression_model.config.settings import Config
from regression_model.errors import InputFileError
from regression_model.files._compressed import (
    COMPRESSION_SUFFIXES,
    compression_of,
    open_path,
    refuse_folder,
    refuse_missing,
    stream_errors,
)
from regression_model.files._csv import (
    Lines,
    batched,
    check_header,
    csv_records,
    header_names,
    line_lists,
    next_csv_chunk,
)
from regression_model.files._formats import FORMAT_SUFFIXES, FORMATS, format_from_name
from regression_model.files._jsonl import jsonl_chunk
from regression_model.files._parquet import parquet_chunks
from regression_model.files._position import Position
from regression_model.files._text import not_utf8, refuse_non_text
from regression_model.files.chunks import InputChunk, Progress, RejectedRow

__all__ = [
    "COMPRESSION_SUFFIXES",
    "FORMATS",
    "FORMAT_SUFFIXES",
    "InputChunk",
    "InputFile",
    "Progress",
    "RejectedRow",
    "input_format",
    "open_input",
]

_BLOCK = 1 << 20

# What to do when not one row of a file's first chunk can be parsed.
_UNREADABLE_HINTS = {
    "csv": "each row needs as many fields as the header names",
    "jsonl": "write one JSON object per line, or name the format the file is in",
}


def input_format(source: str | Path | None, given: str | None) -> str:
    """The format named, or the one the file's name implies (compression suffix
    aside).

    Raises
    ------
    InputFileError
        When ``source`` is a folder, ``given`` is not one of :data:`FORMATS`, or
        no format is named and the name does not tell; a missing file whose
        name does not tell is called missing instead.

    Examples
    --------
    >>> from regression_model.files.reading import input_format
    >>> input_format("houses.csv.gz", None), input_format("-", "jsonl")
    ('csv', 'jsonl')
    """
    if source is not None:
        refuse_folder(Path(source))
    name = "stdin" if source is None else str(source)
    try:
        return format_from_name(name, given, "--input-format", COMPRESSION_SUFFIXES)
    except InputFileError:
        # A file that is not there is the first thing to fix, not its name.
        if source is not None:
            refuse_missing(Path(source))
        raise


class InputFile:
    """An input opened for reading: a path (maybe compressed) or a stream.

    Parameters
    ----------
    source : path or file object
        A file, or a binary stream such as ``sys.stdin.buffer`` (a text stream
        works too, without the encoding checks).
    fmt : str
        ``csv``, ``jsonl`` or ``parquet``.
    name : str, optional
        What messages call it; by default the path, or the stream's name.
    config : Config, optional
        Whose columns the header must hold; the package's own by default.
    """

    def __init__(
        self,
        source: str | Path | IO[Any],
        fmt: str,
        name: str | None = None,
        config: Config | None = None,
    ) -> None:
        self.fmt = fmt
        self.config = config or get_config()
        self.columns: list[str] | None = None  # the header's, once read (CSV, Parquet)
        self.rows_read = 0
        self._rows: int | None = None  # how many the file holds, where it says (Parquet)
        self._raw: BinaryIO | None = None  # the file as stored, for a path
        self._position: Position | None = None  # where in it the lines taken end
        if isinstance(source, (str, Path)):
            self.path: Path | None = Path(source)
            self.name = name or str(source)
            self._handle: IO[Any]
            self._handle, self._raw = open_path(self.path)
            self._position = Position(self._raw)
        else:
            self.path = None
            self.name = name or str(getattr(source, "name", "input stream")).strip("<>")
            self._handle = source
        if fmt == "parquet" and self.path is not None and compression_of(self.path):
            self.close()
            raise InputFileError(
                self.name,
                "Parquet is read uncompressed (it compresses its own columns)",
                hint="decompress it first",
            )

    def close(self) -> None:
        """Close what :func:`open_input` opened (a caller's stream stays open)."""
        if self._raw is not None:
            self._handle.close()
            self._raw.close()

    def progress(self) -> Progress:
        """How far reading has gone: rows against the count a Parquet file
        gives, else bytes of the file as stored against its size; rows alone
        for a stream."""
        if self.fmt == "parquet" or self._position is None:
            return Progress(self.rows_read, self._rows, "rows", self.rows_read)
        return Progress(self._position.done, self._position.size, "B", self.rows_read)

    def chunks(self, chunk_size: int) -> Iterator[InputChunk]:
        """The file's rows, ``chunk_size`` at a time (parsed and rejected alike)."""
        readers = {"csv": self._csv_chunks, "jsonl": self._jsonl_chunks}
        if self.fmt == "parquet":
            for chunk in parquet_chunks(
                self._handle, self.name, chunk_size, self.config, self._parquet_header
            ):
                self.rows_read += chunk.size
                yield chunk
            return
        lines = self._lines()
        for index, chunk in enumerate(readers[self.fmt](lines, chunk_size)):
            if index == 0 and chunk.rejected and not chunk.rows:
                # Not one row of the first chunk parses: the file is not in its
                # format at all, rather than a file with some broken rows.
                first = (
                    "its first row cannot"
                    if chunk.size == 1
                    else f"none of its first {chunk.size:,} rows can"
                )
                raise InputFileError(
                    self.name,
                    f"{first} be read as {self.fmt} ({chunk.rejected[0].message})",
                    hint=_UNREADABLE_HINTS[self.fmt],
                )
            self.rows_read += chunk.size
            if self._position is not None:
                self._position.take(lines.count)
            yield chunk

    def _parquet_header(self, names: list[str], rows: int) -> None:
        self.columns, self._rows = names, rows

    # ---- text: bytes checked and decoded, then lines ----

    def _read(self, size: int) -> bytes | str:
        try:
            block: bytes | str = self._handle.read(size)
        except stream_errors() as error:
            compression = compression_of(self.path) if self.path is not None else None
            problem = f"is damaged or not {compression} data" if compression else "cannot be read"
            raise InputFileError(self.name, f"{problem}: {error}") from error
        return block

    def _lines(self) -> Lines:
        """The lines, without their ends (whatever the file used), checked as text."""
        first = self._read(_BLOCK)
        if isinstance(first, str):  # a caller's text stream: already decoded
            rest = iter(lambda: self._read(_BLOCK), "")
            texts = cast(Iterator[str], itertools.chain([first], rest))
        else:
            refuse_non_text(first, self.name, self.fmt)
            texts = self._decoded(first)
        return Lines(itertools.chain.from_iterable(line_lists(texts)))

    def _decoded(self, first: bytes) -> Iterator[str]:
        inner = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
        decoder = io.IncrementalNewlineDecoder(inner, translate=True)
        lines_before, block = 0, first
        while True:
            held = len(inner.getstate()[0])
            nul = block.find(b"\0")
            if nul >= 0:
                raise InputFileError(
                    self.name,
                    f"is binary (it holds NUL bytes), not {self.fmt} text",
                    line=lines_before + block.count(b"\n", 0, nul) + 1,
                    hint=f"give a UTF-8 {self.fmt} file",
                )
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                raise not_utf8(
                    self.name, block, max(0, error.start - held), lines_before
                ) from error
            if self._position is not None:
                self._position.mark(text.count("\n"))
            yield text
            if not block:
                return
            lines_before += block.count(b"\n")
            block = self._read(_BLOCK)  # type: ignore[assignment]

    # ---- CSV ----

    def _csv_chunks(self, lines: Lines, chunk_size: int) -> Iterator[InputChunk]:
        header = next(csv_records(lines.numbered(), self.name), None)
        if header is None:
            raise InputFileError(self.name, "is empty", hint="a CSV file needs a header line")
        if header.problem:
            raise InputFileError(self.name, header.problem, line=header.line)
        names = header_names(next(csv.reader([header.text])))
        check_header(names, self.name, header.text, self.config, header.line)
        self.columns = names
        row = 0
        while True:
            # A function call per chunk, so its lines and text are freed before
            # the chunk is scored.
            chunk = next_csv_chunk(lines, chunk_size, names, row, self.name)
            if chunk is None:
                return
            row += chunk.size
            yield chunk

    # ---- JSON lines ----

    def _jsonl_chunks(self, lines: Lines, chunk_size: int) -> Iterator[InputChunk]:
        numbered = ((n, text) for n, text in lines.numbered() if text.strip())
        first = next(numbered, None)
        if first is None:
            raise InputFileError(self.name, "is empty", hint="write one JSON object per line")
        if first[1].lstrip().startswith("["):
            raise InputFileError(
                self.name,
                "holds a JSON array, not JSON lines",
                line=first[0],
                hint="write one JSON object per line",
            )
        row = 0
        for batch in batched(itertools.chain([first], numbered), chunk_size):
            chunk = jsonl_chunk(batch, row, self.config.model_config.variables_to_rename)
            row += chunk.size
            yield chunk


def open_input(
    source: str | Path | IO[Any], fmt: str, name: str | None = None, config: Config | None = None
) -> InputFile:
    """Open an input: a missing, folder, unreadable or misnamed file fails here.

    Examples
    --------
    >>> from regression_model.config.core import DATASET_DIR
    >>> from regression_model.files.reading import open_input
    >>> source = open_input(DATASET_DIR / "test.csv", "csv")
    >>> [chunk.size for chunk in source.chunks(1000)]
    [1000, 459]
    >>> source.close()
    """
    return InputFile(source, fmt, name, config)
