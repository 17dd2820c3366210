"""What keeping freed memory buys: large calls with malloc tuning on and off.

Each round starts two fresh processes, one with REGRESSION_MODEL_TUNE_MALLOC=0
and one with =1, in alternating order. Each scores a batch of N rows drawn
from test.csv (store off) several times in a row and reports every call's
time and page faults (minor faults, from getrusage). Prints every round, then
per call position the medians over rounds and their ratio (tuned / untuned).
The first call of a process faults in all the memory it uses either way.

Run it with the interpreter of the install to measure, e.g. the core install:

    python benchmarks/malloc_tuning.py --rows 102000 --calls 4 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = """
import json, resource, sys, time
import numpy as np
from regression_model.data import load_dataset
from regression_model.predict import make_prediction

test = load_dataset(file_name="test.csv")
batch = test.iloc[np.random.RandomState(0).randint(0, len(test), int(sys.argv[1]))]
batch = batch.reset_index(drop=True)
make_prediction(input_data=batch.head(100))
calls = []
for _ in range(int(sys.argv[2])):
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    began = time.perf_counter()
    result = make_prediction(input_data=batch)
    seconds = time.perf_counter() - began
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    calls.append({"ms": seconds * 1000, "faults": faults})
print(json.dumps(calls))
"""


def run(rows: int, calls: int, tuned: bool) -> list[dict[str, float]]:
    """One fresh process: each call's milliseconds and page faults."""
    environment = {
        **os.environ,
        "REGRESSION_MODEL_DB_URL": "none",
        "REGRESSION_MODEL_TUNE_MALLOC": "1" if tuned else "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows), str(calls)],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    figures: list[dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=102_000)
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    results: dict[bool, list[list[dict[str, float]]]] = {False: [], True: []}
    for round_number in range(args.rounds):
        order = (False, True) if round_number % 2 == 0 else (True, False)
        for tuned in order:
            calls = run(args.rows, args.calls, tuned)
            results[tuned].append(calls)
            shown = ", ".join(f"{c['ms']:.0f} ms ({c['faults']:,} faults)" for c in calls)
            print(f"round {round_number + 1} {'tuned  ' if tuned else 'untuned'}: {shown}")
    print(f"rows per call: {args.rows:,}; medians of {args.rounds} rounds")
    print("| call | untuned ms | tuned ms | ratio | untuned faults | tuned faults |")
    print("| --- | --- | --- | --- | --- | --- |")
    for position in range(args.calls):

        def median(tuned: bool, key: str, at: int = position) -> float:
            return statistics.median(calls[at][key] for calls in results[tuned])

        plain, tuned_ms = median(False, "ms"), median(True, "ms")
        print(
            f"| {position + 1} | {plain:.0f} | {tuned_ms:.0f} | {tuned_ms / plain:.2f}x "
            f"| {median(False, 'faults'):,.0f} | {median(True, 'faults'):,.0f} |"
        )


if __name__ == "__main__":
    main()
