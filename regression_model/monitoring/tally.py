"""Counting stored chunks into windows: per field the values in each training
bin, the missing ones and those of the wrong type; per window the rows, the
rejected ones, the rows warned of each kind, and the predicted prices in
the training's price bins.

A chunk's rows share their call's time, so a whole chunk counts in one
window, and the chunks of a window are counted 10,000 rows at a time: each
column is binned with numpy (``searchsorted`` for numbers,
``pandas.factorize`` and a look-up of its few distinct values for
categories), never row by row. Memory is the counts, whatever the store's
size; records kept as JSON lines (calls made with a list of records) are
turned into columns first.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from regression_model.monitoring.reference import (
    FieldReference,
    Reference,
    category_text,
    number_bins,
    numbers_of,
)
from regression_model.store.codec import decode_columns

__all__ = ["ChunkView", "FieldTally", "Tally", "price_median"]

# Fine bins of the log price between $1,000 and $100M, for each window's
# median price: 0.3% wide, whatever the number of rows.
_LOG_LOW, _LOG_HIGH, _FINE = math.log(1e3), math.log(1e8), 4096
# Names of unseen categories kept per field (their count is always whole).
_MOST_UNSEEN = 50
_BATCH_ROWS = 10_000


@dataclass
class FieldTally:
    """One field's counts, one row per window."""

    reference: FieldReference
    counts: np.ndarray  # (windows, bins)
    missing: np.ndarray  # (windows,)
    invalid: np.ndarray  # (windows,): values of the wrong type (text in a number field)
    unseen: Counter[str] = field(default_factory=Counter)

    def add(self, window: int, values: np.ndarray | None, n_rows: int) -> None:
        """Count a chunk's values of the field (None: the chunk never names it);
        the last bin counts the rows without a usable value."""
        if values is None:
            self.missing[window] += n_rows
            self.counts[window, -1] += n_rows
            return
        wrong = 0
        if self.reference.kind == "number":
            numbers, invalid = numbers_of(values)
            present = ~np.isnan(numbers) & ~invalid
            wrong = int(invalid.sum())
            bins = number_bins(self.reference.edges, numbers[present])
        else:
            bins = self._category_bins(values)
        self.invalid[window] += wrong
        self.missing[window] += n_rows - len(bins) - wrong
        self.counts[window] += np.bincount(bins, minlength=self.counts.shape[1])
        self.counts[window, -1] += n_rows - len(bins)

    def _category_bins(self, values: np.ndarray) -> np.ndarray:
        """Each present value's bin; counts the unseen names."""
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
        except TypeError:  # unhashable cells (a list, a dict): counted by their text
            codes, uniques = pd.factorize(category_text(values), use_na_sentinel=True)
        codes = np.asarray(codes)
        names = category_text(np.asarray(uniques, dtype=object))
        known = self.reference.codes
        unseen_bin = len(self.reference.labels) - 2
        lookup = np.array(
            [unseen_bin if n is None else known.get(n, unseen_bin) for n in names] + [-1],
            dtype=np.int64,
        )
        bins = lookup[codes]  # code -1 (missing) picks the last slot
        present = bins >= 0
        new = np.flatnonzero(lookup[:-1] == unseen_bin)
        if len(new):
            seen = np.bincount(codes[codes >= 0], minlength=len(names))
            for code in new.tolist():
                name = str(names[code])
                if name in self.unseen or len(self.unseen) < _MOST_UNSEEN:
                    self.unseen[name] += int(seen[code])
        return bins[present]


@dataclass
class ChunkView:
    """What realized accuracy needs of a chunk: prices, ranges (None when the
    model gives none), the rows warned (call row numbers) and the inputs."""

    first_row: int
    prices: np.ndarray
    bounds: np.ndarray | None
    warned_rows: set[int]
    inputs: dict[str, np.ndarray]


def _columns(blob: bytes, names: list[str]) -> tuple[int, dict[str, np.ndarray]]:
    """The stored inputs of a chunk, one array per field it holds."""
    n_rows, inputs = decode_columns(blob)
    if isinstance(inputs, dict):
        return n_rows, {name: values for name, (values, _types) in inputs.items()}
    # Records whose keys may differ: each row's values of the fields, in one
    # flat array of objects (a value that is a list stays one object), then a
    # column per field. None where a record lacks the field.
    cells = itertools.chain.from_iterable(map(row.get, names) for row in inputs)
    table = np.fromiter(cells, dtype=object, count=n_rows * len(names))
    table = table.reshape(n_rows, len(names))
    return n_rows, {name: table[:, number] for number, name in enumerate(names)}


