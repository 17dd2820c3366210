"""Realized accuracy: stored prices against the sales recorded for them.

For each sale of a priced row: the log error ``log(predicted) -
log(sale price)`` and whether the sale fell inside the price range. Per
window and segment (all sales; band of sale price, as in the model card;
``Neighborhood``; rows warned or not): the sales counted, the RMSLE
``sqrt(mean(log error ** 2))``, the bias ``median(log error)`` and the
coverage, the share of ranged sales inside their range. A sale of a rejected
row has no price: it is counted, not measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from regression_model.monitoring.reference import UNSEEN, Reference, category_text
from regression_model.monitoring.tally import ChunkView

__all__ = ["Realized", "segment_figures"]


@dataclass
class _Sales:
    """A window's sales, one entry per array: log error (NaN without a price),
    inside the range (NaN without one), band, Neighborhood, warned."""

    errors: list[np.ndarray]
    covered: list[np.ndarray]
    bands: list[np.ndarray]
    neighborhoods: list[np.ndarray]
    warned: list[np.ndarray]


def segment_figures(errors: np.ndarray, covered: np.ndarray) -> dict[str, Any]:
    """Sales, priced sales, RMSLE, bias and coverage of one segment's sales.

    Examples
    --------
    >>> import numpy as np
    >>> from regression_model.monitoring.realized import segment_figures
    >>> figures = segment_figures(np.array([0.1, -0.1, np.nan]), np.array([1.0, 0.0, np.nan]))
    >>> figures["outcomes"], figures["priced"], round(figures["rmsle"], 3), figures["coverage"]
    (3, 2, 0.1, 0.5)
    """
    priced = errors[~np.isnan(errors)]
    ranged = covered[~np.isnan(covered)]
    return {
        "outcomes": len(errors),
        "priced": len(priced),
        "rmsle": float(np.sqrt(np.mean(priced**2))) if len(priced) else None,
        "bias": float(np.median(priced)) if len(priced) else None,
        "ranged": len(ranged),
        "coverage": float(ranged.mean()) if len(ranged) else None,
    }


class Realized:
    """The sales of a monitor run's stored prices, by window."""

    def __init__(self, reference: Reference, n_windows: int) -> None:
        self.reference = reference
        self.windows = [_Sales([], [], [], [], []) for _ in range(n_windows)]
        self.neighborhoods = sorted(
            key.split(":", 1)[1] for key in reference.accuracy if key.startswith("Neighborhood:")
        )

    def add(self, window: int, view: ChunkView, rows: np.ndarray, prices: np.ndarray) -> None:
        """The sales of one chunk's rows (``rows``: call row numbers, sorted)."""
        start, stop = np.searchsorted(rows, [view.first_row, view.first_row + len(view.prices)])
        if start == stop:
            return
        offsets, sales = rows[start:stop] - view.first_row, prices[start:stop]
        predicted = view.prices[offsets]
        errors = np.log(predicted) - np.log(sales)  # NaN where the row has no price
        covered = np.full(len(sales), np.nan)
        if view.bounds is not None:
            low, high = view.bounds[offsets, 0], view.bounds[offsets, 1]
            ranged = ~np.isnan(low)
            covered[ranged] = (low[ranged] <= sales[ranged]) & (sales[ranged] <= high[ranged])
        column = view.inputs.get("Neighborhood")
        places = (
            category_text(np.asarray(column[offsets]))
            if column is not None
            else np.full(len(sales), None, dtype=object)
        )
        part = self.windows[window]
        part.errors.append(errors)
        part.covered.append(covered)
        part.bands.append(np.searchsorted(self.reference.band_edges, sales, side="right"))
        part.neighborhoods.append(places)
        part.warned.append(np.isin(rows[start:stop], list(view.warned_rows)))

    def segments(self, windows: list[int]) -> list[dict[str, Any]]:
        """Each segment's figures over the sales of ``windows``, with its
        training reference; segments without sales are left out."""
        parts = [self.windows[w] for w in windows]
        errors = _joined([p.errors for p in parts], np.float64)
        if not len(errors):
            return []
        covered = _joined([p.covered for p in parts], np.float64)
        bands = _joined([p.bands for p in parts], np.int64)
        places = _joined([p.neighborhoods for p in parts], object)
        warned = _joined([p.warned for p in parts], bool)
        known = set(self.neighborhoods)
        unseen = np.array([p not in known for p in places.tolist()], dtype=bool)
        chosen = [("all", np.ones(len(errors), dtype=bool))]
        chosen += [(f"band:{n}", bands == b) for b, n in enumerate(self.reference.band_names)]
        chosen += [(f"Neighborhood:{n}", places == n) for n in self.neighborhoods]
        chosen += [(f"Neighborhood:{UNSEEN}", unseen)]
        chosen += [("warned:yes", warned), ("warned:no", ~warned)]
        found = []
        for name, rows in chosen:
            if rows.any():
                figures = segment_figures(errors[rows], covered[rows])
                found.append({"segment": name, **figures})
        return found


def _joined(arrays: list[list[np.ndarray]], dtype: Any) -> np.ndarray:
    flat = [a for window in arrays for a in window]
    return np.concatenate(flat).astype(dtype) if flat else np.empty(0, dtype=dtype)
