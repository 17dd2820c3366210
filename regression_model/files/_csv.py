"""CSV as users write it: records counted by line, checked for width, then
parsed by pandas in bulk (quote-free text by its fast C engine)."""

from __future__ import annotations

import csv
import io
import itertools
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from regression_model._wording import counted
from regression_model.config.settings import Config
from regression_model.errors import InputFileError
from regression_model.files.chunks import InputChunk, RejectedRow
from regression_model.registry import MISSING_MARKERS

# How a header that holds none of the model's columns may have been written.
_HEADER_HINTS = {
    "{": "it looks like JSON lines: name it .jsonl or pass --input-format jsonl",
    ";": "its fields seem separated by ';': save it with commas",
    "\t": "its fields seem separated by tabs: save it with commas",
    "|": "its fields seem separated by '|': save it with commas",
}


def line_lists(texts: Iterator[str]) -> Iterator[list[str]]:
    """The lines of each text block without their ends, a list at a time."""
    pending = ""
    for text in texts:
        parts = (pending + text).split("\n")
        pending = parts.pop()
        yield parts
    if pending:
        yield [pending]


class Lines:
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


def batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
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


def csv_records(numbered: Iterator[tuple[int, str]], name: str) -> Iterator[_Record]:
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


def header_names(fields: list[str]) -> list[str]:
    # An empty header cell gets pandas' name for it.
    return [name.strip() or f"Unnamed: {i}" for i, name in enumerate(fields)]


def check_header(names: list[str], file: str, text: str, config: Config, line: int = 1) -> None:
    """A header holds at least one of the model's columns, and names each once."""
    model = config.model_config
    known = set(model.features) | set(model.variables_to_rename)
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
        f"none of the model's {len(model.features)} columns is in the header: expected "
        f"columns such as {', '.join(model.required_features)}; saw "
        f"{counted(len(names), 'column')}: {seen!r}",
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
                f"expected {counted(len(names), 'field')} as in the header, found {record.width}"
            )
            rejected.append(RejectedRow(row, record.line, f"line {record.line}: {problem}"))
    text = "".join(record.text for record in good)
    first_line = good[0].line if good else batch[0].line
    return InputChunk(_csv_frame(text, len(good), names, name, first_line), rows, rejected)


def next_csv_chunk(
    lines: Lines, chunk_size: int, names: list[str], row: int, name: str
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
        records = list(itertools.islice(csv_records(lines.numbered(), name), chunk_size))
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
                na_values=list(MISSING_MARKERS),
                engine="python" if quoted else "c",
            )
    except (ValueError, csv.Error) as error:  # pandas' ParserError is a ValueError
        raise InputFileError(name, f"cannot be parsed from here on: {error}", line=line) from error
    if len(frame) != count:
        raise InputFileError(
            name,
            f"pandas found {counted(len(frame), 'row')} from here on where the reader found "
            f"{count:,}",
            line=line,
            hint="check the quoting in these lines",
        )
    return frame
