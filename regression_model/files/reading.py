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

import bz2
import codecs
import csv
import gzip
import io
import itertools
import json
import lzma
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pandas as pd

from regression_model.config.core import get_config
from regression_model.errors import InputFileError
from regression_model.scoring.inputs import check_names

FORMATS = ("csv", "parquet", "jsonl")
FORMAT_SUFFIXES = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zip", ".zst")

# Only "NA" and an empty field are missing; "None" (no masonry veneer) is a value.
_NA_VALUES = ["NA", ""]
_BLOCK = 1 << 20

# What a file starts with when it is not text, and what to do about it.
_MAGIC = {
    b"PAR1": ("a Parquet file", "name it .parquet or pass --input-format parquet"),
    b"\x1f\x8b": ("gzip-compressed", "add .gz to its name"),
    b"BZh": ("bzip2-compressed", "add .bz2 to its name"),
    b"\xfd7zXZ\x00": ("xz-compressed", "add .xz to its name"),
    b"\x28\xb5\x2f\xfd": ("zstd-compressed", "add .zst to its name"),
    b"PK\x03\x04": ("a zip archive (or an Excel workbook)", "add .zip, or export it as CSV"),
    b"\xd0\xcf\x11\xe0": ("an old Excel or Office file", "export it as CSV (UTF-8)"),
    b"%PDF": ("a PDF document", "export the table as CSV (UTF-8)"),
    b"\xff\xfe": ("UTF-16 text", "save it as UTF-8"),
    b"\xfe\xff": ("UTF-16 text", "save it as UTF-8"),
}
_SAVE_AS_UTF8 = "save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')"

# What to do when not one row of a file's first chunk can be parsed.
_UNREADABLE_HINTS = {
    "csv": "each row needs as many fields as the header names",
    "jsonl": "write one JSON object per line, or name the format the file is in",
}

# How a header that holds none of the model's columns may have been written.
_HEADER_HINTS = {
    "{": "it looks like JSON lines: name it .jsonl or pass --input-format jsonl",
    ";": "its fields seem separated by ';': save it with commas",
    "\t": "its fields seem separated by tabs: save it with commas",
    "|": "its fields seem separated by '|': save it with commas",
}


@dataclass(frozen=True)
class RejectedRow:
    """A row the reader could not parse: its 0-based position, first line, reason."""

    row: int
    line: int
    message: str


@dataclass
class InputChunk:
    """Consecutive rows of a file: ``data`` (a DataFrame, or records for JSON
    lines) holds the parsed ones, at file positions ``rows``; ``rejected`` the
    others."""

    data: pd.DataFrame | list[dict[str, Any]]
    rows: list[int]
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.rows) + len(self.rejected)

    def ids(self) -> list[Any]:
        """The ``Id`` of each parsed row (None where it has none)."""
        if isinstance(self.data, pd.DataFrame):
            if "Id" not in self.data.columns:
                return [None] * len(self.rows)
            return self.data["Id"].astype(object).where(self.data["Id"].notna(), None).tolist()
        return [record.get("Id") for record in self.data]


def input_format(source: str | Path | None, given: str | None) -> str:
    """The format named, or the one the file's name implies (compression suffix
    aside).

    Raises
    ------
    InputFileError
        When ``given`` is not one of :data:`FORMATS`, or no format is named and
        the name does not tell.

    Examples
    --------
    >>> from regression_model.files.reading import input_format
    >>> input_format("houses.csv.gz", None), input_format("-", "jsonl")
    ('csv', 'jsonl')
    """
    name = "stdin" if source is None else str(source)
    if given is not None:
        if given not in FORMATS:
            raise InputFileError(name, f"unknown format {given!r}", hint=f"use one of {FORMATS}")
        return given
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] in COMPRESSION_SUFFIXES:
        suffixes.pop()
    if not suffixes or suffixes[-1] not in FORMAT_SUFFIXES:
        accepted = ", ".join(FORMAT_SUFFIXES)
        raise InputFileError(
            name,
            "cannot tell its format from its name",
            hint=f"name it {accepted} (each may end in {', '.join(COMPRESSION_SUFFIXES)}), "
            "or pass the format",
        )
    return FORMAT_SUFFIXES[suffixes[-1]]


