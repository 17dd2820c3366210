"""Each plan operation's two forms agree: the batch form over columns and the row
form over one row's values, driven by one table of operations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from regression_model.registry import REDUCERS
from regression_model.scoring.columns import CatColumn
from regression_model.scoring.operations import BUILDERS
from regression_model.scoring.state import RowState, State

NAN, INF = math.nan, math.inf
# Each column's values, one per row: missing cells, zeros of both signs,
# infinities, whole numbers and fractions, inside and beyond every range below.
X = [1.5, NAN, 0.0, -0.0, 7.0, -2.25, 12.0, INF, -INF, 3.0, 1e300, -1e-300, 6.5, 2.0]
Y = [2.0, 4.0, NAN, 1.0, -3.5, 0.5, 9.75, 1.0, 2.0, -INF, 5.0, 0.0, 7.25, 2.0]
Z = [0.5, 0.25, 1.0, NAN, 2.0, 8.0, -1.0, 3.5, 0.0, 1.0, -2.0, 4.0, 11.0, 2.0]
C = ["a", None, "b", "c", "a", "zz", None, "b", "a", "c", "d", "a", "b", "c"]
K = ["a", "b", "c", "a", "b", "d", "a", "c", "c", "b", "d", "a", "a", "b"]  # none missing
COLUMNS: dict[str, list[Any]] = {"x": X, "y": Y, "z": Z, "c": C, "k": K}

_WHITENING = np.linalg.cholesky(np.linalg.inv([[1.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.0]]))
SPLINE = {
    "op": "piecewise_polynomials",
    "columns": ["x", "y"],
    "target": "curves",
    "breaks": [[0.0, 3.0, 6.0], [0.5, 2.0]],
    "coefficients": [
        [[0.01, -0.2, 1.5, 2.0], [0.03, 0.1, -0.7, 3.1], [-0.02, 0.05, 0.3, 1.25]],
        [[0.2, -1.1, 0.4, -0.5], [0.1, 0.3, -0.6, 0.75]],
    ],
    "low": [0.0, 0.5],
    "high": [10.0, 7.25],
    "slope_below": [0.0, -0.0],
    "slope_above": [0.0, 0.0],
}

# The table: an operation's spec, and why its case is there. Every form gives
# the same bits, but for the joint distance, below.
OPERATIONS: list[tuple[dict[str, Any], str]] = [
    ({"op": "fill_number", "column": "x", "value": 3.5}, "NaN filled, -0.0 and inf kept"),
    ({"op": "fill_category", "column": "c", "value": "Missing"}, "a new category"),
    ({"op": "fill_category", "column": "c", "value": "b"}, "a category already there"),
    ({"op": "fill_category", "column": "k", "value": "a"}, "nothing missing"),
    ({"op": "missing_indicator", "column": "x", "target": "x_na"}, "numbers"),
    ({"op": "missing_indicator", "column": "c", "target": "c_na"}, "categories"),
    ({"op": "subtract", "target": "d", "left": "x", "right": "y"}, "inf - inf is NaN"),
    *[
        ({"op": "combine", "target": "s", "columns": ["x", "y", "z"], "function": f}, f)
        for f in REDUCERS
    ],
    ({"op": "log_shift", "column": "x", "shift": 2.25}, "log 0 is -inf, below it NaN"),
    ({"op": "log_shift", "column": "z", "shift": 0.0}, "no shift"),
    ({"op": "binarize", "column": "y", "threshold": 1.0}, "NaN is not above"),
    ({"op": "map_categories", "column": "k", "mapping": {"a": 1, "b": 2.5, "c": 0, "d": -1}}, ""),
    (
        {"op": "rare_labels", "column": "c", "frequent": ["a", "b"], "replacement": "Rare"},
        "pooled labels counted, missing kept",
    ),
    (
        {
            "op": "category_slopes",
            "category": "c",
            "variable": "y",
            "target": "slope",
            "lower": 0.5,
            "upper": 7.25,
            "center": 2.0,
            "weights": {"a": 0.3, "b": -1.2, "zz": 0.0},
        },
        "an unweighted and a missing category weigh 0",
    ),
    ({**SPLINE}, "constant ends; x tabled (whole range), y not"),
    (
        {**SPLINE, "slope_below": [0.37, -1.5], "slope_above": [-0.25, 2.0]},
        "linear ends",
    ),
    (
        {"op": "field_ranges", "columns": ["x", "y"], "lower": [0.0, -1.0], "upper": [10, 9.0]},
        "below, above and both",
    ),
    (
        {
            "op": "joint_range",
            "columns": ["y", "z", "x"],
            "mean": [2.0, 1.0, 3.0],
            "scale": [1.5, 2.0, 4.0],
            "whitening": _WHITENING.tolist(),
            "threshold": 1.5,
            "quantile": 0.99,
            "named_fields": 2,
        },
        "some rows beyond the threshold",
    ),
]


# The joint distance of one row is a matrix-vector product, of a batch a
# matrix-matrix one: BLAS sums them in another order.
RELATIVE = {"joint_range": 1e-12}


def _same(row: float, batch: float, rtol: float) -> bool:
    """Equal bits (a NaN equals a NaN; zeros keep their sign), or within ``rtol``."""
    if rtol:
        return bool(np.isclose(row, batch, rtol=rtol, atol=0.0, equal_nan=True))
    if math.isnan(row) or math.isnan(batch):
        return math.isnan(row) and math.isnan(batch)  # log's NaN may carry either sign
    return row == batch and math.copysign(1, row) == math.copysign(1, batch)


def _batch() -> State:
    columns: dict[str, Any] = {
        name: CatColumn.from_values(values)
        if name in ("c", "k")
        else np.array(values, dtype=np.float64)
        for name, values in COLUMNS.items()
    }
    return State(columns, len(X))


def _row(position: int) -> RowState:
    return RowState({name: values[position] for name, values in COLUMNS.items()})


def _finite_rows(spec: dict[str, Any]) -> bool:
    """The joint check measures rows with no missing or infinite value, as the
    pipeline's imputers leave them."""
    return spec["op"] == "joint_range"


