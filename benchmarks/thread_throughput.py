"""Calls per second of make_prediction from 1, 2 and 4 threads at once, as a
web server's thread pool calls it: each thread prices one-house DataFrames in
the course's form (and, with --rows, larger calls) for --seconds seconds.

    python thread_throughput.py --data test.csv --seconds 5 --store-url none

Prints one JSON line: ``{threads: calls per second}``, the median of --rounds
rounds, each round running every thread count in turn.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from input_forms import course_frame


def throughput(frames, threads, seconds):
    """Calls per second of ``threads`` threads calling for ``seconds`` seconds."""
    from regression_model.predict import make_prediction

    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def caller(number):
        start.wait()
        position = number
        while not stop.is_set():
            make_prediction(input_data=frames[position % len(frames)])
            counts[number] += 1
            position += threads

    workers = [threading.Thread(target=caller, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - began)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--rows", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", default="1,2,4")
    parser.add_argument("--store-url", default="none")
    args = parser.parse_args()
    os.environ["REGRESSION_MODEL_DB_URL"] = args.store_url

    from regression_model.predict import make_prediction

    raw = pd.read_csv(args.data)
    frames = [course_frame(raw.iloc[start : start + args.rows]) for start in range(0, 400)]
    make_prediction(input_data=frames[0])
    counts = [int(t) for t in args.threads.split(",")]
    rates = {n: [] for n in counts}
    for _ in range(args.rounds):
        for n in counts:
            rates[n].append(throughput(frames, n, args.seconds))
    print(json.dumps({str(n): statistics.median(r) for n, r in rates.items()}))


if __name__ == "__main__":
    main()
