"""What reading the fitted pipeline from skops costs, against unpickling it.

Scoring runs from the JSON plan and reads no pipeline; the pipeline is read by
``load_pipeline`` (the reference's API) and by a plan with fallback steps. This
times, in one process and alternating round by round: the verified load of the
shipped artifact (seal, manifest and sha256 checks, then skops with the
trusted types), and ``joblib.load`` of the same pipeline pickled in memory (the
format before). Imports are warmed first. Prints each round, the medians, their
ratio, and the two formats' sizes.

    python benchmarks/artifact_load.py --rounds 9
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import joblib

from regression_model.artifacts import load_verified_pipeline
from regression_model.model import load_model


def _timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    path = load_model().path
    pipeline = load_verified_pipeline(path)  # warms every import
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    pickled = buffer.getvalue()
    joblib.load(io.BytesIO(pickled))
    skops_s, pickle_s = [], []
    for round_ in range(1, args.rounds + 1):
        skops_s.append(_timed(lambda: load_verified_pipeline(path)))
        pickle_s.append(_timed(lambda: joblib.load(io.BytesIO(pickled))))
        print(
            f"round {round_}: skops (verified) {skops_s[-1] * 1e3:.1f} ms, "
            f"pickle {pickle_s[-1] * 1e3:.1f} ms"
        )
    skops_median, pickle_median = statistics.median(skops_s), statistics.median(pickle_s)
    print(
        f"median of {args.rounds}: skops (verified) {skops_median * 1e3:.1f} ms, "
        f"pickle {pickle_median * 1e3:.1f} ms, ratio {skops_median / pickle_median:.1f}x"
    )
    print(f"size: skops {path.stat().st_size:,} bytes, pickle {len(pickled):,} bytes")


if __name__ == "__main__":
    main()
