"""Time one package's make_prediction; run by compare_reference.py in each
package's own environment (ours, or the reference's), so it sticks to the API
both share and to syntax both Pythons accept.

    python predict_timings.py --rows-file rows.txt --single-file single.txt --batches 3
    python predict_timings.py --probe 300   # test.csv positions this package can score alone

Prints one JSON line: first_call_s (process start to first prediction,
import and model load included), single_ms (median of single-row calls, each
a list of one record, over the test.csv positions in --single-file),
batch_rows_per_s (median over batch calls on the positions in --rows-file),
and the counts behind them. The reference cannot score a row alone when one
of its non-imputed features is missing (it drops the row, then fails on an
empty frame), hence --probe: the single rows are ones both packages score.
"""

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
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
    args = parser.parse_args()

    test = load_dataset(file_name=config.app_config.test_data_file)
    records = test.to_dict(orient="records")
    if args.probe:
        print(json.dumps(probe(records, args.probe)))
        return
    singles = [records[i] for i in np.loadtxt(args.single_file, dtype=np.int64).tolist()]
    first = make_prediction(input_data=[singles[0]])
    first_call = time.perf_counter() - STARTED
    assert first["predictions"] is not None

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
