"""Time one package's make_prediction in every input form callers use; run by
install_bench.py in each environment (ours, or the reference's), so it sticks
to the API both share and to what both pandas (1.5 and 3) accept.

    python form_timings.py --data test.csv --single-file single.txt --sizes 1,20,1000,102000

Prints one JSON line: ``{form: {rows: median ms a call, or an error}}``; with
``--cpu``, ``{form: {rows: [median wall ms, median CPU ms]}}`` (the CPU time
of the whole process during the call, every thread's). A call
of one row cycles through the test.csv positions in --single-file (rows both
packages score alone: the reference fails on a row alone that lacks one of
its non-imputed features); larger calls take rows drawn from all of test.csv
with a fixed seed, a new draw for each call (the 102,000-row calls share one).
Every call of a form and size is timed, the small ones after an untimed
call; the input is built before the clock starts, as a caller has it already.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from input_forms import available_forms

from regression_model.predict import make_prediction

# Calls timed per form at each size (the reference takes seconds a large call).
CALLS = {1: 200, 20: 40, 1000: 8}
LARGE_CALLS = 3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--single-file", required=True)
    parser.add_argument("--sizes", default="1,20,1000,102000")
    parser.add_argument("--forms", default="", help="comma-separated; default: every available")
    parser.add_argument("--large-calls", type=int, default=LARGE_CALLS)
    parser.add_argument("--cpu", action="store_true", help="CPU time beside wall time")
    args = parser.parse_args()

    raw = pd.read_csv(args.data)
    single = np.loadtxt(args.single_file, dtype=np.int64).tolist()
    forms = available_forms()
    if args.forms:
        forms = {name: forms[name] for name in args.forms.split(",") if name in forms}
    figures = {}
    for name, build in forms.items():
        figures[name] = {}
        for size in [int(s) for s in args.sizes.split(",")]:
            timed = time_form(build, raw, single, size, args.large_calls)
            figures[name][str(size)] = timed if args.cpu or isinstance(timed, str) else timed[0]
    print(json.dumps(figures))


def inputs_of(build, raw, single, size, calls):
    """The inputs of each call, built beforehand."""
    if size == 1:
        return [build(raw.iloc[[single[i % len(single)]]]) for i in range(calls)]
    if size in CALLS:
        draws = np.random.RandomState(size)
        return [build(raw.iloc[draws.randint(0, len(raw), size)]) for _ in range(calls)]
    return [build(raw.iloc[np.random.RandomState(0).randint(0, len(raw), size)])] * calls


def time_form(build, raw, single, size, large_calls):
    """The median milliseconds of a call, wall and CPU, or the error that
    stopped the form."""
    calls = CALLS.get(size, large_calls)
    try:
        inputs = inputs_of(build, raw, single, size, calls)
        if size in CALLS:  # untimed: caches, first imports (a large call needs none by then)
            make_prediction(input_data=inputs[0])
        seconds, cpu = [], []
        for data in inputs:
            began, began_cpu = time.perf_counter(), time.process_time()
            make_prediction(input_data=data)
            seconds.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
    except Exception as error:  # the reference cannot take some forms
        return f"fails: {type(error).__name__}: {str(error).splitlines()[0][:80]}"
    return [statistics.median(seconds) * 1000, statistics.median(cpu) * 1000]


if __name__ == "__main__":
    main()
