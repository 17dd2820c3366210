"""The spline's renderings give the same bits: few rows (all variables stacked),
many rows (one variable at a time, whole numbers through their tables, or
without tables) and one row (Python floats)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from regression_model import tuning
from regression_model.config.core import Config
from regression_model.predict import load_model
from regression_model.scoring.compiler import compile_spec
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.polynomials import interval_of, piecewise_polynomials
from regression_model.scoring.state import RowState, State
from regression_model.scoring.validators import validate_table


def _spline_spec() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The shipped model's spline operation, and the operations before it."""
    spec = json.loads(json.dumps(compile_spec(load_model().pipeline)))
    (spline,) = [op for op in spec["operations"] if op["op"] == "piecewise_polynomials"]
    return spline, spec["operations"][: spec["operations"].index(spline)]


def _renderings(
    spline: dict[str, Any], columns: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> dict[str, np.ndarray]:
    """The curves' sum of each row, by each rendering of the spline."""
    n_rows = len(next(iter(columns.values())))
    sums = {}
    built = {"tables": piecewise_polynomials(spline)}
    monkeypatch.setattr(tuning, "SPLINE_MOST_TABLED", 0)  # no variable gets a table
    built["polynomials"] = piecewise_polynomials(spline)
    monkeypatch.undo()
    for name, threshold in [("stacked", 10**9), ("tables", 0), ("polynomials", 0)]:
        monkeypatch.setattr(tuning, "SPLINE_PER_VARIABLE_FROM", threshold)
        state = State(dict(columns), n_rows)
        built["tables" if name == "stacked" else name](state)
        sums[name] = state[spline["target"]]
    monkeypatch.undo()
    rows = []
    for row in range(n_rows):
        values = RowState({name: float(column[row]) for name, column in columns.items()})
        built["tables"].row(values)
        rows.append(values[spline["target"]])
    sums["row"] = np.array(rows)
    return sums


def _assert_same_bits(sums: dict[str, np.ndarray]) -> None:
    stacked = sums.pop("stacked")
    for name, values in sums.items():
        np.testing.assert_array_equal(values, stacked, err_msg=name)
        same_sign = np.signbit(values) == np.signbit(stacked)
        assert same_sign[~np.isnan(stacked)].all(), name


def test_every_rendering_gives_the_same_bits_on_test_csv(
    config: Config, test_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On test.csv's rows, after the operations before the spline, the stacked,
    per-variable (with and without tables) and single-row renderings give
    bit-identical sums of the curves."""
    spline, before = _spline_spec()
    batch = validate_table(FrameInput(test_frame), config)
    state = State({**batch.numeric, **batch.categorical}, len(batch.valid_rows))
    for operation in ScoringPlan.from_spec({**load_model().spec, "operations": before}).operations:
        operation(state)
    columns = {name: state[name] for name in spline["columns"]}
    assert all(isinstance(column, np.ndarray) for column in columns.values())
    _assert_same_bits(_renderings(spline, columns, monkeypatch))  # type: ignore[arg-type]


@pytest.mark.parametrize("ends", ["constant", "linear"])
def test_every_rendering_gives_the_same_bits_at_the_edges(
    ends: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At every whole number of each variable's range, at fractions, beyond both
    ends (as far as 2**64, past what an index can hold), at infinities, at -0.0
    and at NaN, in any order, with the end slopes of constant or of linear
    extrapolation, every rendering gives the same bits; both kinds of variable
    (a whole-number range with a table, another without) are exercised."""
    spline, _ = _spline_spec()
    if ends == "linear":
        count = len(spline["columns"])
        spline = {**spline, "slope_below": [0.37] * count, "slope_above": [-1.25] * count}
    whole = [
        float(low).is_integer() and float(high).is_integer()
        for low, high in zip(spline["low"], spline["high"], strict=True)
    ]
    assert any(whole) and not all(whole)
    rng = np.random.default_rng(0)
    columns = {}
    for column, low, high in zip(spline["columns"], spline["low"], spline["high"], strict=True):
        values = np.concatenate(
            [
                np.arange(np.floor(low) - 2, np.ceil(high) + 3),
                rng.uniform(low - 5, high + 5, 300),
                [np.nan, np.inf, -np.inf, -0.0, low, high, low + 0.5, high - 0.5],
                [1e20, -1e20, 2.0**53 + 2, 2.0**63 - 1024, 2.0**63, -(2.0**63), 2.0**64],
            ]
        )
        columns[column] = rng.permutation(values)
    n_rows = max(len(v) for v in columns.values())
    columns = {c: np.resize(v, n_rows) for c, v in columns.items()}
    with np.errstate(invalid="ignore"):  # inf - inf beyond the ends: NaN in every rendering
        _assert_same_bits(_renderings(spline, columns, monkeypatch))


def test_intervals_are_counted_as_a_binary_search_counts_them() -> None:
    """The spline's interval of each value (a comparison per interval start) is
    numpy.searchsorted's, side="right", over the starts after the first: at the
    starts themselves, between them, beyond both ends, for a single start, and
    for more starts than a byte can count."""
    rng = np.random.default_rng(0)
    many = np.linspace(1.0, 2000.0, 300).tolist()
    for interior in ([6.5, 7.2, 7.9], [1906.5, 1941.0], [3.0], [], many):
        values = np.concatenate(
            [rng.uniform(0, 2100, 500), np.array(interior), np.array(interior) - 1e-12]
        )
        expected = np.searchsorted(np.array(interior), values, side="right")
        np.testing.assert_array_equal(interval_of(values, interior), expected)