def _compression(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return suffix if suffix in COMPRESSION_SUFFIXES else None


def _open_zip(path: Path, mode: str) -> IO[bytes]:
    archive = zipfile.ZipFile(path)
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        archive.close()
        raise InputFileError(
            str(path), f"the zip archive holds {len(members)} files", hint="zip exactly one file"
        )
    return archive.open(members[0])


def _open_zstd(path: Path, mode: str) -> IO[bytes]:
    try:
        import zstandard
    except ImportError as error:
        raise InputFileError(
            str(path),
            "reading .zst files needs the zstandard package",
            hint="pip install zstandard",
        ) from error
    handle: IO[bytes] = zstandard.open(path, mode)
    return handle


# How each compression suffix is opened (no suffix: a plain file).
_OPENERS: dict[str | None, Callable[[Path, str], Any]] = {
    None: open,
    ".gz": gzip.open,
    ".bz2": bz2.open,
    ".xz": lzma.open,
    ".zip": _open_zip,
    ".zst": _open_zstd,
}

# Errors a damaged compressed stream raises while it is read.
_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    lzma.LZMAError,
    zlib.error,
    zipfile.BadZipFile,
)


def _zstd_errors() -> tuple[type[BaseException], ...]:
    try:
        import zstandard
    except ImportError:
        return ()
    return (zstandard.ZstdError,)


