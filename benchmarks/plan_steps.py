"""Where a large batch's pricing time goes: each kind of step of the scoring plan.

Validates one batch drawn from test.csv with a fixed seed, then, round after
round on one thread, runs the plan's steps on a fresh copy of the validated
columns and times each step. Prints each kind of step's median time per
round, its share of the steps' total, and the validation's time. The spline
is also built without its tables of whole numbers (from the same spec) and
timed in the same rounds, alternating with the shipped one, so the ratio of
the two comes from one run.

    python benchmarks/plan_steps.py --rows 102000 --rounds 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict

os.environ["REGRESSION_MODEL_DB_URL"] = "none"

import numpy as np
from threadpoolctl import threadpool_limits

from regression_model import tuning
from regression_model.config.core import get_config
from regression_model.predict import load_model
from regression_model.processing.data_manager import load_dataset
from regression_model.scoring import operations
from regression_model.scoring.inputs import as_table
from regression_model.scoring.state import State
from regression_model.scoring.validators import validate_table

SPLINE = "piecewise_polynomials"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=102_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    config = get_config()
    model = load_model()
    specs = model.spec["operations"]
    steps = list(zip([spec["op"] for spec in specs], model.plan.operations, strict=True))
    spline_spec = next(spec for spec in specs if spec["op"] == SPLINE)
    shipped_tables = tuning.SPLINE_MOST_TABLED
    tuning.SPLINE_MOST_TABLED = 0  # no variable gets a table: the polynomials throughout
    untabled_spline = operations.BUILDERS[SPLINE](spline_spec)
    tuning.SPLINE_MOST_TABLED = shipped_tables

    test = load_dataset(file_name=config.app_config.test_data_file)
    positions = np.random.RandomState(0).randint(0, len(test), args.rows)
    batch = test.iloc[positions].reset_index(drop=True)

    per_kind: dict[str, list[float]] = defaultdict(list)
    validation, untabled = [], []
    with threadpool_limits(limits=1):
        for _ in range(args.rounds):
            began = time.perf_counter()
            valid = validate_table(as_table(batch, config), config)
            validation.append(time.perf_counter() - began)
            state = State({**valid.numeric, **valid.categorical}, len(valid.valid_rows))
            totals: dict[str, float] = defaultdict(float)
            for kind, step in steps:
                if kind == SPLINE:  # the same input for both builds of the spline
                    began = time.perf_counter()
                    untabled_spline(State(dict(state), state.n_rows))
                    untabled.append(time.perf_counter() - began)
                began = time.perf_counter()
                step(state)
                totals[kind] += time.perf_counter() - began
            for kind, seconds in totals.items():
                per_kind[kind].append(seconds)

    medians = {kind: statistics.median(times) * 1000 for kind, times in per_kind.items()}
    steps_total = sum(medians.values())
    print(f"{args.rows:,} rows, one thread, medians of {args.rounds} rounds")
    print(f"validation: {statistics.median(validation) * 1000:.1f} ms")
    print(f"plan steps: {steps_total:.1f} ms")
    for kind, ms in sorted(medians.items(), key=lambda item: -item[1]):
        count = sum(1 for k, _ in steps if k == kind)
        print(f"  {kind:24s} x{count:<3d} {ms:6.2f} ms  {ms / steps_total:6.1%}")
    without = statistics.median(untabled) * 1000
    print(
        f"spline without its tables: {without:.2f} ms; shipped {medians[SPLINE]:.2f} ms "
        f"({medians[SPLINE] / without:.2f}x)"
    )


if __name__ == "__main__":
    main()
