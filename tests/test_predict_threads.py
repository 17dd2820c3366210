"""make_prediction from many threads at once, as a web server's thread pool or
a Dask worker calls it: every result equals the serial one, every row is
recorded, no call fails."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

import pandas as pd
import pytest

from regression_model import audit
from regression_model.config.core import DATASET_DIR
from regression_model.predict import make_prediction

THREADS = 8
CALLS_PER_THREAD = 200
SIZES = (1, 1, 1, 2, 5, 20, 31, 32, 200, 1000)
RESULT_KEYS = ("predictions", "intervals", "errors", "warnings", "version")


def _inputs() -> list[tuple[str, int, Any]]:
    """40 calls' inputs: every input form at sizes from 1 to 1,000 rows, and
    one of 20,000 rows (priced in parts on threads of its own); rows of
    test.csv, one in nine with an impossible area."""
    from benchmarks.input_forms import available_forms

    houses = pd.read_csv(DATASET_DIR / "test.csv")
    forms = list(available_forms().items())
    chosen = random.Random(0)
    inputs = []
    for number in range(40):
        size = 20_000 if number == 0 else chosen.choice(SIZES)
        rows = houses.sample(size, replace=True, random_state=number).reset_index(drop=True)
        rows.loc[rows.index % 9 == 4, "GrLivArea"] = -5.0
        name, build = forms[number % len(forms)]
        inputs.append((name, size, build(rows)))
    return inputs


@pytest.mark.slow
def test_threads_get_the_serial_results_and_every_row_is_recorded(empty_store_url: str) -> None:
    """8 threads each make 200 calls of mixed sizes and input forms against one
    store (SQLite, and PostgreSQL in CI): no call raises, each result's
    prices, ranges, errors, warnings and version equal the same input's
    serial result, and the store holds every row of every call, each with
    the price the call returned."""
    inputs = _inputs()
    serial = [make_prediction(input_data=data) for _, _, data in inputs]
    results: list[tuple[int, dict[str, Any]]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    # The 20,000-row call comes up about four times in all, the rest evenly.
    weights = [0.1 if size == 20_000 else 1.0 for _, size, _ in inputs]

    def caller(seed: int) -> None:
        picks = random.Random(seed).choices(range(len(inputs)), weights, k=CALLS_PER_THREAD)
        start.wait()
        for which in picks:
            try:
                result = make_prediction(input_data=inputs[which][2])
            except BaseException as error:  # every failure is reported, none hidden
                with lock:
                    failures.append(error)
                continue
            with lock:
                results.append((which, result))

    threads = [threading.Thread(target=caller, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(results) == THREADS * CALLS_PER_THREAD
    for which, result in results:
        for key in RESULT_KEYS:
            assert result[key] == serial[which][key], (inputs[which][:2], key)

    # Every row of every call (the serial ones too) is in the store.
    expected_rows = sum(len(r["predictions"]) for _, r in results)
    expected_rows += sum(len(r["predictions"]) for r in serial)
    store = audit.get_store()
    assert store is not None
    assert store.count() == expected_rows
    ids = Counter(i for _, r in results for i in r["prediction_ids"])
    assert max(ids.values()) == 1  # no id handed out twice
    for _, result in results[:: len(results) // 100]:
        first = audit.get_record(result["prediction_ids"][0])
        assert first is not None
        stored = audit.find(call_id=first["call_id"])
        assert [r["prediction_id"] for r in stored] == result["prediction_ids"]
        assert [r["prediction"] for r in stored] == result["predictions"]