class Tally:
    """The counts of a monitor run, one row per window."""

    def __init__(self, reference: Reference, n_windows: int) -> None:
        self.reference = reference
        self.rows = np.zeros(n_windows, dtype=np.int64)
        self.rejected = np.zeros(n_windows, dtype=np.int64)
        self.fields = {
            name: FieldTally(
                ref,
                np.zeros((n_windows, len(ref.labels)), dtype=np.int64),
                np.zeros(n_windows, dtype=np.int64),
                np.zeros(n_windows, dtype=np.int64),
            )
            for name, ref in reference.fields.items()
        }
        self.price_counts = np.zeros((n_windows, len(reference.price_edges) + 1), dtype=np.int64)
        self.price_fine = np.zeros((n_windows, _FINE), dtype=np.int64)
        self.warned: dict[str, np.ndarray] = {
            kind: np.zeros(n_windows, dtype=np.int64) for kind in reference.warning_rates
        }
        # Inputs of chunks not yet counted, all of one window: counted together,
        # so a column is binned once per _BATCH_ROWS rows, not once per chunk
        # (pandas.factorize costs as much for 1,000 values as for 10,000).
        self._waiting: list[tuple[int, dict[str, np.ndarray]]] = []
        self._waiting_window = 0

    def flush(self) -> None:
        """Count the inputs still waiting (call it after the last chunk)."""
        waiting, self._waiting = self._waiting, []
        for name, tally in self.fields.items():
            absent = sum(n_rows for n_rows, part in waiting if name not in part)
            if absent:
                tally.add(self._waiting_window, None, absent)
            # Joined only with columns of the same dtype: numpy would read the
            # booleans of one chunk as the numbers 0 and 1 of another.
            alike: dict[np.dtype[Any], list[np.ndarray]] = {}
            for _, part in waiting:
                if name in part:
                    alike.setdefault(part[name].dtype, []).append(part[name])
            for parts in alike.values():
                values = np.concatenate(parts) if len(parts) > 1 else parts[0]
                tally.add(self._waiting_window, values, len(values))

    def add(self, window: int, chunk: Any) -> ChunkView:
        """Count one stored chunk (a row of ``store.monitored.monitored_chunks``)."""
        n_rows, inputs = _columns(chunk.inputs, list(self.fields))
        if window != self._waiting_window or sum(n for n, _ in self._waiting) >= _BATCH_ROWS:
            self.flush()
            self._waiting_window = window
        self._waiting.append((n_rows, inputs))
        prices = np.frombuffer(chunk.predictions, dtype="<f8")
        priced = prices[~np.isnan(prices)]
        self.rows[window] += n_rows
        self.rejected[window] += n_rows - len(priced)
        logs = np.log(priced)
        self.price_counts[window] += np.bincount(
            number_bins(self.reference.price_edges, logs), minlength=self.price_counts.shape[1]
        )
        fine = ((logs - _LOG_LOW) / (_LOG_HIGH - _LOG_LOW) * _FINE).astype(np.int64)
        self.price_fine[window] += np.bincount(np.clip(fine, 0, _FINE - 1), minlength=_FINE)
        warned = self._warnings(window, chunk.warnings)
        bounds = None
        if chunk.intervals is not None:
            bounds = np.frombuffer(chunk.intervals, dtype="<f8").reshape(-1, 2)
        return ChunkView(chunk.first_row, prices, bounds, warned, inputs)

    def _warnings(self, window: int, text: str | None) -> set[int]:
        """Count the rows warned of each kind; return the warned rows."""
        if not text:
            return set()
        by_row: dict[str, list[dict[str, Any]]] = json.loads(text)
        kinds: Counter[str] = Counter()
        for items in by_row.values():
            kinds.update({item.get("kind", "unknown") for item in items})
        for kind, count in kinds.items():
            self.warned.setdefault(kind, np.zeros(len(self.rows), dtype=np.int64))
            self.warned[kind][window] += count
        self.warned.setdefault("any", np.zeros(len(self.rows), dtype=np.int64))
        self.warned["any"][window] += len(by_row)
        return {int(row) for row in by_row}


def price_median(fine: np.ndarray) -> float | None:
    """The median price of a window's fine log-price counts (None when empty)."""
    total = int(fine.sum())
    if not total:
        return None
    cumulative = np.cumsum(fine)
    slot = int(np.searchsorted(cumulative, total / 2))
    before = int(cumulative[slot - 1]) if slot else 0
    within = (total / 2 - before) / max(int(fine[slot]), 1)
    width = (_LOG_HIGH - _LOG_LOW) / _FINE
    return math.exp(_LOG_LOW + (slot + within) * width)
