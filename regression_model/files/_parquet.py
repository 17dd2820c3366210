"""Parquet files (the ``[parquet]`` extra): read in record batches."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import IO, Any

from regression_model.config.settings import Config
from regression_model.errors import InputFileError
from regression_model.files._csv import check_header
from regression_model.files.chunks import InputChunk


def parquet_chunks(
    handle: IO[Any],
    name: str,
    chunk_size: int,
    config: Config,
    header: Callable[[list[str], int], None],
) -> Iterator[InputChunk]:
    """The file's rows, ``chunk_size`` at a time; ``header`` receives the
    column names and the number of rows, once read."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise InputFileError(
            name, "Parquet needs pyarrow", hint="pip install 'ames-price-model[parquet]'"
        ) from error
    if not handle.seekable():  # a pipe: Parquet's footer is at the end
        handle = io.BytesIO(handle.read())
    row = 0
    try:
        parquet = pq.ParquetFile(handle)
        names = [str(n) for n in parquet.schema_arrow.names]
        check_header(names, name, ",".join(names), config)
        header(names, parquet.metadata.num_rows)
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
