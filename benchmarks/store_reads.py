"""Whether a long read of the store holds scoring up, and the reader's memory.

Builds an SQLite store of N records (as ``export_records.py`` does), then runs
a writer process that makes a one-row ``make_prediction`` call every 10 ms and
times each: first alone, for a baseline, then while a reader process runs
``regression-model records`` (every record as a JSON line, to /dev/null) over
the whole store. Prints the reader's time and peak RSS (VmHWM), and the
writer's median, 99th percentile and longest call, alone and during the read.

    python benchmarks/store_reads.py --records 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from export_records import PEAK, build_store

import regression_model

WRITER = """
import json, os, sys, time
from regression_model.predict import make_prediction
house = {"OverallQual": 6, "GrLivArea": 1200, "Neighborhood": "NAmes", "YrSold": 2009}
make_prediction(input_data=[house])
print("ready", flush=True)
stop, times = sys.argv[1], []
while not os.path.exists(stop):
    began = time.perf_counter()
    make_prediction(input_data=[house])
    times.append(time.perf_counter() - began)
    time.sleep(0.01)
print(json.dumps(times))
"""

READER = (
    PEAK
    + """
import json, os, sys, time
sys.stdout = open(os.devnull, "w")
from regression_model.cli import main
began = time.perf_counter()
code = main(["records"])
sys.stderr.write(json.dumps({"code": code, "seconds": time.perf_counter() - began,
                             "peak_mb": peak_mb()}) + "\\n")
"""
)


def write_while(
    folder: Path, during: list[str] | None, seconds: float
) -> tuple[list[float], dict[str, float]]:
    """Run the writer alone for ``seconds``, or while the command ``during``
    runs; its call times, and what the reader reported."""
    stop = folder / "stop"
    stop.unlink(missing_ok=True)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    report: dict[str, float] = {}
    if during is None:
        time.sleep(seconds)
    else:
        done = subprocess.run(during, capture_output=True, text=True, check=True)
        report = json.loads(done.stderr.strip().splitlines()[-1])
    stop.touch()
    times: list[float] = json.loads(writer.communicate()[0].strip().splitlines()[-1])
    return times, report


def describe(label: str, times: list[float]) -> str:
    ranked = sorted(times)
    p99 = ranked[min(len(ranked) - 1, int(0.99 * len(ranked)))]
    return (
        f"{label:<26} {len(times):>7,} calls  median {statistics.median(times) * 1000:7.2f} ms  "
        f"p99 {p99 * 1000:7.2f} ms  longest {max(times) * 1000:8.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--baseline-seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'store.sqlite3'}"
        began = time.perf_counter()
        records = build_store(url, args.records)
        size_mb = (folder / "store.sqlite3").stat().st_size / 1e6
        print(
            f"regression_model {regression_model.__version__}, Python "
            f"{platform.python_version()}; store of {records:,} records ({size_mb:,.0f} MB "
            f"SQLite) built in {time.perf_counter() - began:.0f} s"
        )
        os.environ["REGRESSION_MODEL_DB_URL"] = url
        alone, _ = write_while(folder, None, args.baseline_seconds)
        during, read = write_while(folder, [sys.executable, "-c", READER], 0)
    assert read["code"] == 0
    print(
        f"records (JSON lines, all {records:,}): {read['seconds']:.0f} s, "
        f"{records / read['seconds']:,.0f} records/s, peak RSS {read['peak_mb']:.0f} MB"
    )
    print(describe("one-row calls, alone:", alone))
    print(describe("during the read:", during))


if __name__ == "__main__":
    main()
