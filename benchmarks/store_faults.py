"""How long a call takes to fail when the database fails, and to recover.

Starts a PostgreSQL server of its own (as the store's fault tests do; needs
PostgreSQL installed, and root or the postgres user), then, with
``REGRESSION_MODEL_DB_TIMEOUT`` at each ``--timeouts`` value, times a one-row
``make_prediction``:

* with the server's processes frozen (SIGSTOP), on a pooled connection and on
  a new one, until it raises;
* with the server stopped, until it raises;
* after the server is started again: the first call of the same process.

Also, on SQLite, a call while another connection holds the write lock.
Prints the median of ``--rounds`` runs of each.

    python benchmarks/store_faults.py --timeouts 2 5 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.databases

from regression_model import audit
from regression_model.errors import PredictionStoreError
from regression_model.predict import make_prediction
from regression_model.store.location import forget_stores
from tests.databases import PG_VARIABLE, private_postgres

HOUSE = {"OverallQual": 6, "GrLivArea": 1200, "Neighborhood": "NAmes", "YrSold": 2009}


def timed(call: Callable[[], object]) -> tuple[float, str]:
    """Seconds until ``call`` returned or raised, and how it ended."""
    began = time.perf_counter()
    try:
        call()
        outcome = "recorded"
    except PredictionStoreError as error:
        outcome = str(error).split(": ", 1)[1][:70]
    return time.perf_counter() - began, outcome


def predict() -> object:
    return make_prediction(input_data=[HOUSE])


def server_faults(timeout: str) -> dict[str, tuple[float, str]]:
    """One round of each PostgreSQL fault, on a new server."""
    os.environ[audit.TIMEOUT_VARIABLE] = timeout
    figures = {}
    with private_postgres() as server:
        os.environ[audit.URL_VARIABLE] = server.url
        predict()
        for pooled in (True, False):
            if not pooled:
                forget_stores()
            server.freeze()
            try:
                figures[f"frozen, {'pooled' if pooled else 'new'} connection"] = timed(predict)
            finally:
                server.thaw()
            predict()
        server.stop()
        figures["server stopped"] = timed(predict)
        server.start()
        figures["first call after restart"] = timed(predict)
    return figures


def sqlite_locked(timeout: str, folder: Path) -> tuple[float, str]:
    os.environ[audit.TIMEOUT_VARIABLE] = timeout
    path = folder / f"locked-{timeout}.sqlite3"
    os.environ[audit.URL_VARIABLE] = f"sqlite:///{path}"
    predict()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        return timed(predict)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeouts", nargs="+", default=["2", "5"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get(PG_VARIABLE):
        os.environ[PG_VARIABLE] = "set"  # private_postgres only asks that it is set
    predict_once = tempfile.mkdtemp(prefix="store-faults-")
    os.environ[audit.URL_VARIABLE] = f"sqlite:///{Path(predict_once) / 'warm.sqlite3'}"
    predict()  # imports and the model loaded before any timing
    for timeout in args.timeouts:
        runs: dict[str, list[tuple[float, str]]] = {}
        for _ in range(args.rounds):
            for what, figure in server_faults(timeout).items():
                runs.setdefault(what, []).append(figure)
            runs.setdefault("SQLite, write lock held", []).append(
                sqlite_locked(timeout, Path(predict_once))
            )
        print(f"REGRESSION_MODEL_DB_TIMEOUT={timeout}, medians of {args.rounds} rounds:")
        for what, figures in runs.items():
            seconds = statistics.median(f[0] for f in figures)
            print(f"  {what:<28} {seconds:6.2f} s  {figures[-1][1]}")


if __name__ == "__main__":
    main()
