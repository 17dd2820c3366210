"""Write ``predict_file``'s outputs whole, or not at all.

A file is written under a temporary name beside the target (``.NAME.XXXXXXXX.part``)
and renamed over it by :meth:`OutputFile.commit` once complete; a run that fails
calls :meth:`OutputFile.discard`, which removes the temporary file, so the target
never holds half an output. Creating the temporary file is the check that the
folder exists and can be written, done before anything is read or scored.

A stream (stdout, or a file object a caller passes) is written as it goes:
what was written cannot be taken back.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd

from regression_model.errors import InputFileError, OutputFileError
from regression_model.files._formats import format_from_name
from regression_model.files.reading import COMPRESSION_SUFFIXES

__all__ = [
    "OutputFile",
    "check_output_place",
    "output_format",
]


def output_format(
    target: str | Path | IO[Any], given: str | None, option: str = "--output-format"
) -> str:
    """The format named, or the one the target file's name implies; outputs
    are never compressed. ``option`` is the command-line option a message about
    the name tells the user to pass instead.

    Examples
    --------
    >>> from regression_model.files.writing import output_format
    >>> output_format("records.parquet", None), output_format("-", "csv")
    ('parquet', 'csv')
    """
    named = target if isinstance(target, (str, Path)) else None
    if named is not None:
        _refuse_folder(Path(named), str(named))
    if named is not None and Path(named).suffix.lower() in COMPRESSION_SUFFIXES:
        raise OutputFileError(
            str(named), "outputs are written uncompressed", hint="drop the compression suffix"
        )
    try:
        return format_from_name("stdout" if named is None else str(named), given, option)
    except InputFileError as error:
        raise OutputFileError(error.path, error.problem, hint=error.hint) from error


def _refuse_folder(path: Path, name: str) -> None:
    if path.is_dir():
        raise OutputFileError(name, "is a folder", hint="name a file to write")


def check_output_place(path: Path, name: str | None = None) -> None:
    """Fail, naming ``path`` (or ``name``), when a file cannot be made there:
    the path is a folder, or its folder does not exist.

    Raises
    ------
    OutputFileError
        Saying which of the two, and what to do.

    Examples
    --------
    >>> from pathlib import Path
    >>> from regression_model.errors import OutputFileError
    >>> from regression_model.files.writing import check_output_place
    >>> try:
    ...     check_output_place(Path("gone/report.html"))
    ... except OutputFileError as error:
    ...     print(error)
    gone/report.html: its folder gone does not exist; create the folder first
    """
    name = str(path) if name is None else name
    _refuse_folder(path, name)
    if not path.parent.is_dir():
        raise OutputFileError(
            name, f"its folder {path.parent} does not exist", hint="create the folder first"
        )


def _create_temp(path: Path, name: str) -> Path:
    """A new, empty file beside ``path``; fails with the reason it cannot be."""
    folder = path.parent
    check_output_place(path, name)
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputFileError(name, "is read-only", hint="write elsewhere, or make it writable")
    while True:
        temp = folder / f".{path.name}.{secrets.token_hex(4)}.part"
        try:
            # 0o666 less the umask, as for any new file (mkstemp would give 0o600).
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except PermissionError as error:
            raise OutputFileError(
                name, f"cannot be written: no permission to create files in {folder}"
            ) from error
        except OSError as error:
            raise OutputFileError(name, f"cannot be written: {error.strerror}") from error
        return temp


class OutputFile:
    """One output of a run: CSV, JSON lines or Parquet, to a file or a stream.

    Parameters
    ----------
    target : path or file object
        A file path (written atomically), or a stream written as it goes (a text
        stream for CSV and JSON lines; for Parquet a binary one, or a text
        stream with a ``buffer`` such as ``sys.stdout``).
    fmt : str
        ``csv``, ``jsonl`` or ``parquet``.
    row_group_rows : int, optional
        Parquet only: gather written frames (as Arrow tables) into row groups
        of at least this many rows. A Parquet footer keeps metadata for every
        row group until the file closes, so many small ones grow memory with
        the file's length.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from regression_model.files.writing import OutputFile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> out = OutputFile(path, "csv")
    >>> out.write(pd.DataFrame({"row": [0], "prediction": [1.5]}))
    >>> path.exists()
    False
    >>> out.commit()
    >>> path.read_text()
    'row,prediction\\n0,1.5\\n'
    """

    def __init__(
        self, target: str | Path | IO[Any], fmt: str, row_group_rows: int | None = None
    ) -> None:
        if fmt == "parquet":
            _require_pyarrow(str(getattr(target, "name", target)))
        self.fmt = fmt
        self.started = False
        self._parquet: Any = None
        self._schema: Any = None
        # Parquet: gather writes into row groups of at least this many rows.
        self._row_group_rows = row_group_rows or 0
        self._pending: list[Any] = []
        self._pending_rows = 0
        if isinstance(target, (str, Path)):
            self.path: Path | None = Path(target)
            self.name = str(target)
            self._temp: Path | None = _create_temp(self.path, self.name)
            self._handle: IO[Any] | None = None
        else:
            self.path = self._temp = None
            self.name = str(getattr(target, "name", "output stream")).strip("<>")
            self._handle = target

    @property
    def is_file(self) -> bool:
        """Written under a temporary name (not a stream)."""
        return self.path is not None

    def write(self, frame: pd.DataFrame) -> None:
        """Append rows; the first call writes the CSV header."""
        try:
            _WRITERS[self.fmt](self, frame)
        except OSError as error:
            reason = error.strerror or str(error)
            raise OutputFileError(self.name, f"could not be written: {reason}") from error
        self.started = True

    def commit(self) -> None:
        """Finish: close and rename the temporary file over the target (a stream
        is flushed)."""
        try:
            self._close()
            if self._temp is not None and self.path is not None:
                os.replace(self._temp, self.path)
                self._temp = None
        except OSError as error:
            reason = error.strerror or str(error)
            raise OutputFileError(self.name, f"could not be completed: {reason}") from error

    def discard(self) -> None:
        """Give up: close, and remove the temporary file if it is still there."""
        self._pending, self._pending_rows = [], 0  # never written
        with contextlib.suppress(OSError):  # being thrown away: a failed flush changes nothing
            self._close()
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None

    def _close(self) -> None:
        self._flush_row_group()
        parquet, self._parquet = self._parquet, None
        if parquet is not None:
            parquet.close()
        if self._handle is None:
            return
        if self._temp is not None:
            self._handle.close()
            self._handle = None
        else:
            self._handle.flush()

    def _text(self) -> IO[Any]:
        if self._handle is None and self._temp is not None:
            # Held open across chunks, closed by commit() or discard().
            self._handle = open(self._temp, "w", encoding="utf-8", newline="")  # noqa: SIM115
        assert self._handle is not None
        return self._handle

    def _write_csv(self, frame: pd.DataFrame) -> None:
        frame.to_csv(self._text(), header=not self.started, index=False)

    def _write_jsonl(self, frame: pd.DataFrame) -> None:
        if len(frame):
            # 15 decimals (pandas' most; its default is 10): prices read back exactly.
            text = frame.to_json(orient="records", lines=True, double_precision=15)
            self._text().write(text if text.endswith("\n") else text + "\n")

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._schema is None:
            # A column that is empty in the first chunk is text (ids, errors).
            self._schema = pa.schema(
                [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
            )
            where = self._temp if self._temp is not None else _binary(self._handle)
            self._parquet = pq.ParquetWriter(where, self._schema)
        try:
            table = table.cast(self._schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise OutputFileError(
                self.name,
                f"a column changes type between chunks ({error})",
                hint="write CSV or JSON lines",
            ) from error
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self._row_group_rows:
            self._flush_row_group()

    def _flush_row_group(self) -> None:
        if self._pending and self._parquet is not None:
            import pyarrow as pa

            self._parquet.write_table(pa.concat_tables(self._pending))
            # Arrow's allocator keeps freed blocks for reuse; over a long file
            # they add up to tens of MB of resident memory. Hand them back.
            pa.default_memory_pool().release_unused()
        self._pending, self._pending_rows = [], 0


def _require_pyarrow(name: str) -> None:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as error:
        raise OutputFileError(
            name, "writing Parquet needs pyarrow", hint="pip install 'ames-price-model[parquet]'"
        ) from error


def _binary(stream: IO[Any] | None) -> Any:
    return getattr(stream, "buffer", stream)


_WRITERS: dict[str, Callable[[OutputFile, pd.DataFrame], None]] = {
    "csv": OutputFile._write_csv,
    "jsonl": OutputFile._write_jsonl,
    "parquet": OutputFile._write_parquet,
}
