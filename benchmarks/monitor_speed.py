"""Monitoring's time and memory on a million stored records.

Builds (once, kept in .bench/) a store of ``--records`` houses drawn from
train.csv, scored and recorded by ``make_prediction`` in calls of
``--rows-per-call`` rows, the calls spread over 30 days, the last 10 days with
the four planted drifts (GrLivArea x 1.3, an unseen Neighborhood, LotArea 40%
missing, OverallQual + 1), and one house in ten sold (``audit.add_outcomes``).
Then runs the full monitor as users do, ``regression-model monitor --every day``
(every field, daily windows, realized accuracy, results written to the
store), in a fresh process per round, and prints the median wall time and
the largest peak memory (RSS) against the goals: at most 15 s, under 400 MB.

``--form records`` sends the calls as lists of dicts that leave out their
gaps, so that their fields differ from row to row: the store keeps them as
JSON lines (monitoring then reads them row by row). ``--form json`` sends them
as a JSON client does (``input_forms.as_records``: every field, None for a
gap), which the store keeps column by column; ``frame``, the default, as
DataFrames, kept column by column.

    python benchmarks/monitor_speed.py [--records 1000000] [--rows-per-call 1000]
        [--form frame|records|json] [--rounds 3] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.input_forms import as_records  # noqa: E402
from tests.monitoring.houses import DAY, drawn, plant, record  # noqa: E402

DAYS, DRIFTED_DAYS, SOLD = 30, 10, 0.1
GOAL_SECONDS, GOAL_MB = 15.0, 400.0


def build(url: str, records: int, rows_per_call: int, form: str) -> None:
    """Record the calls and the sales into the store at ``url``."""
    os.environ["REGRESSION_MODEL_DB_URL"] = url
    import pandas as pd

    from regression_model import audit

    calls = records // rows_per_call
    sales = []
    started = time.perf_counter()
    for number in range(calls):
        day = number * DAYS // calls
        frame = drawn(rows_per_call, seed=number)
        if day >= DAYS - DRIFTED_DAYS:
            frame = plant(frame, seed=number)
        sent = frame.drop(columns="SalePrice")
        if form == "records":
            sent = [{k: v for k, v in row.items() if v == v} for row in sent.to_dict("records")]
        elif form == "json":
            sent = as_records(sent)
        at = DAY + timedelta(days=day, seconds=number)
        result = record(sent, at)
        sold = frame.sample(frac=SOLD, random_state=number).index
        ids = [result["prediction_ids"][i] for i in sold]
        prices = frame.loc[sold, "SalePrice"]
        sales.append(pd.DataFrame({"prediction_id": ids, "sale_price": prices}))
    summary = audit.add_outcomes(pd.concat(sales))
    print(
        f"built the store: {calls:,} calls of {rows_per_call:,} rows ({form}), "
        f"{summary.added:,} sales, in {time.perf_counter() - started:.0f} s"
    )


def run_once(url: str) -> tuple[float, float, int, float]:
    """One monitor in a fresh process: wall seconds, peak RSS in MB, exit code,
    and CPU seconds (user and system: what the machine's other load does not
    stretch)."""
    command = [
        str(Path(sys.executable).with_name("regression-model")),
        "monitor",
        "--every",
        "day",
        "--since",
        DAY.isoformat(),
        "--until",
        (DAY + timedelta(days=DAYS)).isoformat(),
    ]
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": url}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rows-per-call", type=int, default=1000)
    parser.add_argument("--form", choices=("frame", "records", "json"), default="frame")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url", help="a store to build in (default: an SQLite file in .bench/)")
    args = parser.parse_args()
    name = f"monitor_{args.records}_{args.rows_per_call}_{args.form}.sqlite3"
    path = REPO / ".bench" / name
    url = args.url or f"sqlite:///{path}"
    if args.url or not path.exists():
        path.parent.mkdir(exist_ok=True)
        build(url, args.records, args.rows_per_call, args.form)
    rounds = [run_once(url) for _ in range(args.rounds)]
    seconds = statistics.median(r[0] for r in rounds)
    memory = max(r[1] for r in rounds)
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores; store "
        f"{url.split(':', 1)[0]}; {args.records:,} records in calls of {args.rows_per_call:,} "
        f"rows ({args.form}), {DAYS} daily windows"
    )
    print(
        "rounds (wall, CPU, peak RSS, exit):",
        ", ".join(f"{s:.2f} s {u:.2f} s {m:.0f} MB {c}" for s, m, c, u in rounds),
    )
    verdict = "met" if seconds <= GOAL_SECONDS else f"missed by {seconds - GOAL_SECONDS:.1f} s"
    cpu = statistics.median(r[3] for r in rounds)
    print(
        f"full monitor: median {seconds:.2f} s (goal <= {GOAL_SECONDS:.0f} s: {verdict}); "
        f"median CPU {cpu:.2f} s; load average {os.getloadavg()[0]:.1f}"
    )
    verdict = "met" if memory < GOAL_MB else f"missed by {memory - GOAL_MB:.0f} MB"
    print(f"peak memory: {memory:.0f} MB (goal < {GOAL_MB:.0f} MB: {verdict})")


if __name__ == "__main__":
    main()
