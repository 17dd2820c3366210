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

from regression_model.processing import range_messages
from regression_model.processing.batch import CatColumn, ValidatedBatch
from regression_model.scoring.intervals import IntervalModel
from regression_model.scoring.signals import (
    BEYOND_TRAINING,
    FIELDS_OUT_OF_RANGE,
    JOINT_DISTANCE,
    RARE_CATEGORIES,
)

SPEC_FORMAT = 2

Column = np.ndarray | CatColumn


@dataclass(frozen=True, order=True)
class Finding:
    """A warning about one valid row: ``index`` is its position among the batch's
    valid rows; ``field`` names the column(s), or is None for the whole row."""

    index: int
    kind: str
    field: str | None
    message: str


class State(dict[str, Column]):
    """The columns of the batch as the operations transform them, plus what the
    checks among them find, and per-row figures (``signals``) the price range
    is widened by."""

    def __init__(self, columns: dict[str, Column], n_rows: int) -> None:
        super().__init__(columns)
        self.n_rows = n_rows
        self.findings: list[Finding] = []
        self.signals: dict[str, np.ndarray] = {}

    def category(self, name: str) -> CatColumn:
        """A categorical column, as the operations left it."""
        return _cat(self, name)

    def add_signal(self, name: str, values: np.ndarray) -> None:
        """Accumulate a per-row figure (several checks may add to one)."""
        if name in self.signals:
            self.signals[name] = self.signals[name] + values
        else:
            self.signals[name] = np.asarray(values, dtype=np.float64)


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
        # How many of a row's categories were too rare to be priced on their own.
        pooled = np.array([c not in keep for c in cat.categories] + [False])
        state.add_signal(RARE_CATEGORIES, pooled[cat.codes].astype(np.float64))

    return run


def _field_ranges(columns: list[str], lower: list[float], upper: list[float]) -> Operation:
    """Warn about each present value beyond its column's training range."""
    low, high = np.array(lower, dtype=np.float64), np.array(upper, dtype=np.float64)

    def run(state: State) -> None:
        count = np.zeros(state.n_rows)
        for position, name in enumerate(columns):
            values = _num(state, name)
            with np.errstate(invalid="ignore"):
                beyond = (values < low[position]) | (values > high[position])
            if not beyond.any():
                continue
            count += beyond
            for index in np.flatnonzero(beyond).tolist():
                message = range_messages.beyond_range(
                    name, float(values[index]), float(low[position]), float(high[position])
                )
                state.findings.append(Finding(index, range_messages.OUT_OF_RANGE, name, message))
        state.add_signal(FIELDS_OUT_OF_RANGE, count)

    return run


def _joint_range(spec: dict[str, Any]) -> Operation:
    """Warn about rows whose Mahalanobis distance from the training rows lies
    beyond the threshold, naming the columns that add most to it."""
    columns = list(spec["columns"])
    mean, scale = np.array(spec["mean"]), np.array(spec["scale"])
    whitening = np.array(spec["whitening"], dtype=np.float64)
    threshold, share = float(spec["threshold"]), float(spec["quantile"])
    named = int(spec["named_fields"])
    # ((x - mean) / scale) @ W == x @ (W / scale) - mean @ (W / scale): one pass
    # over the rows, taken column-major (the state's columns stack without
    # interleaving).
    scaled = (whitening / scale[:, None]).T.copy()
    offset = (mean @ (whitening / scale[:, None]))[:, None]
    precision = whitening @ whitening.T

    def run(state: State) -> None:
        whitened = scaled @ np.vstack([_num(state, c) for c in columns])
        whitened -= offset
        distance = np.sqrt(np.einsum("ij,ij->j", whitened, whitened))
        state.add_signal(JOINT_DISTANCE, distance)
        flagged = np.flatnonzero(distance > threshold)
        if not len(flagged):
            return
        rows = (np.vstack([_num(state, c)[flagged] for c in columns]).T - mean) / scale
        # Each column's share of a row's squared distance: z_i (P z)_i.
        shares = rows * (rows @ precision)
        order = np.argsort(-shares, axis=1, kind="stable")[:, :named]
        for index, top in zip(flagged.tolist(), order.tolist(), strict=True):
            fields = [columns[i] for i in top]
            message = range_messages.unusual_combination(
                fields, float(distance[index]), share, threshold
            )
            state.findings.append(
                Finding(index, range_messages.UNUSUAL_COMBINATION, ", ".join(fields), message)
            )

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


