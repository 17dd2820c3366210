"""Validate and score a table: one price, range and list of problems per row.

Nothing here records or logs: ``predict.make_prediction`` does both around it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regression_model.config.core import Config
from regression_model.scoring.columns import ValidatedBatch
from regression_model.scoring.inputs import TableInput
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.schema import RowError, RowWarning
from regression_model.scoring.validation import validate_table

__all__ = ["ScoredBatch", "group_by_row", "score_table"]


@dataclass
class ScoredBatch:
    """One call's rows after validation and scoring: the unit a store records."""

    table: TableInput
    predictions: list[float | None]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    intervals: list[list[float] | None] = field(default_factory=list)
    # The same prices and ranges as arrays, NaN where a row has none: what the
    # store packs, without walking the lists again.
    prices: np.ndarray = field(default_factory=lambda: np.empty(0))
    bounds: np.ndarray | None = None  # (rows, 2), when the model gives ranges


def score_table(table: TableInput, plan: ScoringPlan, config: Config) -> ScoredBatch:
    """Validate and score a table; one slot per row, in order. Not recorded."""
    batch = validate_table(table, config)
    output = plan.score(batch)
    with _collector_paused():
        scored = _assemble(table, batch, output.prices, config)
        rows = batch.valid_rows
        scored.warnings = [
            RowWarning(int(rows[f.index]), f.field, f.kind, f.message)
            for f in output.findings
            if scored.predictions[int(rows[f.index])] is not None
        ]
        scored.intervals = _ranges(output.intervals, rows, scored.predictions)
    if output.intervals is not None:
        scored.bounds = np.full((table.n_rows, 2), np.nan)
        scored.bounds[rows] = output.intervals
        scored.bounds[np.isnan(scored.prices)] = np.nan  # rows refused after pricing
    return scored


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while the result lists are built.

    A large batch makes one ``[low, high]`` list per row, and every 700 new
    lists start a collection that may walk every object of the process (the
    model, pandas, the caller's data): three quarters of the time of building
    them. These lists form no cycles, so nothing is left for the collector,
    which resumes as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _ranges(
    bounds: np.ndarray | None, rows: np.ndarray, predictions: list[float | None]
) -> list[list[float] | None]:
    """Each input row's price range, None where it has no price."""
    if bounds is None:
        return [None] * len(predictions)
    if len(rows) == len(predictions) and None not in predictions:
        ranges: list[list[float] | None] = bounds.tolist()  # every row priced: no gaps
        return ranges
    ranges = [None] * len(predictions)
    for row, pair in zip(rows.tolist(), bounds.tolist(), strict=True):
        if predictions[row] is not None:
            ranges[row] = pair
    return ranges


def _assemble(
    table: TableInput, batch: ValidatedBatch, prices: np.ndarray, config: Config
) -> ScoredBatch:
    predictions: list[float | None] = [None] * table.n_rows
    errors = list(batch.errors)
    bounds = config.model_config.plausible_price
    usable = np.isfinite(prices) & (prices >= bounds.min) & (prices <= bounds.max)
    for position, price, ok in zip(
        batch.valid_rows.tolist(), prices.tolist(), usable.tolist(), strict=True
    ):
        if ok:
            predictions[position] = price
        else:  # never hand out NaN or an absurd price
            errors.append(
                RowError(
                    position,
                    None,
                    f"the model's price {price:,.0f} is outside the plausible range "
                    f"{bounds.min:,.0f} to {bounds.max:,.0f} dollars: the inputs are far from "
                    "the houses it learned from (Ames sales 2006-2010)",
                )
            )
    if len(errors) != len(batch.errors):
        errors.sort(key=lambda e: e.row)
    every_price = np.full(table.n_rows, np.nan)
    every_price[batch.valid_rows[usable]] = prices[usable]
    return ScoredBatch(table=table, predictions=predictions, errors=errors, prices=every_price)


def group_by_row(items: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Errors or warnings (their dicts) as ``{row: [their dicts]}``, in order."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(item["row"], []).append(item)
    return grouped
