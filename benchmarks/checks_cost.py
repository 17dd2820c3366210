"""What the price ranges and the out-of-range checks cost at scoring time.

Times ``make_prediction`` (store off) three ways in one process, alternating
round by round: the shipped plan; the same plan without its price ranges; and
without ranges or range checks (the ``field_ranges`` and ``joint_range``
operations dropped). Single rows are one-record calls over the first 300 rows
of test.csv; the batch is 102,000 rows drawn from test.csv with a fixed seed.
Prints the median per round and the median ratio of each variant to the
shipped plan over rounds.

    python benchmarks/checks_cost.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

os.environ["REGRESSION_MODEL_DB_URL"] = "none"

from regression_model.predict import load_model, make_prediction
from regression_model.processing.data_manager import (
    load_dataset,
    plan_path_for,
    read_verified_text,
)
from regression_model.scoring.plan import ScoringPlan


def _timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


CHECKS = ("field_ranges", "joint_range")


def _variants() -> dict[str, ScoringPlan]:
    """The shipped plan, and plans built from its spec less some parts."""
    model = load_model()
    spec = json.loads(read_verified_text(plan_path_for(model.path).name, model.manifest))
    no_ranges = {k: v for k, v in spec.items() if k != "intervals"}
    no_checks = {
        **no_ranges,
        "operations": [o for o in spec["operations"] if o["op"] not in CHECKS],
    }
    return {
        "shipped (ranges and checks)": model.plan,
        "without ranges": ScoringPlan.from_spec(no_ranges),
        "without ranges or checks": ScoringPlan.from_spec(no_checks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=102_000)
    args = parser.parse_args()
    test = load_dataset(file_name="test.csv")
    singles = [[r] for r in test.head(300).to_dict(orient="records")]
    batch = test.sample(n=args.rows, replace=True, random_state=0).reset_index(drop=True)
    model = load_model()
    variants = _variants()
    single: dict[str, list[float]] = {name: [] for name in variants}
    whole: dict[str, list[float]] = {name: [] for name in variants}
    for round_number in range(1, args.rounds + 1):
        for name, plan in variants.items():
            model.plan = plan
            single[name].append(
                statistics.median(
                    _timed(lambda r=r: make_prediction(input_data=r)) for r in singles
                )
            )
            whole[name].append(_timed(lambda: make_prediction(input_data=batch)))
            print(
                f"round {round_number} {name:28s} single row {single[name][-1] * 1e3:.3f} ms, "
                f"{args.rows} rows {args.rows / whole[name][-1]:,.0f} rows/s",
                flush=True,
            )
    base = "shipped (ranges and checks)"
    print(f"\nmedians of {args.rounds} rounds; ratio: the shipped plan's time over the variant's")
    print("| plan | single row (ms) | batch rows/s | single-row cost | batch cost |")
    print("| --- | --- | --- | --- | --- |")
    for name in variants:
        ratio_single = statistics.median(
            b / v for b, v in zip(single[base], single[name], strict=True)
        )
        ratio_batch = statistics.median(
            b / v for b, v in zip(whole[base], whole[name], strict=True)
        )
        print(
            f"| {name} | {statistics.median(single[name]) * 1e3:.3f} | "
            f"{args.rows / statistics.median(whole[name]):,.0f} | "
            f"{ratio_single:.3f}x | {ratio_batch:.3f}x |"
        )


if __name__ == "__main__":
    main()
