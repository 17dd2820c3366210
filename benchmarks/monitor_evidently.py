"""Monitoring against Evidently's data-drift preset, on the same 100,000 rows.

The rows: houses drawn from train.csv with the four planted drifts (GrLivArea
x 1.3, an unseen Neighborhood for a fifth of them, LotArea missing in 40%,
OverallQual + 1). Ours: recorded by ``make_prediction`` (100 calls of 1,000
rows) and monitored from the store, everything included (reading and
decoding the chunks, every field, warnings, prices, results written back);
Evidently: ``Report([DataDriftPreset()]).run`` given the same rows and
train.csv as DataFrames, with the same columns typed as numbers or categories,
in its own venv (.bench/evidently-venv, evidently==0.7.23 with pandas < 3,
installed by this script with uv). Each timed in its warm process after
imports, median of ``--rounds``; goal: ours at least 10x faster. Then which
fields each flags (ours: warn or alert; Evidently: drift detected), and
whether both flag the four planted ones.

Where LotArea goes missing at random, the present values keep training's
distribution; ``--missing largest`` blanks the largest 40% instead, which
moves what is left (a form that stopped asking the size of large lots).

    python benchmarks/monitor_evidently.py [--rows 100000] [--rounds 3]
        [--missing random|largest]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.monitoring.houses import DAY, PLANTED, drawn, plant, record  # noqa: E402

VENV = REPO / ".bench" / "evidently-venv"
EVIDENTLY = "evidently==0.7.23"
CALL_ROWS = 1000
GOAL = 10.0

# Run in Evidently's venv: time the preset on the two Parquet files, print JSON.
EVIDENTLY_RUN = r"""
import json, statistics, sys, time
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

reference, current = pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2])
kinds, rounds = json.loads(sys.argv[3]), int(sys.argv[4])
definition = DataDefinition(
    numerical_columns=[n for n, k in kinds.items() if k == "number"],
    categorical_columns=[n for n, k in kinds.items() if k == "category"],
)
times = []
for _ in range(rounds):
    started = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(
        current_data=Dataset.from_pandas(current, data_definition=definition),
        reference_data=Dataset.from_pandas(reference, data_definition=definition),
    )
    found = snapshot.dict()
    times.append(time.perf_counter() - started)
drifted = []
for metric in found["metrics"]:
    config = metric["config"]
    if config.get("type") != "evidently:metric_v2:ValueDrift":
        continue
    value, threshold, method = metric["value"], config["threshold"], config["method"]
    # A p-value drifts below its threshold, a distance at or above it.
    if value < threshold if "p_value" in method else value >= threshold:
        drifted.append(config["column"])
import evidently
print(json.dumps({"seconds": statistics.median(times), "times": times, "drifted": sorted(drifted),
                  "version": evidently.__version__, "pandas": pd.__version__}))
"""


def evidently_python() -> Path:
    """Evidently's own venv, made with uv on first use."""
    python = VENV / "bin" / "python"
    if not python.exists():
        from uv import find_uv_bin

        uv = find_uv_bin()
        subprocess.run([uv, "venv", "--quiet", "--python", "python3", str(VENV)], check=True)
        packages = [EVIDENTLY, "pandas<3", "pyarrow"]
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--python", str(python), *packages], check=True
        )
    return python


def rows(count: int, missing: str) -> object:
    """The current rows: drawn like training, with the four drifts planted."""
    houses = drawn(count, seed=7)
    moved = plant(houses, seed=8)
    if missing == "largest":  # the largest 40% of lots go missing, not a random 40%
        area = houses["LotArea"].astype(float)
        moved["LotArea"] = area.where(area <= np.quantile(area, 0.6))
    return moved.drop(columns="SalePrice")


def ours(url: str, frame: object, rounds: int) -> dict[str, object]:
    """Record the rows, then time the full monitor in this process."""
    os.environ["REGRESSION_MODEL_DB_URL"] = url
    from regression_model.monitoring import monitor

    for start in range(0, len(frame), CALL_ROWS):  # type: ignore[arg-type]
        record(frame.iloc[start : start + CALL_ROWS].reset_index(drop=True), DAY)  # type: ignore[attr-defined]
    times, report = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        report = monitor(every="day", since=DAY, until=DAY + timedelta(days=1))
        times.append(time.perf_counter() - started)
    assert report is not None
    flagged = sorted(f["field"] for f in report.flagged())
    return {"seconds": statistics.median(times), "times": times, "flagged": flagged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--missing", choices=("random", "largest"), default="random")
    args = parser.parse_args()
    folder = REPO / ".bench" / f"evidently_{args.rows}_{args.missing}"
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "store.sqlite3"
    store.unlink(missing_ok=True)
    from regression_model.config.core import get_config
    from regression_model.data import load_dataset
    from regression_model.training.profile import profile_fields

    kinds = profile_fields(get_config())
    current = rows(args.rows, args.missing)
    current[list(kinds)].to_parquet(folder / "current.parquet")
    load_dataset(file_name="train.csv")[list(kinds)].to_parquet(folder / "reference.parquet")
    python = evidently_python()
    done = subprocess.run(
        [str(python), "-c", EVIDENTLY_RUN, str(folder / "reference.parquet"),
         str(folder / "current.parquet"), json.dumps(kinds), str(args.rounds)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    mine = ours(f"sqlite:///{store}", current, args.rounds)
    ratio = theirs["seconds"] / mine["seconds"]
    print(f"{args.rows:,} rows x {len(kinds)} fields; LotArea missing: {args.missing}")
    print(f"ours: median {mine['seconds']:.2f} s of {[round(t, 2) for t in mine['times']]}")
    print(
        f"evidently {theirs['version']} (pandas {theirs['pandas']}): median "
        f"{theirs['seconds']:.2f} s of {[round(t, 2) for t in theirs['times']]}"
    )
    verdict = "met" if ratio >= GOAL else f"missed by {GOAL - ratio:.1f}x"
    print(f"ours is {ratio:.1f}x faster (goal >= {GOAL:.0f}x: {verdict})")
    planted = sorted(PLANTED)
    print(f"planted: {planted}")
    print(f"ours flags: {mine['flagged']}")
    print(f"evidently flags: {theirs['drifted']}")
    both = [f for f in planted if f in mine["flagged"] and f in theirs["drifted"]]
    print(f"planted fields both flag: {both} ({len(both)} of {len(planted)})")
    extra = sorted(set(mine["flagged"]) ^ set(theirs["drifted"]))
    print(f"fields only one of them flags: {extra or 'none'}")


if __name__ == "__main__":
    main()
