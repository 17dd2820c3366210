"""Time one package's make_prediction; run by compare_reference.py in each
package's own environment (ours, or the reference's), so it sticks to the API
both share and to syntax both Pythons accept.

    python predict_timings.py --rows-file rows.txt --single-file single.txt --batches 3 \
        --first-file first.json
    python predict_timings.py --probe 300   # test.csv positions this package can score alone
    python predict_timings.py --first-file first.json --first-only

Prints one JSON line: first_call_s (process start to first prediction,
interpreter start, imports and model load included: from the wall-clock time
in the BENCH_LAUNCHED_AT variable, set by the parent just before it starts
this process, else from this script's first line; the record priced is the
one in --first-file, read before test.csv is loaded), single_ms (median of single-row calls, each
a list of one record, over the test.csv positions in --single-file),
batch_rows_per_s (median over batch calls on the positions in --rows-file),
and the counts behind them. The reference cannot score a row alone when one
of its non-imputed features is missing (it drops the row, then fails on an
empty frame), hence --probe: the single rows are ones both packages score.
"""

import time

STARTED = time.perf_counter()
STARTED_WALL = time.time()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402

import numpy as np  # noqa: E402

from regression_model.config.core import config  # noqa: E402
from regression_model.predict import make_prediction  # noqa: E402
from regression_model.processing.data_manager import load_dataset  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-file")
    parser.add_argument("--single-file")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--probe", type=int, default=0)
    parser.add_argument("--first-file")
    parser.add_argument("--first-only", action="store_true", help="time the first call alone")
    args = parser.parse_args()

    first_call = None
    if args.first_file:  # the first price before anything else: no data loading
        with open(args.first_file, encoding="utf-8") as handle:
            first_call = first_price([json.load(handle)])
    if args.first_only:
        print(json.dumps({"first_call_s": first_call}))
        return

    test = load_dataset(file_name=config.app_config.test_data_file)
    records = test.to_dict(orient="records")
    if args.probe:
        print(json.dumps(probe(records, args.probe)))
        return
    singles = [records[i] for i in np.loadtxt(args.single_file, dtype=np.int64).tolist()]
    if first_call is None:
        first_call = first_price([singles[0]])

    single = []
    for record in singles:
        began = time.perf_counter()
        make_prediction(input_data=[record])
        single.append(time.perf_counter() - began)

    positions = np.loadtxt(args.rows_file, dtype=np.int64)
    batch = test.iloc[positions].reset_index(drop=True)
    rates = []
    scored = 0
    for _ in range(args.batches):
        began = time.perf_counter()
        result = make_prediction(input_data=batch)
        rates.append(len(batch) / (time.perf_counter() - began))
        scored = sum(p is not None for p in (result["predictions"] or []))
    print(
        json.dumps(
            {
                "first_call_s": first_call,
                "single_ms": statistics.median(single) * 1000,
                "single_calls": len(single),
                "batch_rows": len(batch),
                "batch_rows_scored": scored,
                "batch_rows_per_s": statistics.median(rates),
                "batch_calls": len(rates),
            }
        )
    )


def first_price(records):
    """Seconds from process start to the price of ``records``."""
    first = make_prediction(input_data=records)
    assert first["predictions"][0] is not None
    seconds = time.perf_counter() - STARTED
    launched = os.environ.get("BENCH_LAUNCHED_AT")
    if launched:  # add the interpreter's own start, before this script's first line
        seconds += STARTED_WALL - float(launched)
    return seconds


def probe(records, wanted):
    """The first ``wanted`` positions whose record this package scores alone."""
    usable = []
    for position, record in enumerate(records):
        try:
            result = make_prediction(input_data=[record])
        except Exception:  # the reference raises on rows it drops
            continue
        if result["predictions"] and result["predictions"][0] is not None:
            usable.append(position)
        if len(usable) == wanted:
            break
    return usable


if __name__ == "__main__":
    main()
