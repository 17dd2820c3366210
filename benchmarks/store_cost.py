"""What recording predictions costs: one call of N rows, store off vs SQLite store on.

Runs both in the same process, alternating, and prints each run, the medians
and their ratio (store on / store off).

    python benchmarks/store_cost.py --rows 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from regression_model import audit
from regression_model.data import load_dataset
from regression_model.predict import load_model, make_prediction


def rows_from_test_csv(count: int, seed: int = 0) -> pd.DataFrame:
    """``count`` rows drawn with replacement from test.csv (fixed seed)."""
    frame = load_dataset(file_name="test.csv")
    return frame.sample(n=count, replace=True, random_state=seed).reset_index(drop=True)


def timed_call(frame: pd.DataFrame, url: str) -> float:
    os.environ[audit.URL_VARIABLE] = url
    started = time.perf_counter()
    result = make_prediction(input_data=frame)
    elapsed = time.perf_counter() - started
    assert len(result["predictions"]) == len(frame)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    frame = rows_from_test_csv(args.rows)
    load_model()
    folder = Path(tempfile.mkdtemp(prefix="store-cost-"))
    sqlite_url = f"sqlite:///{folder / 'predictions.sqlite3'}"
    timed_call(frame.head(100), "none")  # warm caches
    timed_call(frame.head(100), sqlite_url)  # create the schema
    off: list[float] = []
    on: list[float] = []
    for run in range(args.repeats):
        off.append(timed_call(frame, "none"))
        on.append(timed_call(frame, sqlite_url))
        print(f"run {run + 1}: store off {off[-1]:.2f} s, SQLite store on {on[-1]:.2f} s")
    median_off, median_on = statistics.median(off), statistics.median(on)
    print(f"rows per call: {args.rows}")
    print(f"median store off: {median_off:.2f} s ({args.rows / median_off:,.0f} rows/s)")
    print(f"median SQLite on: {median_on:.2f} s ({args.rows / median_on:,.0f} rows/s)")
    print(f"ratio on/off:     {median_on / median_off:.2f}x")
    print(f"store file:       {(folder / 'predictions.sqlite3').stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
