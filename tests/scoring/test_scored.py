"""score_table: one slot per row, and the garbage collector left as it was."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from regression_model.config.core import Config
from regression_model.predict import load_model
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.scored import score_table


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


def test_a_call_scored_in_parts_equals_one_scored_whole(
    config: Config, test_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call large enough to be scored in parts on threads gives exactly the
    prices, ranges, errors and warnings of the same call scored in one part,
    rejected rows and warnings in either part included."""
    from regression_model.scoring import scored as scored_module

    frame = pd.concat([test_frame] * 3, ignore_index=True)
    frame.loc[5, "GrLivArea"] = -3  # an error in the first part
    frame.loc[len(frame) - 2, "GrLivArea"] = 99_999  # a warning in the last
    table = FrameInput(frame)
    monkeypatch.setattr(scored_module, "_ROWS_PER_PART", 1_000)
    monkeypatch.setattr(scored_module.os, "cpu_count", lambda: 4)
    parts = score_table(table, load_model().plan, config)
    monkeypatch.setattr(scored_module, "_ROWS_PER_PART", 10**9)
    whole = score_table(table, load_model().plan, config)
    assert parts.predictions == whole.predictions and parts.intervals == whole.intervals
    assert parts.errors == whole.errors and parts.warnings == whole.warnings
    assert [e.row for e in whole.errors] == [5]
    assert any(w.row == len(frame) - 2 for w in whole.warnings)
