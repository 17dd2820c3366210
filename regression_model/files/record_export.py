"""Stored records written out as a flat table (Parquet, CSV or JSON lines),
whole or not at all: what ``audit.export_records`` and ``regression-model
records --output`` write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from regression_model.files.writing import OutputFile, output_format
from regression_model.scoring.rules import field_rules
from regression_model.store.export import empty_frame

if TYPE_CHECKING:
    import pandas as pd

    from regression_model.store.reads import RecordFilter
    from regression_model.store.store import PredictionStore

__all__ = ["write_records"]

# Parquet row groups of an export: a stored chunk's 10,000 rows each would grow
# the file's footer, held in memory until it closes, by 100 MB over 10M records.
_ROW_GROUP = 50_000


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def write_records(
    store: PredictionStore,
    target: str | Path | IO[Any],
    fmt: str | None,
    where: RecordFilter,
    limit: int | None,
) -> int:
    """Write the records ``where`` selects (at most ``limit``) to ``target`` in
    ``fmt`` (else the format its name tells), a stored chunk at a time; return
    how many were written. A file target appears whole or not at all, and an
    export of no records still has the columns.

    Examples
    --------
    >>> import io
    >>> from regression_model import audit
    >>> from regression_model.files.record_export import write_records
    >>> from regression_model.store.reads import RecordFilter
    >>> out = io.BytesIO()
    >>> where = RecordFilter.checked(None, None, None, "no such call")
    >>> write_records(audit.get_store(), out, "csv", where, None)
    0
    >>> out.getvalue().decode().split(",")[:3]
    ['prediction_id', 'call_id', 'row_number']
    """
    fields = {name: rule.kind for name, rule in field_rules().items()}
    # A name that tells no format: the message names the command line's option.
    fmt = output_format(target, fmt, option="--format")
    output = OutputFile(target, fmt, row_group_rows=_ROW_GROUP)

    def write(frame: pd.DataFrame) -> None:
        if output.fmt != "parquet":  # text formats: times as ISO 8601, not epoch numbers
            frame = frame.assign(created_at=frame["created_at"].map(_iso))
        output.write(frame)

    try:
        written = store.export(write, where, fields, limit)
        if written == 0:
            write(empty_frame(fields))  # the columns, with no rows
    except BaseException:
        output.discard()
        raise
    output.commit()
    return written
