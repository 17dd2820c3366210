"""A predict_file run logs rows by their place in the file, and briefly.

``make_prediction`` logs each call: the rows it priced beyond what the model
learned (a WARNING naming up to five of them) and, at DEBUG, each row's price,
numbered within the call. Under ``predict_file`` a call is one chunk, so the
call's row 7 may be the file's row 50,007, and a long file would print one long
WARNING per chunk. So while a chunk is scored, the records of that call that
number rows are held back (a filter on the ``regression_model.predict`` logger
that only touches the scoring thread's records, removed when the call
returns), and the run logs them again here with the file's row numbers: at
DEBUG each row's price and each warning in full, and at the end one short
WARNING line for the whole file. The call's other records (its INFO line) pass.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from regression_model._wording import counted
from regression_model.files.chunks import InputChunk

logger = logging.getLogger("regression_model.streaming")

_CALL_LOGGER = "regression_model.predict"


class _RowsWithinTheCall(logging.Filter):
    """Refuses the records of one thread that number rows within a call: those
    that carry the call's ``warnings`` or a ``row``."""

    def __init__(self) -> None:
        super().__init__()
        self._thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        numbered = hasattr(record, "warnings") or hasattr(record, "row")
        # Filters run on the thread that logs: other threads' calls pass.
        return not (numbered and threading.get_ident() == self._thread)


@contextmanager
def rows_within_the_call_held() -> Iterator[None]:
    """Hold back, while the block runs, this thread's call records that number
    rows within the call (this module logs them again, numbered by file row)."""
    held = _RowsWithinTheCall()
    call_logger = logging.getLogger(_CALL_LOGGER)
    call_logger.addFilter(held)
    try:
        yield
    finally:
        call_logger.removeFilter(held)


class CallLog:
    """What a run logs of its chunks' results, by file row."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.warned_rows = 0
        self.first_warned: int | None = None
        self.kinds: Counter[str] = Counter()

    def chunk(
        self,
        chunk: InputChunk,
        result: dict[str, Any],
        errors: dict[int, list[dict[str, Any]]],
        warnings: dict[int, list[dict[str, Any]]],
    ) -> None:
        """Log a chunk's prices (DEBUG) and warnings (DEBUG, each in full), and
        count its rows with warnings for :meth:`summary`. ``errors`` and
        ``warnings`` are the chunk's, grouped by file row."""
        if logger.isEnabledFor(logging.DEBUG):
            for row, price, prediction_id in zip(
                chunk.rows, result["predictions"], result["prediction_ids"], strict=True
            ):
                extra = {"row": row, "prediction_id": prediction_id, "prediction": price}
                extra |= {"model_version": result["version"], "errors": errors.get(row, [])}
                logger.debug("row %d -> %s", row, price, extra=extra)
            for row, entries in warnings.items():
                for entry in entries:
                    extra = {"row": row, "warning": entry}
                    logger.debug("row %d: %s", row, entry["message"], extra=extra)
        if warnings:
            self.warned_rows += len(warnings)
            first = min(warnings)
            self.first_warned = first if self.first_warned is None else self.first_warned
            self.kinds.update(entry["kind"] for entries in warnings.values() for entry in entries)

    def summary(self) -> None:
        """One short WARNING line for the file's rows with warnings, if any."""
        if not self.warned_rows:
            return
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(self.kinds.items()))
        logger.warning(
            "%s: %s priced beyond what the model learned, the first at row %s (warnings: %s); "
            "the output's warnings column has each",
            self.name,
            counted(self.warned_rows, "row"),
            f"{self.first_warned:,}",
            kinds,
            extra={"warned_rows": self.warned_rows, "warning_kinds": dict(self.kinds)},
        )
