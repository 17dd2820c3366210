"""Rows/s of predict_dask on a 2-worker LocalCluster against one process.

Generates N rows from test.csv (fixed seed), scores them once in this process
with make_prediction (in chunks of --chunk rows, as predict_file does) and
once with predict_dask over 2 worker processes, store off for both; repeats
and prints the medians and the ratio.

    python benchmarks/dask_throughput.py --rows 1020000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ["REGRESSION_MODEL_DB_URL"] = "none"

import dask.dataframe as dd
import distributed

from regression_model.config.core import DATASET_DIR
from regression_model.data import read_house_csv
from regression_model.distributed import predict_dask
from regression_model.predict import make_prediction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_020_000)
    parser.add_argument("--partitions", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=51_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    test = read_house_csv(DATASET_DIR / "test.csv")
    positions = np.random.RandomState(0).randint(0, len(test), args.rows)
    frame = test.iloc[positions].reset_index(drop=True)

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    ddf = dd.from_pandas(frame, npartitions=args.partitions).persist()  # data on the workers
    distributed.wait(ddf)
    predict_dask(ddf.partitions[:2]).compute()  # load the model on the workers
    make_prediction(input_data=frame.head(100))

    single, spread = [], []
    for run in range(1, args.repeats + 1):
        began = time.perf_counter()
        scored = 0
        for start in range(0, len(frame), args.chunk):
            prices = make_prediction(input_data=frame.iloc[start : start + args.chunk])
            scored += sum(p is not None for p in prices["predictions"])
        single.append(len(frame) / (time.perf_counter() - began))
        began = time.perf_counter()
        result = predict_dask(ddf).compute()
        spread.append(len(frame) / (time.perf_counter() - began))
        print(
            f"run {run}: one process {single[-1]:,.0f} rows/s ({scored} scored), "
            f"dask 2 workers {spread[-1]:,.0f} rows/s ({result.notna().sum()} scored)"
        )
    print(f"rows: {args.rows:,}, {args.partitions} partitions, medians of {args.repeats}")
    print(f"one process:    {statistics.median(single):,.0f} rows/s")
    print(f"dask, 2 workers: {statistics.median(spread):,.0f} rows/s")
    print(f"ratio:          {statistics.median(spread) / statistics.median(single):.2f}x")
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
