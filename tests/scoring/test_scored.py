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
