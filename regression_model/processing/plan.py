"""The scoring plan at run time: numpy operations built from a JSON spec.

The fitted scikit-learn Pipeline stays the artifact and the source of truth.
``plan_compiler.compile_spec`` derives a spec from it (at training, and at
load when no spec file exists): one operation per known step, built from the
step's fitted attributes, and a linear head folding one-hot encoder, scaler
and log-linear regressor into a weight per numeric column and a weight table
per categorical column. Steps the compiler does not know are listed as the
spec's ``fallback_steps``; they run through ``Pipeline.predict``.

This module imports neither scikit-learn nor feature-engine: a model whose
spec covers every step scores without unpickling anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from regression_model.processing.batch import CatColumn, ValidatedBatch

SPEC_FORMAT = 1

Column = np.ndarray | CatColumn
State = dict[str, Column]
Operation = Callable[[State], None]

_REDUCERS: dict[str, Callable[..., Any]] = {
    "sum": np.sum,
    "prod": np.prod,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
}


def _cat(state: State, name: str) -> CatColumn:
    column = state[name]
    assert isinstance(column, CatColumn), name
    return column


def _num(state: State, name: str) -> np.ndarray:
    column = state[name]
    assert isinstance(column, np.ndarray), name
    return column


def _fill_category(column: str, value: Any) -> Operation:
    def run(state: State) -> None:
        cat = _cat(state, column)
        if not cat.any_missing():
            return
        categories = list(cat.categories)
        if value in categories:
            index = categories.index(value)
        else:
            categories.append(value)
            index = len(categories) - 1
        codes = np.where(cat.codes < 0, index, cat.codes)
        filled = np.empty(len(categories), dtype=object)
        filled[:] = categories
        state[column] = CatColumn(codes, filled, False)

    return run


def _fill_number(column: str, value: float) -> Operation:
    def run(state: State) -> None:
        values = _num(state, column)
        missing = np.isnan(values)
        if missing.any():
            state[column] = np.where(missing, value, values)

    return run


def _missing_indicator(column: str, target: str) -> Operation:
    def run(state: State) -> None:
        values = state[column]
        if isinstance(values, CatColumn):
            state[target] = (values.codes < 0).astype(np.float64)
        else:
            state[target] = np.isnan(values).astype(np.float64)

    return run


def _subtract(target: str, left: str, right: str) -> Operation:
    def run(state: State) -> None:
        state[target] = _num(state, left) - _num(state, right)

    return run


def _combine(target: str, columns: list[str], function: str) -> Operation:
    reducer = _REDUCERS[function]

    def run(state: State) -> None:
        stacked = np.vstack([_num(state, c) for c in columns])
        state[target] = np.asarray(reducer(stacked, axis=0), dtype=np.float64)

    return run


def _log_shift(column: str, shift: float) -> Operation:
    def run(state: State) -> None:
        state[column] = np.log(_num(state, column) + shift)

    return run


def _binarize(column: str, threshold: float) -> Operation:
    def run(state: State) -> None:
        state[column] = (_num(state, column) > threshold).astype(np.float64)

    return run


def _map_categories(column: str, mapping: dict[str, float]) -> Operation:
    def run(state: State) -> None:
        cat = _cat(state, column)
        # Unmapped labels and missing values (code -1, the appended slot) give NaN.
        lookup = np.array(
            [mapping.get(c, np.nan) for c in cat.categories] + [np.nan], dtype=np.float64
        )
        mapped = lookup[cat.codes]
        if np.isnan(mapped).any():
            raise ValueError(f"OrdinalMapper: column {column!r} holds labels its mapping lacks")
        state[column] = mapped

    return run


def _rare_labels(column: str, frequent: list[str], replacement: str) -> Operation:
    keep = set(frequent)

    def run(state: State) -> None:
        cat = _cat(state, column)
        relabelled = np.empty(len(cat.categories), dtype=object)
        relabelled[:] = [c if c in keep else replacement for c in cat.categories]
        state[column] = CatColumn(cat.codes, relabelled, cat.has_missing)

    return run


def _piecewise_polynomials(spec: dict[str, Any]) -> Operation:
    """A spline step folded with its weights. Per variable: a polynomial per knot
    interval (highest power first, in powers of x - interval start); beyond the
    training range [low, high], the end value plus the end slope per unit
    (``slope_below``, ``slope_above``: 0 for constant extrapolation). All
    variables are evaluated together, as one (variables x rows) array, so a
    single row costs a dozen numpy calls, not a dozen per variable; ``target``
    receives the sum of the curves, which the linear head adds with weight 1."""
    columns, target = list(spec["columns"]), str(spec["target"])
    intervals = max(len(b) for b in spec["breaks"])
    # Pad shorter variables with intervals starting at +inf: never reached.
    starts = np.full((len(columns), intervals), np.inf)
    powers = np.zeros((len(spec["coefficients"][0][0]), len(columns), intervals))
    for i, (breaks, coefficients) in enumerate(
        zip(spec["breaks"], spec["coefficients"], strict=True)
    ):
        starts[i, : len(breaks)] = breaks
        powers[:, i, : len(breaks)] = np.array(coefficients, dtype=np.float64).T
    low, high = np.array(spec["low"])[:, None], np.array(spec["high"])[:, None]
    below_slope = np.array(spec["slope_below"], dtype=np.float64)[:, None]
    above_slope = np.array(spec["slope_above"], dtype=np.float64)[:, None]
    linear_ends = bool(below_slope.any() or above_slope.any())
    # Interval k of variable i is entry i * intervals + k of the flattened tables:
    # one np.take per table instead of two-dimensional fancy indexing.
    first_entry = (np.arange(len(columns)) * intervals)[:, None]
    flat_starts = starts.ravel()
    flat_powers = [power.ravel() for power in powers]

    def run(state: State) -> None:
        x = np.vstack([_num(state, c) for c in columns])
        # Beyond the training range the curve keeps its end value (the polynomial
        # at the clipped x), plus the end slope times the distance when linear.
        inside = np.clip(x, low, high)
        entry = np.broadcast_to(first_entry, x.shape).copy()
        for k in range(1, intervals):
            entry += inside >= starts[:, k : k + 1]
        offset = inside - flat_starts.take(entry)
        curve = flat_powers[0].take(entry)
        for power in flat_powers[1:]:
            curve *= offset
            curve += power.take(entry)
        if linear_ends:
            beyond = x - inside
            curve += beyond * np.where(beyond < 0, below_slope, above_slope)
        state[target] = curve.sum(axis=0)

    return run


_BUILDERS: dict[str, Callable[..., Operation]] = {
    "fill_category": lambda o: _fill_category(o["column"], o["value"]),
    "fill_number": lambda o: _fill_number(o["column"], float(o["value"])),
    "missing_indicator": lambda o: _missing_indicator(o["column"], o["target"]),
    "subtract": lambda o: _subtract(o["target"], o["left"], o["right"]),
    "combine": lambda o: _combine(o["target"], list(o["columns"]), o["function"]),
    "log_shift": lambda o: _log_shift(o["column"], float(o["shift"])),
    "binarize": lambda o: _binarize(o["column"], float(o["threshold"])),
    "map_categories": lambda o: _map_categories(o["column"], dict(o["mapping"])),
    "rare_labels": lambda o: _rare_labels(o["column"], list(o["frequent"]), o["replacement"]),
    "piecewise_polynomials": _piecewise_polynomials,
}


@dataclass
class LinearHead:
    """exp(intercept + sum of weight * numeric column + sum of table[category])."""

    intercept: float
    numeric: dict[str, float] = field(default_factory=dict)
    tables: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._numeric_names = list(self.numeric)
        self._numeric_weights = np.array(list(self.numeric.values()), dtype=np.float64)

    def predict(self, state: State, n_rows: int) -> np.ndarray:
        if n_rows <= 256 and self._numeric_names:
            # Few rows: one matrix product beats many tiny numpy calls.
            columns = np.vstack([_num(state, name) for name in self._numeric_names])
            total = self.intercept + self._numeric_weights @ columns
        else:
            # Many rows: accumulate in place rather than copy every column.
            total = np.full(n_rows, self.intercept)
            scratch = np.empty(n_rows)
            for name, weight in self.numeric.items():
                np.multiply(_num(state, name), weight, out=scratch)
                total += scratch
        for name, table in self.tables.items():
            cat = _cat(state, name)
            # Categories the encoder never saw get no dummy, hence weight 0.
            weights = np.array([table.get(c, 0.0) for c in cat.categories] + [0.0])
            total += weights[cat.codes]
        prices: np.ndarray = np.exp(total)
        return prices


@dataclass
class ScoringPlan:
    """Compiled operations, then a linear head or the pipeline's remaining steps."""

    operations: list[Operation]
    head: LinearHead | None
    fallback_steps: list[str]
    seen_categories: dict[str, frozenset[str]] = field(default_factory=dict)
    tail: Any = None  # the Pipeline of fallback steps: see attach_pipeline

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ScoringPlan:
        """Build the plan a spec describes.

        Raises
        ------
        ValueError
            When the spec has another format or an unknown operation.
        """
        if spec.get("format") != SPEC_FORMAT:
            raise ValueError(f"scoring plan format {spec.get('format')!r}, expected {SPEC_FORMAT}")
        operations = []
        for op in spec["operations"]:
            if op["op"] not in _BUILDERS:
                raise ValueError(f"unknown scoring plan operation {op['op']!r}")
            operations.append(_BUILDERS[op["op"]](op))
        head_spec = spec.get("head")
        head = None
        if head_spec is not None:
            head = LinearHead(
                intercept=float(head_spec["intercept"]),
                numeric={k: float(v) for k, v in head_spec["numeric"].items()},
                tables={
                    k: {str(c): float(w) for c, w in t.items()}
                    for k, t in head_spec["tables"].items()
                },
            )
        seen = {k: frozenset(v) for k, v in spec.get("seen_categories", {}).items()}
        return cls(
            operations=operations,
            head=head,
            fallback_steps=list(spec["fallback_steps"]),
            seen_categories=seen,
        )

    def attach_pipeline(self, pipeline: Any) -> None:
        """Give the plan the fitted pipeline's fallback steps, if it has any."""
        if self.fallback_steps:
            from sklearn.pipeline import Pipeline

            self.tail = Pipeline(pipeline.steps[len(pipeline.steps) - len(self.fallback_steps) :])

    def unseen_categories(self, batch: ValidatedBatch) -> list[tuple[int, str, str]]:
        """(row, column, value) for each valid row holding a category that no
        training row had: the rare-label step prices it as "Rare"."""
        found = []
        for column, seen in self.seen_categories.items():
            cat = batch.categorical.get(column)
            if cat is None:
                continue
            new = [i for i, c in enumerate(cat.categories) if c not in seen]
            if not new:
                continue
            for index in np.flatnonzero(np.isin(cat.codes, new)).tolist():
                row = int(batch.valid_rows[index])
                found.append((row, column, str(cat.categories[cat.codes[index]])))
        found.sort()
        return found

    def predict(self, batch: ValidatedBatch) -> np.ndarray:
        """Prices for the batch's valid rows, in their order."""
        n_rows = len(batch.valid_rows)
        if n_rows == 0:
            return np.empty(0)
        state: State = {**batch.numeric, **batch.categorical}
        for operation in self.operations:
            operation(state)
        if self.head is not None:
            return self.head.predict(state, n_rows)
        if self.tail is None:
            raise RuntimeError("the plan needs the pipeline's fallback steps, not attached")
        order = getattr(self.tail.steps[0][1], "feature_names_in_", None)
        frame = _to_frame(state, batch.valid_rows, None if order is None else list(order))
        return np.asarray(self.tail.predict(frame), dtype=np.float64)


def _to_frame(state: State, index: np.ndarray, order: list[str] | None) -> pd.DataFrame:
    """The state as the DataFrame the next pipeline step expects."""
    columns = {
        name: column.values() if isinstance(column, CatColumn) else column
        for name, column in state.items()
    }
    frame = pd.DataFrame(columns, index=pd.Index(index, dtype=np.int64))
    return frame if order is None else frame[order]
