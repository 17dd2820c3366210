"""Validate and score a table: one price, range and list of problems per row.

Nothing here records or logs: ``predict.make_prediction`` does both around it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from regression_model import tuning
from regression_model.config.core import Config
from regression_model.scoring.allocator import tune_malloc
from regression_model.scoring.host_process import blas_held, collector_paused
from regression_model.scoring.inputs import TableInput
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.schema import RowError, RowWarning
from regression_model.scoring.state import Finding
from regression_model.scoring.validators import factorize_text, validate_table

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
    tune_malloc(table.n_rows, config.scoring_config)
    with blas_held(config.scoring_config, table.n_rows):
        priced = _price(table, plan, config)
    rows = priced.valid_rows
    with collector_paused(config.scoring_config):
        scored = _assemble(table, priced, config)
        # _assemble hands back the call's own price array when every row was priced, in order.
        every_row_priced = scored.prices is priced.prices
        scored.warnings = _warnings(priced, scored.predictions, every_row_priced)
        scored.intervals = _ranges(priced.intervals, rows, scored.predictions, every_row_priced)
    if priced.intervals is None:
        return scored
    if every_row_priced:  # nothing to place
        scored.bounds = priced.intervals
    else:
        scored.bounds = np.full((table.n_rows, 2), np.nan)
        scored.bounds[rows] = priced.intervals
        scored.bounds[np.isnan(scored.prices)] = np.nan  # rows refused after pricing
    return scored


@dataclass
class _Priced:
    """What validation and the plan give for a table: its valid rows (input
    positions), the errors of the others, and the valid rows' prices, findings
    and price ranges. The findings come part by part, each part's after the
    number of valid rows before it: a finding's ``index`` plus that number is
    its row's place among the valid rows."""

    valid_rows: np.ndarray
    errors: list[RowError]
    prices: np.ndarray
    findings: list[tuple[int, list[Finding]]]
    intervals: np.ndarray | None

    @classmethod
    def joined(cls, parts: list[_Priced]) -> _Priced:
        """Consecutive parts of a table as one (their rows already numbered in it)."""
        findings, before = [], 0
        for part in parts:
            findings += [(before + offset, found) for offset, found in part.findings]
            before += len(part.valid_rows)
        ranges = [part.intervals for part in parts if part.intervals is not None]
        return cls(
            valid_rows=np.concatenate([part.valid_rows for part in parts]),
            errors=[error for part in parts for error in part.errors],
            prices=np.concatenate([part.prices for part in parts]),
            findings=findings,
            intervals=np.concatenate(ranges) if len(ranges) == len(parts) else None,
        )


def _price(table: TableInput, plan: ScoringPlan, config: Config) -> _Priced:
    """Validate and price the table: in one go, or in parts on threads."""
    if table.n_rows < 2 * tuning.ROWS_PER_PART:  # one part: spared asking the system for its cores
        return _price_part(table, 0, plan, config)
    n_parts = min(tuning.MOST_PARTS, os.cpu_count() or 1, table.n_rows // tuning.ROWS_PER_PART)
    if n_parts < 2:
        return _price_part(table, 0, plan, config)
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, table.n_rows, n_parts + 1).astype(int).tolist()
    # The text columns are factorised whole first, on this thread: the parts
    # read slices of them, and no part waits for another to factorise.
    factorize_text(table, config)
    with ThreadPoolExecutor(n_parts, thread_name_prefix="regression-model") as pool:
        parts = list(
            pool.map(
                lambda start, stop: _price_part(table.rows(start, stop), start, plan, config),
                bounds[:-1],
                bounds[1:],
            )
        )
    return _Priced.joined(parts)


def _price_part(table: TableInput, first_row: int, plan: ScoringPlan, config: Config) -> _Priced:
    """Validate and price a table that starts at row ``first_row`` of the call."""
    batch = validate_table(table, config)
    output = plan.score(batch)
    errors = batch.errors
    if first_row:
        errors = [replace(e, row=e.row + first_row) for e in errors]
    return _Priced(
        batch.valid_rows + first_row,
        errors,
        output.prices,
        [(0, output.findings)],
        output.intervals,
    )


def _warnings(
    priced: _Priced, predictions: list[float | None], every_row_priced: bool
) -> list[RowWarning]:
    """The warnings of the rows that have a price, numbered by input row."""
    if every_row_priced:  # the valid rows are the rows 0 .. n-1: a place is a row
        return [
            RowWarning(before + f.index, f.field, f.kind, f.message)
            for before, found in priced.findings
            for f in found
        ]
    rows = priced.valid_rows.tolist()  # Python ints: cheap to index
    return [
        RowWarning(rows[before + f.index], f.field, f.kind, f.message)
        for before, found in priced.findings
        for f in found
        if predictions[rows[before + f.index]] is not None
    ]


def _ranges(
    bounds: np.ndarray | None,
    rows: np.ndarray,
    predictions: list[float | None],
    every_row_priced: bool,
) -> list[list[float] | None]:
    """Each input row's price range, None where it has no price."""
    if bounds is None:
        return [None] * len(predictions)
    if every_row_priced:  # told, not found out: a search for None costs a pass over the list
        ranges: list[list[float] | None] = bounds.tolist()
        return ranges
    ranges = [None] * len(predictions)
    for row, pair in zip(rows.tolist(), bounds.tolist(), strict=True):
        if predictions[row] is not None:
            ranges[row] = pair
    return ranges


def _assemble(table: TableInput, priced: _Priced, config: Config) -> ScoredBatch:
    """One price (None for a rejected row) per input row, and every row's errors."""
    errors = list(priced.errors)
    prices, rows = priced.prices, priced.valid_rows
    bounds = config.model_config.plausible_price
    usable = np.isfinite(prices) & (prices >= bounds.min) & (prices <= bounds.max)
    if len(rows) == table.n_rows and usable.all():  # every row valid (so in order) and priced
        return ScoredBatch(table=table, predictions=prices.tolist(), errors=errors, prices=prices)
    every_price = np.full(table.n_rows, np.nan)
    every_price[rows[usable]] = prices[usable]
    predictions: list[float | None] = every_price.tolist()
    for position in np.flatnonzero(np.isnan(every_price)).tolist():
        predictions[position] = None  # a row without a price gets None, not NaN
    for position, price in zip(rows[~usable].tolist(), prices[~usable].tolist(), strict=True):
        # never hand out NaN or an absurd price
        errors.append(
            RowError(
                position,
                None,
                f"the model's price {price:,.0f} is outside the plausible range "
                f"{bounds.min:,.0f} to {bounds.max:,.0f} dollars: the inputs are far from "
                "the houses it learned from (Ames sales 2006-2010)",
            )
        )
    if len(errors) != len(priced.errors):
        errors.sort(key=lambda e: e.row)
    return ScoredBatch(table=table, predictions=predictions, errors=errors, prices=every_price)


def group_by_row(items: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Errors or warnings (their dicts) as ``{row: [their dicts]}``, in order."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(item["row"], []).append(item)
    return grouped
