"""Peak memory of predict_file on a large CSV: rows generated from test.csv.

Writes an N-row CSV (rows of test.csv drawn with a fixed seed), scores it in a
child process with predict_file, and reports the child's peak RSS
(getrusage, the figure /usr/bin/time -v prints as "Maximum resident set
size"), time and rows/s; store off and SQLite store on.

    python benchmarks/stream_memory.py --rows 1000000 --chunk-size 50000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from regression_model.config.core import DATASET_DIR
from regression_model.data import read_house_csv

CHILD = """
import sys
from regression_model.streaming import predict_file
summary = predict_file(sys.argv[1], sys.argv[2], chunk_size=int(sys.argv[3]), progress=False)
print(summary.rows, summary.scored)
"""


def write_rows(path: Path, rows: int) -> None:
    test = read_house_csv(DATASET_DIR / "test.csv").rename(
        columns={"FirstFlrSF": "1stFlrSF", "SecondFlrSF": "2ndFlrSF", "ThreeSsnPortch": "3SsnPorch"}
    )
    positions = np.random.RandomState(0).randint(0, len(test), rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for start in range(0, rows, 100_000):
            part = test.iloc[positions[start : start + 100_000]]
            part.to_csv(handle, header=start == 0, index=False, na_rep="NA")


def score(source: Path, target: Path, chunk_size: int, url: str) -> tuple[float, float, str]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(target), str(chunk_size)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "REGRESSION_MODEL_DB_URL": url},
    )
    seconds = time.perf_counter() - began
    # Peak RSS of the largest child so far (KiB on Linux); children run one at a time
    # and the store-off run, the smaller, goes first.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mb, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=50_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stream-"))
    source = work / "houses.csv"
    write_rows(source, args.rows)
    print(
        f"input: {args.rows:,} rows, {source.stat().st_size / 1e6:.0f} MB CSV, "
        f"chunks of {args.chunk_size:,}"
    )
    for label, url in (
        ("store off", "none"),
        ("SQLite store", f"sqlite:///{work / 'predictions.sqlite3'}"),
    ):
        seconds, peak, out = score(source, work / "scored.csv", args.chunk_size, url)
        print(
            f"{label}: {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s, "
            f"peak RSS {peak:.0f} MB, rows scored: {out}"
        )


if __name__ == "__main__":
    main()
