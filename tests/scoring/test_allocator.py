"""glibc malloc's thresholds: left alone by default; when the process opts in,
set once by a large call, kept by a small one, and memory freed by a call is
then reused, not faulted in again."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from regression_model.config.core import Config
from regression_model.errors import ConfigError
from regression_model.scoring.allocator import TUNE_VARIABLE, malloc_tuning_wanted

try:
    GLIBC = bool(os.confstr("CS_GNU_LIBC_VERSION"))
except (ValueError, OSError):
    GLIBC = False

needs_glibc = pytest.mark.skipif(not GLIBC, reason="malloc is not glibc's: nothing is tuned")

# Scores a call of `rows` rows, then frees thirty 1 MiB arrays twice and counts
# the page faults of the second time: memory the process kept is not faulted in.
CHILD = """
import json, resource, sys
import numpy as np
from regression_model.config.core import get_config
from regression_model.data import load_dataset
from regression_model.predict import make_prediction
from regression_model.scoring.allocator import tune_malloc

rows = int(sys.argv[1])
test = load_dataset(file_name="test.csv")
make_prediction(input_data=test.iloc[np.arange(rows) % len(test)])

def churn():
    arrays = [np.ones(2**17) for _ in range(30)]
    del arrays

churn()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
churn()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"tuned": tune_malloc(0, get_config().scoring_config), "faults": faults}))
"""


def _child(rows: int, switch: str | None) -> dict[str, int]:
    environment = {k: v for k, v in os.environ.items() if k != TUNE_VARIABLE}
    environment["REGRESSION_MODEL_DB_URL"] = "none"
    if switch is not None:
        environment[TUNE_VARIABLE] = switch
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows)],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
@needs_glibc
def test_a_large_call_tunes_malloc_and_freed_memory_is_reused() -> None:
    """In a fresh process opted in, a 10,000-row call tunes malloc; thirty 1 MiB
    arrays freed and made again then take almost no page faults, where a
    process left at the default faults a large share of their 7,680 pages in
    again (about half on glibc 2.36: its dynamic mmap threshold keeps some)."""
    tuned = _child(10_000, "1")
    untuned = _child(10_000, None)
    assert tuned["tuned"] and not untuned["tuned"]
    assert untuned["faults"] > 30 * 256 // 4
    assert tuned["faults"] < untuned["faults"] // 10


@pytest.mark.slow
@needs_glibc
def test_a_small_call_leaves_malloc_as_it_is() -> None:
    """A call of fewer rows than the threshold tunes nothing, opted in or not."""
    assert not _child(9_999, "1")["tuned"]


def test_the_environment_overrides_the_config(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REGRESSION_MODEL_TUNE_MALLOC switches tuning on or off whatever
    config.yml says; anything but a switch is a ConfigError naming it."""
    assert malloc_tuning_wanted(config.scoring_config) is config.scoring_config.tune_malloc
    for raw, expected in (("0", False), ("off", False), ("1", True), (" TRUE ", True)):
        monkeypatch.setenv(TUNE_VARIABLE, raw)
        assert malloc_tuning_wanted(config.scoring_config) is expected
    monkeypatch.setenv(TUNE_VARIABLE, "sometimes")
    with pytest.raises(ConfigError, match=TUNE_VARIABLE):
        malloc_tuning_wanted(config.scoring_config)
