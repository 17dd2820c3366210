"""What recording a call costs at each durability setting of the SQLite store.

Makes ``--calls`` calls of ``--rows`` rows (drawn from test.csv) with the store
off, then with an SQLite store at ``durability: normal`` (WAL,
``synchronous=NORMAL``: a commit reaches the disk at the next checkpoint) and at
``durability: full`` (WAL, ``synchronous=FULL``: every commit is synced before
the call returns). The three alternate within each round, in one process; it
prints each round, the median time per call of each (wall clock, and the
process's CPU time, which other work on a shared machine disturbs less), and
the ratios.

    python benchmarks/store_durability.py --rows 1 --calls 2000 --rounds 5
    python benchmarks/store_durability.py --rows 10000 --calls 20 --rounds 5

``--folder`` puts the stores on another disk (the cost of a sync is the disk's).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from regression_model.data import load_dataset
from regression_model.predict import load_model, make_prediction

MODES = ("off", "normal", "full")


def rows_from_test_csv(count: int, seed: int = 0) -> pd.DataFrame:
    """``count`` rows drawn with replacement from test.csv (fixed seed)."""
    frame = load_dataset(file_name="test.csv")
    return frame.sample(n=count, replace=True, random_state=seed).reset_index(drop=True)


def use(mode: str, folder: Path) -> None:
    """Point the package at the store of ``mode`` (the settings are read per call)."""
    if mode == "off":
        os.environ["REGRESSION_MODEL_DB_URL"] = "none"
        return
    os.environ["REGRESSION_MODEL_DB_URL"] = f"sqlite:///{folder / f'{mode}.sqlite3'}"
    os.environ["REGRESSION_MODEL_DB_DURABILITY"] = mode


def per_call_ms(inputs: object, calls: int) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds per call."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        make_prediction(input_data=inputs)
    wall = time.perf_counter() - started
    return wall / calls * 1000, (time.process_time() - cpu) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()

    frame = rows_from_test_csv(args.rows)
    inputs: object = frame.to_dict(orient="records") if args.rows == 1 else frame
    load_model()
    folder = Path(tempfile.mkdtemp(prefix="store-durability-", dir=args.folder))
    for mode in MODES:  # warm caches, create the stores
        use(mode, folder)
        per_call_ms(inputs, 20)
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
    for round_number in range(args.rounds):
        for mode in MODES:
            use(mode, folder)
            wall, used = per_call_ms(inputs, args.calls)
            times[mode].append(wall)
            cpu[mode].append(used)
        print(
            f"round {round_number + 1}: "
            + ", ".join(f"{mode} {times[mode][-1]:.3f} ms" for mode in MODES)
        )
    print(f"rows per call: {args.rows}, calls per round: {args.calls}, store folder: {folder}")
    for label, figures in (("wall", times), ("CPU", cpu)):
        median = {mode: statistics.median(figures[mode]) for mode in MODES}
        for mode in MODES:
            print(f"median {label} per call, {mode:<6}: {median[mode]:.3f} ms")
        print(f"{label} recording, normal: {median['normal'] - median['off']:.3f} ms per call")
        print(f"{label} recording, full:   {median['full'] - median['off']:.3f} ms per call")
        print(f"{label} ratio full/normal: {median['full'] / median['normal']:.2f}x")


if __name__ == "__main__":
    main()
