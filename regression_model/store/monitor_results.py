"""The ``monitor_runs`` and ``monitor_results`` tables: each monitor run and
its results, one row per window, measure and subject, for dashboards to read
with SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from regression_model.store.tables import monitor_results, monitor_runs

__all__ = ["record_run"]

# Rows inserted per statement.
_BATCH = 5000


def record_run(
    connection: Connection, run: Mapping[str, Any], results: Sequence[Mapping[str, Any]]
) -> None:
    """Write a run's row and its results (inside the caller's transaction)."""
    connection.execute(monitor_runs.insert(), [dict(run)])
    for start in range(0, len(results), _BATCH):
        connection.execute(monitor_results.insert(), list(results[start : start + _BATCH]))
