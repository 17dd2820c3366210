"""predict_file's progress bar (tqdm), with a total wherever one is known.

A CSV or JSON-lines file counts the bytes of the file as stored (compressed,
when it is) against its size; a Parquet file counts rows against the count its
footer gives; a stream counts rows, with no total. While the bar shows, log
records that would print to the console go through tqdm instead, each on a
line of its own above the bar, and so do outputs written to a terminal (the
errors, on stderr when no errors file is named).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from regression_model.files.reading import InputFile


class Bar:
    """The bar of one run, or none (every method then does nothing)."""

    def __init__(self, reader: InputFile, bar: Any = None) -> None:
        self._reader, self._bar = reader, bar
        self._in_bytes = reader.progress().unit == "B"

    def advance(self, done: bool = False) -> None:
        """Up to where the reader is; when ``done``, to the end."""
        if self._bar is None:
            return
        now = self._reader.progress()
        if now.total != self._bar.total:  # a Parquet file's count, once its footer is read
            self._bar.total = now.total
        if self._in_bytes:
            self._bar.set_postfix_str(f"{now.rows:,} rows", refresh=False)
        # At the end, the whole size: a zip archive's index follows the file read.
        self._bar.update((now.total if done and now.total else now.done) - self._bar.n)

    def aside(self) -> AbstractContextManager[Any]:
        """While the block writes, the bar is cleared, and drawn again after."""
        if self._bar is None:
            return contextlib.nullcontext()
        aside: AbstractContextManager[Any] = self._bar.external_write_mode(file=sys.stderr)
        return aside


@contextmanager
def progress_bar(reader: InputFile, show: bool) -> Iterator[Bar]:
    """The run's :class:`Bar`: a tqdm bar on stderr when ``show`` is true, with
    console log records going through tqdm while it shows."""
    if not show:
        yield Bar(reader)
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    start = reader.progress()
    in_bytes = start.unit == "B"
    bar = tqdm(
        total=start.total,
        desc="scoring",
        unit="B" if in_bytes else "rows",
        unit_scale=in_bytes,
        unit_divisor=1024,
        file=sys.stderr,
    )
    with logging_redirect_tqdm(), bar:
        yield Bar(reader, bar)
