"""Rows per second and peak memory of exporting the prediction store's records.

Builds an SQLite store of N records (a 102k-row call of test.csv scored once,
then its packed chunks written again under new call ids, as many times as N
needs), then, in fresh child processes, exports every record as Parquet and as
CSV with ``audit.export_records``. Each child reports its own time and peak
RSS (VmHWM). In the same run it measures two baselines: a child that only
reads and unpacks every stored chunk (the floor for any reader of the packed
store), and one that opens the store and counts (the memory of an idle
process). Figures are medians of ``--rounds`` runs.

    python benchmarks/export_records.py --records 10000000 --rounds 3
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
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

import regression_model
from regression_model.config.core import DATASET_DIR
from regression_model.data import read_house_csv

# Peak RSS of the child itself: VmHWM is per address space, so unlike getrusage's
# maxrss it does not inherit the parent's peak across fork and exec.
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

EXPORT = (
    PEAK
    + """
import json, sys, time
from regression_model import audit
began = time.perf_counter()
rows = audit.export_records(sys.argv[1], sys.argv[2])
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - began,
                  "peak_mb": peak_mb()}))
"""
)

UNPACK_ONLY = (
    PEAK
    + """
import json, time
from sqlalchemy import select
from regression_model import audit
from regression_model.store.codec import decode_columns
from regression_model.store.tables import call_chunks
store = audit.get_store()
began = time.perf_counter()
rows = 0
with store.engine.connect() as connection:
    for chunk in connection.execution_options(stream_results=True, yield_per=8).execute(
        select(call_chunks.c.inputs)
    ):
        rows += decode_columns(chunk.inputs)[0]
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - began,
                  "peak_mb": peak_mb()}))
"""
)

IDLE = (
    PEAK
    + """
import json, time
from regression_model import audit
began = time.perf_counter()
rows = audit.get_store().count()
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - began,
                  "peak_mb": peak_mb()}))
"""
)


def build_store(url: str, records: int) -> int:
    """Fill the store at ``url`` with at least ``records`` records; returns how many."""
    os.environ["REGRESSION_MODEL_DB_URL"] = url
    from regression_model import audit
    from regression_model.model import load_model
    from regression_model.predict import make_prediction
    from regression_model.store.codec import RecordChunk
    from regression_model.store.ids import new_id, new_row_ids
    from regression_model.store.tables import call_chunks

    test = read_house_csv(DATASET_DIR / "test.csv")
    batch = pd.concat([test] * 70, ignore_index=True)
    first = make_prediction(input_data=batch)["prediction_ids"][0]
    store = audit.get_store()
    assert store is not None
    call_id = audit.get_record(first)["call_id"]  # type: ignore[index]
    with store.engine.connect() as connection:
        rows = connection.execute(
            call_chunks.select().where(call_chunks.c.call_id == call_id)
        ).fetchall()
    chunks = [
        RecordChunk(
            r.first_row, r.n_rows, r.inputs, r.predictions, r.errors, r.warnings, r.intervals
        )
        for r in rows
    ]
    per_call = sum(c.n_rows for c in chunks)
    model = load_model().store_record
    written = per_call
    while written < records:
        prefix, _ = new_row_ids(0)
        store.write_call(
            call_id=new_id(),
            id_prefix=prefix,
            created_at=datetime.now(timezone.utc),
            model=model,
            chunks=chunks,
        )
        written += per_call
    return written


def child(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {
        "rows": runs[0]["rows"],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_mb": statistics.median(r["peak_mb"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'store.sqlite3'}"
        began = time.perf_counter()
        records = build_store(url, args.records)
        size_mb = (Path(folder) / "store.sqlite3").stat().st_size / 1e6
        print(
            f"regression_model {regression_model.__version__}, Python "
            f"{platform.python_version()}, pandas {pd.__version__}; store of {records:,} "
            f"records ({size_mb:,.0f} MB SQLite) built in {time.perf_counter() - began:.0f} s; "
            f"medians of {args.rounds} rounds"
        )
        # Rounds interleave the baselines and the exports, so a shared machine's
        # load drifts over all of them alike.
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.rounds):
            runs.setdefault("idle", []).append(child(IDLE))
            runs.setdefault("unpack", []).append(child(UNPACK_ONLY))
            for fmt in args.formats:
                out = Path(folder) / f"records.{fmt}"
                runs.setdefault(fmt, []).append(child(EXPORT, str(out), fmt))
                runs[fmt][-1]["size_mb"] = out.stat().st_size / 1e6
                out.unlink()
        report(runs, args.formats)


def report(runs: dict[str, list[dict[str, float]]], formats: list[str]) -> None:
    idle, unpack = median(runs["idle"]), median(runs["unpack"])
    print(f"{'what':<28} {'rows/s':>12} {'seconds':>9} {'peak RSS':>10} {'vs unpack':>10}")
    print(
        f"{'open the store and count':<28} {'':>12} {idle['seconds']:>9.2f} "
        f"{idle['peak_mb']:>8.0f}MB {'':>10}"
    )
    unpack_rate = unpack["rows"] / unpack["seconds"]
    print(
        f"{'unpack every chunk only':<28} {unpack_rate:>12,.0f} {unpack['seconds']:>9.1f} "
        f"{unpack['peak_mb']:>8.0f}MB {'1.00x':>10}"
    )
    for fmt in formats:
        result = median(runs[fmt])
        rate = result["rows"] / result["seconds"]
        size = runs[fmt][0]["size_mb"]
        print(
            f"{'export ' + fmt + f' ({size:,.0f} MB)':<28} {rate:>12,.0f} "
            f"{result['seconds']:>9.1f} {result['peak_mb']:>8.0f}MB "
            f"{unpack['seconds'] / result['seconds']:>9.2f}x"
        )


if __name__ == "__main__":
    main()
