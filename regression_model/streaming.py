"""Score files of any size, chunk by chunk, at constant memory.

``predict_file`` reads CSV, Parquet or JSON lines in chunks, scores each chunk
with ``make_prediction`` (so each chunk is validated, logged and recorded in
the prediction store in its own transaction), and appends one output row per
input row. A progress bar (tqdm) shows on a terminal.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from regression_model.errors import InvalidInputError
from regression_model.predict import make_prediction

FORMATS = ("csv", "parquet", "jsonl")
_SUFFIXES = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


@dataclass(frozen=True)
class FileSummary:
    """What one ``predict_file`` run did."""

    rows: int
    scored: int
    rejected: int
    chunks: int
    seconds: float
    version: str | None


def file_format(path: str | Path | None, given: str | None) -> str:
    """The format named, or the one the file's suffix implies."""
    if given is not None:
        if given not in FORMATS:
            raise InvalidInputError(f"unknown format {given!r}; use one of {FORMATS}")
        return given
    suffix = Path(str(path)).suffix.lower() if path is not None else ""
    if suffix not in _SUFFIXES:
        raise InvalidInputError(
            f"cannot tell the format of {path!s} from its suffix; name it ({FORMATS})"
        )
    return _SUFFIXES[suffix]


def _need_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as error:
        raise InvalidInputError(
            "Parquet needs pyarrow: pip install 'regression-model[parquet]'"
        ) from error
    return pyarrow


def read_chunks(source: str | Path | IO[Any], fmt: str, chunk_size: int) -> Iterator[pd.DataFrame]:
    """Chunks of at most ``chunk_size`` rows. CSV is read like the shipped data:
    only ``NA`` is missing, every other string (``None`` included) is kept."""
    if fmt == "csv":
        yield from pd.read_csv(
            source, keep_default_na=False, na_values=["NA", ""], chunksize=chunk_size
        )
    elif fmt == "jsonl":
        yield from pd.read_json(source, lines=True, chunksize=chunk_size, dtype=False)
    else:
        _need_pyarrow()
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(source).iter_batches(batch_size=chunk_size):
            yield batch.to_pandas()


class _Writer:
    """Appends output chunks to CSV, Parquet or JSON lines."""

    def __init__(self, target: str | Path | IO[Any], fmt: str) -> None:
        self.target, self.fmt = target, fmt
        self.started = False
        self._parquet: Any = None
        self._handle: IO[Any] | None = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "parquet":
            pyarrow = _need_pyarrow()
            import pyarrow.parquet as pq

            table = pyarrow.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.target, table.schema)
            self._parquet.write_table(table)
            return
        if self._handle is None:
            if isinstance(self.target, (str, Path)):
                # Held open across chunks and closed by close(); a with-block cannot span calls.
                self._handle = open(self.target, "w", encoding="utf-8", newline="")  # noqa: SIM115
            else:
                self._handle = self.target
        if self.fmt == "csv":
            frame.to_csv(self._handle, header=not self.started, index=False)
        elif len(frame):
            text = frame.to_json(orient="records", lines=True)
            self._handle.write(text if text.endswith("\n") else text + "\n")
        self.started = True

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None and isinstance(self.target, (str, Path)):
            self._handle.close()
        elif self._handle is not None:
            self._handle.flush()


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
        Rows read, scored and rejected, chunks, seconds, model version.

    Output columns: ``row`` (0-based position in the input), ``Id`` when the
    input has one, ``prediction`` (empty for a rejected row),
    ``prediction_id``, and ``errors`` (JSON list for a rejected row).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from regression_model.config.core import DATASET_DIR
    >>> from regression_model.streaming import predict_file
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scored.csv"
    >>> summary = predict_file(DATASET_DIR / "test.csv", out, chunk_size=500)
    >>> summary.rows, summary.scored, summary.chunks
    (1459, 1459, 3)
    """
    if chunk_size < 1:
        raise InvalidInputError(f"chunk_size must be at least 1, not {chunk_size}")
    in_fmt = file_format(None if not isinstance(source, (str, Path)) else source, input_format)
    out_fmt = file_format(None if not isinstance(target, (str, Path)) else target, output_format)
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(unit="rows", unit_scale=True, desc="scoring", file=sys.stderr)
    writer = _Writer(target, out_fmt)
    error_writer = _Writer(errors, "jsonl") if errors is not None else None
    started = time.perf_counter()
    rows = scored = chunks = 0
    version = None
    try:
        for chunk in read_chunks(source, in_fmt, chunk_size):
            result = make_prediction(input_data=chunk)
            version = result["version"]
            out = _output_frame(chunk, result, offset=rows)
            writer.write(out)
            if error_writer is not None and result["errors"]:
                found = [{**e, "row": e["row"] + rows} for e in json.loads(result["errors"])]
                error_writer.write(pd.DataFrame(found, columns=["row", "field", "message"]))
            rows += len(chunk)
            scored += int(out["prediction"].notna().sum())
            chunks += 1
            if bar is not None:
                bar.update(len(chunk))
    finally:
        writer.close()
        if error_writer is not None:
            error_writer.close()
        if bar is not None:
            bar.close()
    return FileSummary(rows, scored, rows - scored, chunks, time.perf_counter() - started, version)


def _output_frame(chunk: pd.DataFrame, result: dict[str, Any], offset: int) -> pd.DataFrame:
    out = pd.DataFrame({"row": range(offset, offset + len(chunk))})
    if "Id" in chunk.columns:
        out["Id"] = chunk["Id"].to_numpy()
    out["prediction"] = pd.array(result["predictions"], dtype="Float64")
    out["prediction_id"] = result["prediction_ids"]
    by_row: dict[int, list[dict[str, Any]]] = {}
    for error in json.loads(result["errors"]) if result["errors"] else []:
        by_row.setdefault(error["row"], []).append({**error, "row": error["row"] + offset})
    out["errors"] = [json.dumps(by_row[i]) if i in by_row else None for i in range(len(chunk))]
    return out
