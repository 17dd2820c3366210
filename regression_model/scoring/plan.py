"""The scoring plan at run time: numpy operations built from a JSON spec.

The fitted scikit-learn Pipeline stays the artifact and the source of truth.
``compiler.compile_spec`` derives a spec from it (at training, and at
load when no spec file exists): one operation per known step, built from the
step's fitted attributes, and a linear head folding one-hot encoder, scaler
and log-linear regressor into a weight per numeric column and a weight table
per categorical column. Steps the compiler does not know are listed as the
spec's ``fallback_steps``; they run through ``Pipeline.predict``.

This module imports neither scikit-learn nor feature-engine: a model whose
spec covers every step scores without unpickling anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from regression_model import messages
from regression_model.scoring.columns import CatColumn, ValidatedBatch
from regression_model.scoring.operations import BUILDERS
from regression_model.scoring.price_ranges import IntervalModel
from regression_model.scoring.primitives import COLUMNS, ONE_ROW, Lookup, Primitives, table_weight
from regression_model.scoring.signals import BEYOND_TRAINING
from regression_model.scoring.state import (
    FINDING_ORDER,
    Finding,
    Operation,
    RowState,
    State,
    number_column,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SPEC_FORMAT",
    "LinearHead",
    "PlanOutput",
    "ScoringPlan",
]

SPEC_FORMAT = 2

# Up to this many rows the linear head takes one matrix product, beyond it it
# adds the columns in place. The two sum in another order, so the choice is
# part of the model's arithmetic (and of its fingerprint), not a tuning knob:
# moving it moves the last bits of some prices.
_PRODUCT_MOST_ROWS = 256


@dataclass
class LinearHead:
    """exp(intercept + sum of weight * numeric column + sum of table[category])."""

    intercept: float
    numeric: dict[str, float] = field(default_factory=dict)
    tables: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._numeric_names = list(self.numeric)
        self._numeric_weights = np.array(list(self.numeric.values()), dtype=np.float64)
        # Many rows add one column at a time, so a column whose weight is zero
        # (the Lasso drops about half) is skipped: it would add 0, or NaN where
        # a value is infinite, which the plausible-price check rejects either
        # way. A single row keeps its one dot product over every column.
        self._weighted = {name: w for name, w in self.numeric.items() if w != 0.0}
        # Categories the encoder never saw get no dummy, hence weight 0; a
        # table of zeros adds nothing.
        weights = [(n, table_weight(t)) for n, t in self.tables.items() if any(t.values())]
        self._tables = {
            xp.one_row: [(name, xp.weighing(rule)) for name, rule in weights]
            for xp in (COLUMNS, ONE_ROW)
        }

    def log_price(self, values: Any, n_rows: int, xp: Primitives = COLUMNS) -> Any:
        """The linear model's log price of each row (of the one row, with ``xp``
        ``ONE_ROW``)."""
        if xp.one_row or (n_rows <= _PRODUCT_MOST_ROWS and self._numeric_names):
            # Few rows: one matrix product beats many tiny numpy calls.
            numbers = [values[name] for name in self._numeric_names]
            total = self.intercept + xp.dot(self._numeric_weights, numbers)
        else:
            # Many rows: accumulate in place rather than copy every column.
            total = np.full(n_rows, self.intercept)
            scratch = np.empty(n_rows)
            for name, weight in self._weighted.items():
                np.multiply(number_column(values, name), weight, out=scratch)
                total += scratch
        for name, weigh in self._tables[xp.one_row]:
            total += weigh(values[name])
        return total


@dataclass
class ScoringPlan:
    """Compiled operations, then a linear head or the pipeline's remaining steps."""

    operations: list[Operation]
    head: LinearHead | None
    fallback_steps: list[str]
    seen_categories: dict[str, frozenset[str]] = field(default_factory=dict)
    intervals: IntervalModel | None = None  # None: the plan gives no price ranges
    tail: Any = None  # the Pipeline of fallback steps: see attach_pipeline
    fallback_reason: str | None = None  # why the steps fall back (the compiler's words)

    def __post_init__(self) -> None:
        # A category is unseen when present and not among the column's seen.
        unseen = [
            (column, Lookup({**dict.fromkeys(seen, False), None: False}, True).rule)
            for column, seen in self.seen_categories.items()
        ]
        self._unseen = {
            xp.one_row: [(column, rule, xp.picking(rule)) for column, rule in unseen]
            for xp in (COLUMNS, ONE_ROW)
        }

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
            if op["op"] not in BUILDERS:
                raise ValueError(f"unknown scoring plan operation {op['op']!r}")
            operations.append(BUILDERS[op["op"]](op))
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
            fallback_reason=spec.get("fallback_reason"),
        )

    @property
    def fallback_summary(self) -> str:
        """Whether every step runs in numpy or which steps fall back to the
        pipeline, and why, in one line (``regression-model info`` shows it).

        Examples
        --------
        >>> from regression_model.model import load_model
        >>> load_model().plan.fallback_summary
        'numpy plan, no fallback steps'
        """
        if not self.fallback_steps:
            return "numpy plan, no fallback steps"
        reason = self.fallback_reason or "the plan file does not say why"
        return f"falls back to the pipeline for steps [{', '.join(self.fallback_steps)}]: {reason}"

    def attach_pipeline(self, pipeline: Any) -> None:
        """Give the plan the fitted pipeline's fallback steps, if it has any."""
        if self.fallback_steps:
            from sklearn.pipeline import Pipeline

            self.tail = Pipeline(pipeline.steps[len(pipeline.steps) - len(self.fallback_steps) :])

    def _unseen_categories(self, values: State | RowState, xp: Primitives) -> None:
        """Warn about each category no training row had: the rare-label step
        prices it as "Rare". Runs before the first operation."""
        for column, unseen, pick in self._unseen[xp.one_row]:
            cat = values.get(column)
            # A row's label is looked up first: a seen one has nothing to pick.
            if cat is None or (xp.one_row and not unseen(cat)):
                continue
            for row, label in pick(cat):
                message = messages.unseen_category(column, str(label))
                values.findings.append(Finding(row, messages.UNSEEN_CATEGORY, column, message))

    def score(self, batch: ValidatedBatch) -> PlanOutput:
        """Prices, warnings and per-row signals for the batch's valid rows."""
        n_rows = len(batch.valid_rows)
        if n_rows == 1 and self.head is not None:
            return self._score_row(batch.row_values(0))
        state = State({**batch.numeric, **batch.categorical}, n_rows)
        if n_rows == 0:
            return PlanOutput(np.empty(0), [], {}, state)
        self._unseen_categories(state, COLUMNS)
        for operation in self.operations:
            operation(state)
        if self.head is not None:
            log_prices = self.head.log_price(state, n_rows)
        else:
            log_prices = np.log(self._tail_prices(state, batch.valid_rows))
        state.findings.sort(key=FINDING_ORDER)
        beyond = np.zeros(n_rows)
        beyond[[f.index for f in state.findings]] = 1.0  # every finding is a range warning
        state.signals[BEYOND_TRAINING] = beyond
        output = PlanOutput(log_prices, state.findings, state.signals, state)
        if self.intervals is not None:
            output.intervals = self.intervals.bounds(log_prices, state.signals, state)
        return output

    def _score_row(self, row: dict[str, Any]) -> PlanOutput:
        """:meth:`score` for a batch of one valid row, on its Python values: the
        same steps, without a numpy call per step and column."""
        values = RowState(row)
        self._unseen_categories(values, ONE_ROW)
        for operation in self.operations:
            operation.row(values)
        assert self.head is not None  # the caller checked
        log_price = self.head.log_price(values, 1, ONE_ROW)
        values.findings.sort(key=FINDING_ORDER)
        values.signals[BEYOND_TRAINING] = 1.0 if values.findings else 0.0
        signals = {name: np.array([value]) for name, value in values.signals.items()}
        output = PlanOutput(np.array([log_price]), values.findings, signals, values)
        if self.intervals is not None:
            low, high = self.intervals.bounds(log_price, values.signals, values, ONE_ROW)
            output.intervals = np.array([[low, high]])
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
    final: State | RowState  # the columns (or a single row's values) after the last operation
    intervals: np.ndarray | None = None  # (rows, 2) dollars, when the plan is calibrated

    @property
    def state(self) -> State:
        """The columns after the last operation (a single row's, made columns of one)."""
        if isinstance(self.final, State):
            return self.final
        columns: dict[str, Any] = {
            name: CatColumn.from_values([value])
            if value is None or isinstance(value, str)
            else np.array([value], dtype=np.float64)
            for name, value in self.final.items()
        }
        return State(columns, 1)

    @property
    def prices(self) -> np.ndarray:
        """Dollars."""
        prices: np.ndarray = np.exp(self.log_prices)
        return prices


def _to_frame(state: State, index: np.ndarray, order: list[str] | None) -> pd.DataFrame:
    """The state as the DataFrame the next pipeline step expects."""
    import pandas as pd

    columns = {
        name: column.values() if isinstance(column, CatColumn) else column
        for name, column in state.items()
    }
    frame = pd.DataFrame(columns, index=pd.Index(index, dtype=np.int64))
    return frame if order is None else frame[order]