def _category_slopes(spec: dict[str, Any]) -> Operation:
    """A weight per category times the clipped, centred variable (a slope per
    category, folded with the head's weights)."""
    category, variable, target = str(spec["category"]), str(spec["variable"]), str(spec["target"])
    low, high, center = float(spec["lower"]), float(spec["upper"]), float(spec["center"])
    weights = {str(c): float(w) for c, w in spec["weights"].items()}

    def run(state: State) -> None:
        cat = _cat(state, category)
        lookup = np.array([weights.get(str(c), 0.0) for c in cat.categories] + [0.0])
        state[target] = lookup[cat.codes] * (np.clip(_num(state, variable), low, high) - center)

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
    "field_ranges": lambda o: _field_ranges(list(o["columns"]), o["lower"], o["upper"]),
    "joint_range": _joint_range,
    "category_slopes": _category_slopes,
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

    def log_price(self, state: State, n_rows: int) -> np.ndarray:
        """The linear model's log price of each row."""
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
        log_prices: np.ndarray = total
        return log_prices


@dataclass
class ScoringPlan:
    """Compiled operations, then a linear head or the pipeline's remaining steps."""

    operations: list[Operation]
    head: LinearHead | None
    fallback_steps: list[str]
    seen_categories: dict[str, frozenset[str]] = field(default_factory=dict)
    intervals: IntervalModel | None = None  # None: the plan gives no price ranges
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
        intervals = spec.get("intervals")
        return cls(
            operations=operations,
            head=head,
            fallback_steps=list(spec["fallback_steps"]),
            seen_categories=seen,
            intervals=None if intervals is None else IntervalModel.from_spec(intervals),
        )

    def attach_pipeline(self, pipeline: Any) -> None:
        """Give the plan the fitted pipeline's fallback steps, if it has any."""
        if self.fallback_steps:
            from sklearn.pipeline import Pipeline

            self.tail = Pipeline(pipeline.steps[len(pipeline.steps) - len(self.fallback_steps) :])

    def _unseen_categories(self, batch: ValidatedBatch, state: State) -> None:
        """Warn about each category no training row had: the rare-label step
        prices it as "Rare"."""
        for column, seen in self.seen_categories.items():
            cat = batch.categorical.get(column)
            if cat is None:
                continue
            new = [i for i, c in enumerate(cat.categories) if c not in seen]
            if not new:
                continue
            for index in np.flatnonzero(np.isin(cat.codes, new)).tolist():
                value = str(cat.categories[cat.codes[index]])
                state.findings.append(
                    Finding(
                        index,
                        range_messages.UNSEEN_CATEGORY,
                        column,
                        range_messages.unseen_category(column, value),
                    )
                )

    def score(self, batch: ValidatedBatch) -> PlanOutput:
        """Prices, warnings and per-row signals for the batch's valid rows."""
        n_rows = len(batch.valid_rows)
        state = State({**batch.numeric, **batch.categorical}, n_rows)
        if n_rows == 0:
            return PlanOutput(np.empty(0), [], {}, state)
        self._unseen_categories(batch, state)
        for operation in self.operations:
            operation(state)
        if self.head is not None:
            log_prices = self.head.log_price(state, n_rows)
        else:
            log_prices = np.log(self._tail_prices(state, batch.valid_rows))
        state.findings.sort()
        beyond = np.zeros(n_rows)
        beyond[[f.index for f in state.findings]] = 1.0  # every finding is a range warning
        state.signals[BEYOND_TRAINING] = beyond
        output = PlanOutput(log_prices, state.findings, state.signals, state)
        if self.intervals is not None:
            tables = self.intervals.tables
            output.intervals = self.intervals.bounds(
                log_prices, state.signals, {c: _cat(state, c) for c in tables}
            )
        return output

    def predict(self, batch: ValidatedBatch) -> np.ndarray:
        """Prices for the batch's valid rows, in their order."""
        return self.score(batch).prices

    def _tail_prices(self, state: State, index: np.ndarray) -> np.ndarray:
        if self.tail is None:
            raise RuntimeError("the plan needs the pipeline's fallback steps, not attached")
        order = getattr(self.tail.steps[0][1], "feature_names_in_", None)
        frame = _to_frame(state, index, None if order is None else list(order))
        return np.asarray(self.tail.predict(frame), dtype=np.float64)


@dataclass
class PlanOutput:
    """What the plan finds for a batch's valid rows, in their order."""

    log_prices: np.ndarray
    findings: list[Finding]
    signals: dict[str, np.ndarray]
    state: State  # the columns after the last operation
    intervals: np.ndarray | None = None  # (rows, 2) dollars, when the plan is calibrated

    @property
    def prices(self) -> np.ndarray:
        """Dollars."""
        prices: np.ndarray = np.exp(self.log_prices)
        return prices


def _to_frame(state: State, index: np.ndarray, order: list[str] | None) -> pd.DataFrame:
    """The state as the DataFrame the next pipeline step expects."""
    columns = {
        name: column.values() if isinstance(column, CatColumn) else column
        for name, column in state.items()
    }
    frame = pd.DataFrame(columns, index=pd.Index(index, dtype=np.int64))
    return frame if order is None else frame[order]