def _open_path(path: Path) -> IO[bytes]:
    name = str(path)
    if path.is_dir():
        raise InputFileError(name, "is a folder, not a file", hint="name a file inside it")
    if not path.exists():
        raise InputFileError(name, "does not exist", hint="check the path and the current folder")
    compression = _compression(path)
    try:
        handle: IO[bytes] = _OPENERS[compression](path, "rb")
        return handle
    except InputFileError:
        raise
    except PermissionError as error:
        raise InputFileError(name, "cannot be read: permission denied") from error
    except (*_STREAM_ERRORS, *_zstd_errors()) as error:
        raise InputFileError(name, f"cannot be opened: {error}") from error


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
    """

    def __init__(self, source: str | Path | IO[Any], fmt: str, name: str | None = None) -> None:
        self.fmt = fmt
        self.columns: list[str] | None = None  # the header's, once read (CSV, Parquet)
        if isinstance(source, (str, Path)):
            self.path: Path | None = Path(source)
            self.name = name or str(source)
            self._handle: IO[Any] = _open_path(self.path)
        else:
            self.path = None
            self.name = name or str(getattr(source, "name", "input stream")).strip("<>")
            self._handle = source
        if fmt == "parquet" and self.path is not None and _compression(self.path):
            self.close()
            raise InputFileError(
                self.name,
                "Parquet is read uncompressed (it compresses its own columns)",
                hint="decompress it first",
            )

    def close(self) -> None:
        """Close what :func:`open_input` opened (a caller's stream stays open)."""
        if self.path is not None:
            self._handle.close()

    def chunks(self, chunk_size: int) -> Iterator[InputChunk]:
        """The file's rows, ``chunk_size`` at a time (parsed and rejected alike)."""
        readers = {"csv": self._csv_chunks, "jsonl": self._jsonl_chunks}
        if self.fmt == "parquet":
            yield from _parquet_chunks(self, chunk_size)
            return
        for index, chunk in enumerate(readers[self.fmt](self._lines(), chunk_size)):
            if index == 0 and chunk.rejected and not chunk.rows:
                # Not one row of the first chunk parses: the file is not in its
                # format at all, rather than a file with some broken rows.
                raise InputFileError(
                    self.name,
                    f"none of its first {chunk.size:,} rows can be read as {self.fmt} "
                    f"({chunk.rejected[0].message})",
                    hint=_UNREADABLE_HINTS[self.fmt],
                )
            yield chunk

    # ---- text: bytes checked and decoded, then lines ----

    def _read(self, size: int) -> bytes | str:
        try:
            block: bytes | str = self._handle.read(size)
        except (*_STREAM_ERRORS, *_zstd_errors()) as error:
            compression = _compression(self.path) if self.path is not None else None
            problem = f"is damaged or not {compression} data" if compression else "cannot be read"
            raise InputFileError(self.name, f"{problem}: {error}") from error
        return block

    def _lines(self) -> _Lines:
        """The lines, without their ends (whatever the file used), checked as text."""
        first = self._read(_BLOCK)
        if isinstance(first, str):  # a caller's text stream: already decoded
            rest = iter(lambda: self._read(_BLOCK), "")
            texts = cast(Iterator[str], itertools.chain([first], rest))
        else:
            _refuse_non_text(first, self.name, self.fmt)
            texts = self._decoded(first)
        return _Lines(itertools.chain.from_iterable(_line_lists(texts)))

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
                yield decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                raise _not_utf8(
                    self.name, block, max(0, error.start - held), lines_before
                ) from error
            if not block:
                return
            lines_before += block.count(b"\n")
            block = self._read(_BLOCK)  # type: ignore[assignment]

    # ---- CSV ----

    def _csv_chunks(self, lines: _Lines, chunk_size: int) -> Iterator[InputChunk]:
        header = next(_csv_records(lines.numbered(), self.name), None)
        if header is None:
            raise InputFileError(self.name, "is empty", hint="a CSV file needs a header line")
        if header.problem:
            raise InputFileError(self.name, header.problem, line=header.line)
        names = _header_names(next(csv.reader([header.text])))
        _check_header(names, self.name, header.text, header.line)
        self.columns = names
        row = 0
        while True:
            # A function call per chunk, so its lines and text are freed before
            # the chunk is scored.
            chunk = _next_csv_chunk(lines, chunk_size, names, row, self.name)
            if chunk is None:
                return
            row += chunk.size
            yield chunk

    # ---- JSON lines ----

    def _jsonl_chunks(self, lines: _Lines, chunk_size: int) -> Iterator[InputChunk]:
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
        for batch in _batched(itertools.chain([first], numbered), chunk_size):
            chunk = _jsonl_chunk(batch, row)
            row += chunk.size
            yield chunk


def open_input(source: str | Path | IO[Any], fmt: str, name: str | None = None) -> InputFile:
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
    return InputFile(source, fmt, name)


def _refuse_non_text(first: bytes, name: str, fmt: str) -> None:
    """Fail early on an empty stream or one that starts like a known binary format."""
    if not first:
        raise InputFileError(name, "is empty", hint=f"it should hold {fmt} text")
    for magic, (kind, hint) in _MAGIC.items():
        if first.startswith(magic):
            raise InputFileError(name, f"is {kind}, not {fmt} text", hint=hint)


def _not_utf8(name: str, block: bytes, position: int, lines_before: int) -> InputFileError:
    start = block.rfind(b"\n", 0, position) + 1
    byte = block[position : position + 1].hex() or "??"
    line = lines_before + block.count(b"\n", 0, position) + 1
    controls = sum(1 for b in block[:4096] if b < 9 or 13 < b < 32)
    if controls > len(block[:4096]) // 20:
        return InputFileError(name, "is binary, not text", line=line, hint="give a UTF-8 text file")
    return InputFileError(
        name,
        f"is not UTF-8 text (byte 0x{byte} at column {position - start + 1}); "
        "it may be Latin-1 or Windows-1252",
        line=line,
        hint=_SAVE_AS_UTF8,
    )


def _line_lists(texts: Iterator[str]) -> Iterator[list[str]]:
    """The lines of each text block without their ends, a list at a time."""
    pending = ""
    for text in texts:
        parts = (pending + text).split("\n")
        pending = parts.pop()
        yield parts
    if pending:
        yield [pending]


class _Lines:
    """Lines read so far are counted, so a batch taken whole (the fast path) and
    lines taken one by one (records spanning lines) share one numbering."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0

    def take(self, size: int) -> list[str]:
        batch = list(itertools.islice(self._lines, size))
        self.count += len(batch)
        return batch

    def put_back(self, batch: list[str]) -> None:
        self._lines = itertools.chain(batch, self._lines)
        self.count -= len(batch)

    def numbered(self) -> Iterator[tuple[int, str]]:
        """(line number from 1, line), one at a time."""
        for line in self._lines:
            self.count += 1
            yield self.count, line


def _batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


@dataclass(frozen=True)
class _Record:
    """One CSV record: its first line, raw text, number of fields, and what
    stops it from being parsed, if anything."""

    line: int
    text: str
    width: int
    problem: str = ""


def _csv_records(numbered: Iterator[tuple[int, str]], name: str) -> Iterator[_Record]:
    """Records of non-empty lines. A line without quotes is one record, split at
    commas; from a quote on, the csv module (strict) decides where the record
    ends, so a quoted field may hold commas and line breaks."""
    taken: list[str] = []

    def more() -> Iterator[str]:
        # The lines after a quote, kept as the csv module takes them.
        for _, text in numbered:
            taken.append(text + "\n")
            yield text + "\n"

    for number, line in numbered:
        if line == "":
            continue
        if '"' not in line:
            yield _Record(number, line + "\n", line.count(",") + 1)
            continue
        line += "\n"
        taken[:] = [line]
        try:
            width = len(next(csv.reader(itertools.chain([line], more()), strict=True)))
        except csv.Error as error:
            if str(error) == "unexpected end of data":
                raise InputFileError(
                    name,
                    "a quoted field opens on this line and never closes",
                    line=number,
                    hint="close the quote, or remove it",
                ) from error
            yield _Record(number, "".join(taken), 0, f"broken quoting ({error})")
            continue
        yield _Record(number, "".join(taken), width)


def _header_names(fields: list[str]) -> list[str]:
    # An empty header cell gets pandas' name for it.
    return [name.strip() or f"Unnamed: {i}" for i, name in enumerate(fields)]


def _check_header(names: list[str], file: str, text: str, line: int = 1) -> None:
    """A header holds at least one of the model's columns, and names each once."""
    config = get_config().model_config
    known = set(config.features) | set(config.variables_to_rename)
    if known.intersection(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputFileError(
                file,
                f"the header names {', '.join(twice)} more than once",
                line=line,
                hint="keep one column of each name",
            )
        return
    seen = text.strip()
    seen = seen if len(seen) <= 80 else seen[:77] + "..."
    hint = next((h for mark, h in _HEADER_HINTS.items() if mark in text), "")
    raise InputFileError(
        file,
        f"none of the model's {len(config.features)} columns is in the header: expected "
        f"columns such as {', '.join(config.required_features)}; saw {len(names)} "
        f"column(s): {seen!r}",
        line=line,
        hint=hint or "the first line must name the columns",
    )


def _csv_chunk(batch: list[_Record], names: list[str], first_row: int, name: str) -> InputChunk:
    good: list[_Record] = []
    rows: list[int] = []
    rejected: list[RejectedRow] = []
    for row, record in enumerate(batch, first_row):
        if not record.problem and record.width == len(names):
            good.append(record)
            rows.append(row)
        else:
            problem = record.problem or (
                f"expected {len(names)} fields as in the header, found {record.width}"
            )
            rejected.append(RejectedRow(row, record.line, f"line {record.line}: {problem}"))
    text = "".join(record.text for record in good)
    first_line = good[0].line if good else batch[0].line
    return InputChunk(_csv_frame(text, len(good), names, name, first_line), rows, rejected)


def _next_csv_chunk(
    lines: _Lines, chunk_size: int, names: list[str], row: int, name: str
) -> InputChunk | None:
    """The next ``chunk_size`` records, or None at the end."""
    first_line = lines.count + 1
    batch = lines.take(chunk_size)
    if not batch:
        return None
    if "" in batch or any('"' in line for line in batch):
        # Blank lines or quotes: records and lines may differ, so take records
        # one by one (a quoted one may run past this batch).
        lines.put_back(batch)
        records = list(itertools.islice(_csv_records(lines.numbered(), name), chunk_size))
        return _csv_chunk(records, names, row, name)
    return _plain_csv_chunk(batch, first_line, names, row, name)


def _plain_csv_chunk(
    batch: list[str], first_line: int, names: list[str], first_row: int, name: str
) -> InputChunk:
    """Lines without quotes or blank lines: one record each, whose width is its
    commas plus one."""
    widths = list(map(str.count, batch, itertools.repeat(",")))
    if widths.count(len(names) - 1) == len(batch):
        rows = list(range(first_row, first_row + len(batch)))
        text = "\n".join(batch) + "\n"
        return InputChunk(_csv_frame(text, len(batch), names, name, first_line), rows)
    records = [
        _Record(number, line + "\n", width + 1)
        for number, line, width in zip(itertools.count(first_line), batch, widths)
    ]
    return _csv_chunk(records, names, first_row, name)


def _csv_frame(text: str, count: int, names: list[str], name: str, line: int) -> pd.DataFrame:
    """Parse ``count`` records the width check let through, with pandas' type
    inference. Quoted text goes to pandas' python engine, which splits records
    as the csv module did; quote-free text to the faster C engine."""
    quoted = '"' in text
    try:
        with warnings.catch_warnings():
            # A column typed differently in two of pandas' internal blocks comes
            # back as objects; validation reads those cell by cell, so say nothing.
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame: pd.DataFrame = pd.read_csv(
                io.BytesIO(text.encode("utf-8")),  # StringIO would hold 4 bytes a character
                encoding="utf-8",
                header=None,
                names=names,
                keep_default_na=False,
                na_values=_NA_VALUES,
                engine="python" if quoted else "c",
            )
    except (ValueError, csv.Error) as error:  # pandas' ParserError is a ValueError
        raise InputFileError(name, f"cannot be parsed from here on: {error}", line=line) from error
    if len(frame) != count:
        raise InputFileError(
            name,
            f"pandas found {len(frame)} rows from here on where the reader found {count}",
            line=line,
            hint="check the quoting in these lines",
        )
    return frame


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        twice = sorted({k for k, _ in pairs if [p[0] for p in pairs].count(k) > 1})
        raise ValueError(f"key {', '.join(map(repr, twice))} appears more than once")
    return record


def _jsonl_chunk(batch: list[tuple[int, str]], first_row: int) -> InputChunk:
    renames = get_config().model_config.variables_to_rename
    records: list[dict[str, Any]] = []
    rows: list[int] = []
    rejected: list[RejectedRow] = []
    for row, (line, text) in enumerate(batch, first_row):
        try:
            record = json.loads(text, object_pairs_hook=_no_duplicate_keys)
            if not isinstance(record, dict):
                raise ValueError(f"a JSON {_json_kind(record)} is not a record (a JSON object)")
            check_names(list(record), renames)
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            rejected.append(RejectedRow(row, line, f"line {line}: {error}"))
            continue
        records.append(record)
        rows.append(row)
    return InputChunk(records, rows, rejected)


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return kinds.get(type(value), "null")


# ---- Parquet ----


def _parquet_chunks(source: InputFile, chunk_size: int) -> Iterator[InputChunk]:
    handle, name = source._handle, source.name
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise InputFileError(
            name, "Parquet needs pyarrow", hint="pip install 'regression-model[parquet]'"
        ) from error
    if not handle.seekable():  # a pipe: Parquet's footer is at the end
        handle = io.BytesIO(handle.read())
    row = 0
    try:
        parquet = pq.ParquetFile(handle)
        names = [str(n) for n in parquet.schema_arrow.names]
        _check_header(names, name, ",".join(names))
        source.columns = names
        for batch in parquet.iter_batches(batch_size=chunk_size):
            frame = batch.to_pandas()
            yield InputChunk(frame, list(range(row, row + len(frame))))
            row += len(frame)
    except (pa.ArrowException, OSError) as error:
        problem = "is empty" if _is_empty(handle) else f"is not a readable Parquet file ({error})"
        where = f"; rows from {row:,} on" if row else ""
        raise InputFileError(
            name, problem + where, hint="check it was written as Parquet"
        ) from error


def _is_empty(handle: IO[Any]) -> bool:
    try:
        handle.seek(0, io.SEEK_END)
        return bool(handle.tell() == 0)
    except (OSError, ValueError):
        return False