def _rows(spec: dict[str, Any]) -> list[int]:
    columns = spec.get("columns", [])
    if not _finite_rows(spec):
        return list(range(len(X)))
    return [i for i in range(len(X)) if all(math.isfinite(COLUMNS[c][i]) for c in columns)]


# log(-1), inf - inf, 1e300 squared: NaN and inf, as the pipeline gives, with
# numpy's warnings.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    ("spec", "case"), OPERATIONS, ids=[f"{s['op']}:{c}" for s, c in OPERATIONS]
)
def test_a_row_gets_what_the_batch_gives_it(spec: dict[str, Any], case: str) -> None:
    """The operation's row form, run on each row's values alone, leaves every
    column, signal and warning that its batch form leaves for that row: the
    same bits for numbers (NaN and the sign of zero included; the joint
    distance to 1e-12), the same label for categories, the same words for
    warnings."""
    rows = _rows(spec)
    operation = BUILDERS[spec["op"]](spec)
    batch = _batch()
    if _finite_rows(spec):
        batch = State({n: v.take(np.array(rows)) for n, v in batch.items()}, len(rows))
    operation(batch)
    rtol = RELATIVE.get(spec["op"], 0.0)
    for position, row in enumerate(rows):
        values = _row(row)
        operation.row(values)
        for name, column in batch.items():
            if isinstance(column, CatColumn):
                assert values[name] == column.values()[position], (name, row)
            else:
                assert _same(values[name], column[position], rtol), (name, row)
        for name, signal in batch.signals.items():
            assert _same(values.signals[name], signal[position], rtol), (name, row)
        found = [(f.kind, f.field, f.message) for f in batch.findings if f.index == position]
        assert [(f.kind, f.field, f.message) for f in values.findings] == found


def test_an_unmapped_label_is_refused_in_either_form() -> None:
    """A label (or a missing value) the ordinal mapping lacks is an error in the
    batch form and in the row form alike, naming the column."""
    spec = {"op": "map_categories", "column": "c", "mapping": {"a": 1, "b": 2}}
    operation = BUILDERS[spec["op"]](spec)
    with pytest.raises(ValueError, match="'c' holds labels its mapping lacks"):
        operation(_batch())
    for row in (1, 3):  # missing, and a label not mapped
        with pytest.raises(ValueError, match="'c' holds labels its mapping lacks"):
            operation.row(_row(row))
    operation.row(_row(0))  # a mapped label passes


def test_the_table_holds_every_operation() -> None:
    """Every operation a plan spec may name has a case in the table above."""
    assert {spec["op"] for spec, _ in OPERATIONS} == set(BUILDERS)
