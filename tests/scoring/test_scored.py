"""score_table: one slot per row, and the garbage collector left as it was."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from regression_model import tuning
from regression_model.config.core import Config
from regression_model.predict import load_model
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.scored import ScoredBatch, score_table


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_is_left_as_it_was(
    enabled: bool, config: Config, test_frame: pd.DataFrame
) -> None:
    """Scoring pauses the cyclic collector while it builds the result lists, then
    leaves it enabled or disabled as the caller had it."""
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        scored = score_table(FrameInput(test_frame), load_model().plan, config)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert len(scored.predictions) == len(scored.intervals) == len(test_frame)


def _text_as(frame: pd.DataFrame, storage: str) -> pd.DataFrame:
    """The frame with its text columns as loaded (Arrow with pyarrow installed)
    or as Python objects (how pandas holds them without pyarrow)."""
    if storage == "as loaded":
        return frame
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    return frame.astype(dict.fromkeys(text, object))


def _in_parts_and_whole(
    frame: pd.DataFrame, config: Config, monkeypatch: pytest.MonkeyPatch
) -> tuple[ScoredBatch, ScoredBatch]:
    """The frame scored in parts of 1,000 rows (up to 4 threads), then in one
    part, each from a table of its own."""
    from regression_model.scoring import scored as scored_module

    monkeypatch.setattr(tuning, "ROWS_PER_PART", 1_000)
    monkeypatch.setattr(scored_module.os, "cpu_count", lambda: 4)
    parts = score_table(FrameInput(frame), load_model().plan, config)
    monkeypatch.setattr(tuning, "ROWS_PER_PART", 10**9)
    return parts, score_table(FrameInput(frame), load_model().plan, config)


@pytest.mark.parametrize("storage", ["as loaded", "python objects"])
def test_a_call_scored_in_parts_equals_one_scored_whole(
    storage: str, config: Config, test_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call large enough to be scored in parts on threads gives exactly the
    prices, ranges, errors and warnings of the same call scored in one part,
    rejected rows and warnings in either part included. The parts read slices
    of text columns factorised whole, so text that differs from part to part
    is there too: a category refused in one part only, a required one missing
    in another, a column missing (and filled) in one part only."""
    frame = pd.concat([test_frame] * 3, ignore_index=True)
    last = len(frame) - 1
    frame.loc[5, "GrLivArea"] = -3  # an error in the first part
    frame.loc[last - 1, "GrLivArea"] = 99_999  # a warning in the last
    frame.loc[7, "Neighborhood"] = None  # required, in the first part
    frame.loc[last - 3, "Street"] = "Cobblestone"  # not a category, in the last part
    frame.loc[2_500, "CentralAir"] = None  # filled, in the middle part only
    assert frame["CentralAir"].isna().sum() == 1
    parts, whole = _in_parts_and_whole(_text_as(frame, storage), config, monkeypatch)
    assert parts.predictions == whole.predictions and parts.intervals == whole.intervals
    assert parts.errors == whole.errors and parts.warnings == whole.warnings
    assert [(e.row, e.field) for e in whole.errors] == [
        (5, "GrLivArea"),
        (7, "Neighborhood"),
        (last - 3, "Street"),
    ]
    assert any(w.row == last - 1 for w in whole.warnings)
    assert whole.predictions[2_500] is not None


def test_a_call_with_every_row_priced_numbers_its_warnings_by_row_in_parts(
    config: Config, test_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When every row is valid and priced, the call hands out its own arrays
    and numbers each warning by its place: in parts or whole, the same
    warnings, on the rows that carry them (in the first and the last part),
    and ranges and recorded arrays that agree with the lists."""
    frame = pd.concat([test_frame] * 3, ignore_index=True)
    last = len(frame) - 1
    for row in (10, last - 1):
        frame.loc[row, "GrLivArea"] = 99_999  # beyond the training range: a warning
    parts, whole = _in_parts_and_whole(frame, config, monkeypatch)
    assert not whole.errors and None not in whole.predictions
    assert parts.predictions == whole.predictions and parts.intervals == whole.intervals
    assert parts.warnings == whole.warnings
    flagged = {w.row for w in whole.warnings if w.field == "GrLivArea"}
    assert {10, last - 1} <= flagged
    for batch in (parts, whole):
        assert batch.bounds is not None
        assert batch.prices.tolist() == batch.predictions
        assert batch.bounds.tolist() == batch.intervals


def test_a_text_column_that_cannot_be_factorised_is_judged_cell_by_cell_in_parts(
    config: Config, test_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list in a text cell makes the whole column unfactorisable: each part
    judges the column's cells one by one, and the call gives what it gives in
    one part (that row refused, naming the column; the others priced)."""
    frame = pd.concat([test_frame] * 2, ignore_index=True).astype({"LotShape": object})
    frame.at[1_600, "LotShape"] = ["Reg"]
    parts, whole = _in_parts_and_whole(frame, config, monkeypatch)
    assert parts.predictions == whole.predictions and parts.errors == whole.errors
    assert [(e.row, e.field) for e in whole.errors] == [(1_600, "LotShape")]
    assert sum(p is None for p in whole.predictions) == 1
