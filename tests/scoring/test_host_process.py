"""A call leaves its host process as it found it (the garbage collector, BLAS
threads, malloc, signal handlers, warnings filters, logging, locale) unless
the process opts in; opted in, overlapping calls share one hold."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from typing import Any

import pytest

from regression_model.config.core import Config
from regression_model.scoring.host_process import (
    BLAS_VARIABLE,
    PAUSE_VARIABLE,
    SharedHold,
    collector_paused,
)

# Scores calls of every size on a main thread while a watcher thread samples
# the collector and BLAS threads; prints what it saw, and the process's
# settings before and after.
CHILD = """
import ctypes, gc, json, locale, logging, signal, sys, threading, time, warnings
import numpy as np
from threadpoolctl import threadpool_info

looked_up = []
def hook(event, args):
    if event == "ctypes.dlsym":
        looked_up.append(str(args[1]))
sys.addaudithook(hook)

def blas():
    return [pool["num_threads"] for pool in threadpool_info()]

def settings():
    loggers = {name: (lg.level, len(lg.handlers), lg.propagate, lg.disabled)
               for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger) and not name.startswith("regression_model")}
    return {
        "gc": [gc.isenabled(), list(gc.get_threshold())],
        "blas": blas(),
        "signals": {str(s): repr(signal.getsignal(s)) for s in signal.valid_signals()
                    if signal.getsignal(s) is not None},
        "warnings": [repr(f) for f in warnings.filters],
        "root": [logging.root.level, len(logging.root.handlers)],
        "loggers": {k: list(v) for k, v in sorted(loggers.items())},
        "locale": locale.setlocale(locale.LC_ALL),
        "switch": sys.getswitchinterval(),
        "numpy": np.geterr(),
    }

import pandas as pd
from regression_model.data import load_dataset
from regression_model.predict import make_prediction

test = load_dataset(file_name="test.csv")
before = settings()
seen = {"gc_off": 0, "blas": set(), "samples": 0}
done = threading.Event()
def watch():
    while not done.is_set():
        seen["gc_off"] += not gc.isenabled()
        seen["blas"].add(tuple(blas()))
        seen["samples"] += 1
        time.sleep(0.0005)
watcher = threading.Thread(target=watch)
watcher.start()
for rows in (1, 20, 1000, 30000):
    frame = test.iloc[np.arange(rows) % len(test)].reset_index(drop=True)
    make_prediction(input_data=frame)
    make_prediction(input_data=frame.to_dict(orient="records")[:50])
done.set()
watcher.join()
print(json.dumps({"before": before, "after": settings(), "gc_off": seen["gc_off"],
                  "blas_seen": sorted(seen["blas"]), "samples": seen["samples"],
                  "mallopt": "mallopt" in looked_up}))
"""


def _child(opted_in: bool, store: str) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGRESSION_MODEL_")}
    environment["REGRESSION_MODEL_DB_URL"] = store
    if opted_in:
        for variable in ("REGRESSION_MODEL_TUNE_MALLOC", PAUSE_VARIABLE, BLAS_VARIABLE):
            environment[variable] = "1"
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
@pytest.mark.parametrize("store", ["none", "sqlite"])
def test_a_default_call_changes_nothing_in_the_host_process(store: str, tmp_path: Any) -> None:
    """Calls of 1 to 30,000 rows (the largest in parts on threads), as frames
    and records, store off and on SQLite: the collector is never seen off and
    BLAS never at another thread count while they run, mallopt is never
    looked up, and the signal handlers, warnings filters, other libraries'
    loggers, root logger, locale, switch interval and numpy error state are
    as they were."""
    url = "none" if store == "none" else f"sqlite:///{tmp_path / 'store.sqlite3'}"
    seen = _child(opted_in=False, store=url)
    assert seen["samples"] > 50  # the watcher ran through the calls
    assert seen["gc_off"] == 0
    assert seen["blas_seen"] == [seen["before"]["blas"]]
    assert not seen["mallopt"]
    before, after = seen["before"], seen["after"]
    # Loggers that libraries make as they are imported are new, not changed.
    after["loggers"] = {name: after["loggers"].get(name) for name in before["loggers"]}
    assert after == before


@pytest.mark.slow
def test_an_opted_in_process_is_changed_while_calls_run() -> None:
    """The same calls in a process that opted in: the watcher sees the collector
    off and BLAS at one thread during the large call, mallopt is looked up,
    and the collector and BLAS are back as they were afterwards (so the test
    above can see each change it looks for)."""
    seen = _child(opted_in=True, store="none")
    assert seen["gc_off"] > 0
    assert [1] * len(seen["before"]["blas"]) in seen["blas_seen"]
    assert seen["mallopt"]
    assert seen["after"]["gc"] == seen["before"]["gc"]
    assert seen["after"]["blas"] == seen["before"]["blas"]


def test_overlapping_holds_keep_the_change_until_the_last_leaves() -> None:
    """Two threads hold a change in turns that overlap (A enters, B enters, A
    leaves, B leaves): it is made once, still made after A leaves, and undone
    only when B leaves."""
    log: list[str] = []
    hold = SharedHold(lambda: (log.append("made"), lambda: log.append("undone"))[1])
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with hold.held():
            a_in.set()
            b_in.wait()
        log.append("A left")
        a_out.set()

    def second() -> None:
        a_in.wait()
        with hold.held():
            b_in.set()
            a_out.wait()
            log.append("B still in")
        log.append("B left")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log == ["made", "A left", "B still in", "undone", "B left"]


def test_the_collector_stays_paused_while_any_call_holds_it(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opted in, a call that ends while another still runs leaves the collector
    paused for it; the last one out turns it back on."""
    monkeypatch.setenv(PAUSE_VARIABLE, "1")
    assert gc.isenabled()
    outer = collector_paused(config.scoring_config)
    inner = collector_paused(config.scoring_config)
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)
    assert not gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()
